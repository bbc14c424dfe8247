"""API: drawing log, revisions, upload and review, publishing, areas, sets, disciplines."""

import json
from typing import Literal
from uuid import UUID

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import ValidationError

from sheetflow.accounts.authed import request_user
from sheetflow.common.api import Pagination, errors
from sheetflow.common.errors import ServiceError
from sheetflow.drawings import selectors, services
from sheetflow.drawings.api_export import router as export_router
from sheetflow.drawings.api_queue import router as queue_router
from sheetflow.drawings.files import revision_file
from sheetflow.drawings.models import Area, Discipline, Drawing, DrawingSet, Revision, Upload
from sheetflow.drawings.schemas import (
    AreaIn,
    AreaOut,
    AreaPatch,
    ConfirmIn,
    DisciplineIn,
    DisciplineOut,
    DrawingIds,
    DrawingLogOut,
    DrawingOut,
    DrawingPatch,
    LogQuery,
    PublishReportOut,
    RevisionIds,
    RevisionOut,
    RevisionPatch,
    SetIn,
    SetOut,
    SetPatch,
    SheetEditIn,
    UploadForm,
    UploadOut,
    log_row,
    report_out,
)
from sheetflow.projects.models import Project
from sheetflow.projects.permissions import Action, project_get

router = Router(tags=["drawings"])
router.add_router("", queue_router)
router.add_router("", export_router)

P = "/projects/{project_id}"


def _project(request: HttpRequest, project_id: int, action: Action) -> Project:
    return project_get(user=request_user(request), project_id=project_id, action=action)


# --- drawing log and drawings -------------------------------------------------------------


@router.get(f"{P}/drawings", response={200: list[DrawingLogOut], **errors(401, 403, 404, 422)})
@paginate(Pagination)
def drawing_list(request: HttpRequest, project_id: int, filters: Query[LogQuery]) -> object:
    """The drawing log: drawings with their current revision (filters, sort, pages)."""
    project = _project(request, project_id, Action.DRAWINGS_VIEW)
    return selectors.drawing_log(
        user=request_user(request), project=project, filters=filters.to_filters()
    ).map(log_row)


@router.get(f"{P}/drawings/{{int:drawing_id}}", response={200: DrawingOut, **errors(401, 403, 404)})
def drawing_detail(request: HttpRequest, project_id: int, drawing_id: int) -> Drawing:
    """One drawing with its current revision."""
    project = _project(request, project_id, Action.DRAWINGS_VIEW)
    return selectors.drawing_get(user=request_user(request), project=project, drawing_id=drawing_id)


@router.get(
    f"{P}/drawings/{{int:drawing_id}}/revisions",
    response={200: list[RevisionOut], **errors(401, 403, 404, 422)},
)
@paginate(Pagination)
def drawing_history(request: HttpRequest, project_id: int, drawing_id: int) -> object:
    """A drawing's revisions, newest first."""
    project = _project(request, project_id, Action.DRAWINGS_VIEW)
    drawing = selectors.drawing_get(
        user=request_user(request), project=project, drawing_id=drawing_id
    )
    return selectors.drawing_revisions(user=request_user(request), drawing=drawing)


@router.patch(
    f"{P}/drawings/{{int:drawing_id}}",
    response={200: DrawingOut, **errors(400, 401, 403, 404, 409)},
)
def drawing_update(
    request: HttpRequest, project_id: int, drawing_id: int, payload: DrawingPatch
) -> Drawing:
    """Edit a drawing's number, title, discipline, area, status or position."""
    project = _project(request, project_id, Action.DRAWINGS_EDIT)
    drawing = selectors.drawing_get(
        user=request_user(request), project=project, drawing_id=drawing_id
    )
    data = payload.dict(exclude_unset=True)
    area_id = data.pop("area_id", None)
    area = selectors.area_get(project=project, area_id=area_id) if area_id else None
    return services.drawing_update(drawing=drawing, area=area, **data)


@router.delete(
    f"{P}/drawings/{{int:drawing_id}}", response={204: None, **errors(400, 401, 403, 404)}
)
def drawing_delete(request: HttpRequest, project_id: int, drawing_id: int) -> Status[None]:
    """Delete a drawing and its revisions."""
    project = _project(request, project_id, Action.DRAWINGS_EDIT)
    drawing = selectors.drawing_get(
        user=request_user(request), project=project, drawing_id=drawing_id
    )
    services.drawing_delete(drawing=drawing)
    return Status(204, None)


# --- revisions --------------------------------------------------------------------------


@router.get(
    f"{P}/revisions/{{int:revision_id}}", response={200: RevisionOut, **errors(401, 403, 404)}
)
def revision_detail(request: HttpRequest, project_id: int, revision_id: int) -> Revision:
    """One revision."""
    project = _project(request, project_id, Action.DRAWINGS_VIEW)
    return selectors.revision_get(
        user=request_user(request), project=project, revision_id=revision_id
    )


@router.get(
    f"{P}/revisions/{{int:revision_id}}/{{kind}}",
    response={200: None, **errors(401, 403, 404)},
    url_name="drawing_revision_file",
)
def revision_download(
    request: HttpRequest,
    project_id: int,
    revision_id: int,
    kind: Literal["sheet", "thumbnail", "image"],
) -> FileResponse:
    """Download a revision's sheet PDF, or its rendered thumbnail or image (PNG)."""
    project = _project(request, project_id, Action.DRAWINGS_VIEW)
    revision = selectors.revision_get(
        user=request_user(request), project=project, revision_id=revision_id
    )
    return revision_file(revision, kind, download=kind == "sheet")


@router.patch(
    f"{P}/revisions/{{int:revision_id}}",
    response={200: RevisionOut, **errors(400, 401, 403, 404, 409, 422)},
)
def revision_update(
    request: HttpRequest, project_id: int, revision_id: int, payload: RevisionPatch
) -> Revision:
    """Edit a revision's number, status, title, dates or set."""
    project = _project(request, project_id, Action.DRAWINGS_EDIT)
    revision = selectors.revision_get(
        user=request_user(request), project=project, revision_id=revision_id
    )
    data = payload.dict(exclude_unset=True)
    set_id = data.pop("set_id", False)
    drawing_set: DrawingSet | bool | None = False
    if set_id is not False:
        drawing_set = selectors.set_get(project=project, set_id=set_id) if set_id else None
    return services.revision_update(revision=revision, drawing_set=drawing_set, **data)


@router.delete(
    f"{P}/revisions/{{int:revision_id}}", response={204: None, **errors(400, 401, 403, 404)}
)
def revision_delete(request: HttpRequest, project_id: int, revision_id: int) -> Status[None]:
    """Delete a revision (a drawing left without revisions goes too)."""
    project = _project(request, project_id, Action.DRAWINGS_EDIT)
    revision = selectors.revision_get(
        user=request_user(request), project=project, revision_id=revision_id
    )
    services.revision_delete(revision=revision)
    return Status(204, None)


@router.post(
    f"{P}/revisions/publish", response={200: PublishReportOut, **errors(401, 403, 404, 422)}
)
def revisions_publish(request: HttpRequest, project_id: int, payload: RevisionIds) -> object:
    """Publish these revisions; reports each one changed or skipped (and why)."""
    project = _project(request, project_id, Action.DRAWINGS_PUBLISH)
    return report_out(
        services.revisions_set_published(
            user=request_user(request),
            project_id=project.pk,
            revision_ids=payload.revision_ids,
            published=True,
        )
    )


@router.post(
    f"{P}/revisions/unpublish", response={200: PublishReportOut, **errors(401, 403, 404, 422)}
)
def revisions_unpublish(request: HttpRequest, project_id: int, payload: RevisionIds) -> object:
    """Unpublish these revisions; reports each one changed or skipped (and why)."""
    project = _project(request, project_id, Action.DRAWINGS_PUBLISH)
    return report_out(
        services.revisions_set_published(
            user=request_user(request),
            project_id=project.pk,
            revision_ids=payload.revision_ids,
            published=False,
        )
    )


@router.post(
    f"{P}/drawings/publish", response={200: PublishReportOut, **errors(401, 403, 404, 422)}
)
def drawings_publish(request: HttpRequest, project_id: int, payload: DrawingIds) -> object:
    """Publish the pending revision (the newest, when unpublished) of each drawing, as the
    log's bulk Publish does; reports per drawing what was published or skipped and why."""
    project = _project(request, project_id, Action.DRAWINGS_PUBLISH)
    return report_out(
        services.drawings_publish_pending(
            user=request_user(request), project_id=project.pk, drawing_ids=payload.drawing_ids
        )
    )


@router.post(
    f"{P}/drawings/unpublish", response={200: PublishReportOut, **errors(401, 403, 404, 422)}
)
def drawings_unpublish(request: HttpRequest, project_id: int, payload: DrawingIds) -> object:
    """Unpublish the current revision of each drawing; reports per drawing."""
    project = _project(request, project_id, Action.DRAWINGS_PUBLISH)
    return report_out(
        services.drawings_unpublish_current(
            user=request_user(request), project_id=project.pk, drawing_ids=payload.drawing_ids
        )
    )


# --- upload and review ------------------------------------------------------------------


def _edits(items: list[SheetEditIn]) -> list[services.SheetEdit]:
    return [services.SheetEdit(**item.dict()) for item in items]


@router.post(
    f"{P}/uploads",
    response={201: UploadOut, 200: list[RevisionOut], **errors(400, 401, 403, 404, 409, 422)},
)
def upload_create(
    request: HttpRequest,
    project_id: int,
    files: File[list[UploadedFile]],
    form: Form[UploadForm],
    sheets: Form[str | None] = None,
) -> Status[object]:
    """Upload PDFs (multipart `files`): they are split into sheets pre-filled for review.

    Review and correct with POST /uploads/{uuid}/confirm; or send `confirm=true` (with
    optional `sheets`, a JSON list of corrections like the confirm body) to create them now.
    """
    project = _project(request, project_id, Action.DRAWINGS_UPLOAD)
    user = request_user(request)
    edits = _parse_sheets(sheets)
    area = (
        selectors.area_get(project=project, area_id=form.area_id)
        if form.area_id
        else selectors.default_area(project=project)
    )
    drawing_set = None
    if form.set_id:
        drawing_set = selectors.set_get(project=project, set_id=form.set_id)
    today = timezone.localdate()
    upload_files = [
        services.UploadedFile(name=f.name or "", file=f, size=f.size or 0) for f in files
    ]
    upload = services.upload_create(
        project=project,
        user=user,
        files=upload_files,
        area=area,  # type: ignore[arg-type]
        drawing_set=drawing_set,
        new_set_name=form.new_set_name,
        new_set_date=form.new_set_date,
        drawing_date=form.drawing_date or today,
        received_date=form.received_date or today,
        revision_number=form.revision_number,
        revision_status=form.revision_status,
    )
    if form.confirm:
        return Status(200, services.upload_confirm(upload=upload, user=user, edits=edits))
    return Status(201, upload)


def _parse_sheets(raw: str | None) -> list[services.SheetEdit]:
    if not raw:
        return []
    try:
        body = ConfirmIn.model_validate({"sheets": json.loads(raw)})
    except (ValueError, ValidationError) as exc:
        raise ServiceError("sheets must be a JSON list of sheet corrections.") from exc
    return _edits(body.sheets)


@router.get(f"{P}/uploads/{{upload_uuid}}", response={200: UploadOut, **errors(401, 403, 404)})
def upload_detail(request: HttpRequest, project_id: int, upload_uuid: UUID) -> Upload:
    """A pending upload of yours, with its pre-filled sheets."""
    project = _project(request, project_id, Action.DRAWINGS_UPLOAD)
    return selectors.upload_get(
        project=project, user=request_user(request), upload_uuid=upload_uuid
    )


@router.post(
    f"{P}/uploads/{{upload_uuid}}/confirm",
    response={201: list[RevisionOut], **errors(400, 401, 403, 404, 409, 422)},
)
def upload_confirm(
    request: HttpRequest, project_id: int, upload_uuid: UUID, payload: ConfirmIn
) -> Status[list[Revision]]:
    """Create the reviewed sheets as unpublished revisions (with your corrections)."""
    project = _project(request, project_id, Action.DRAWINGS_UPLOAD)
    user = request_user(request)
    upload = selectors.upload_get(project=project, user=user, upload_uuid=upload_uuid)
    return Status(
        201, services.upload_confirm(upload=upload, user=user, edits=_edits(payload.sheets))
    )


@router.delete(f"{P}/uploads/{{upload_uuid}}", response={204: None, **errors(401, 403, 404)})
def upload_discard(request: HttpRequest, project_id: int, upload_uuid: UUID) -> Status[None]:
    """Discard a pending upload."""
    project = _project(request, project_id, Action.DRAWINGS_UPLOAD)
    upload = selectors.upload_get(
        project=project, user=request_user(request), upload_uuid=upload_uuid
    )
    services.upload_discard(upload=upload)
    return Status(204, None)


# --- areas, sets, disciplines -----------------------------------------------------------


@router.get(f"{P}/areas", response={200: list[AreaOut], **errors(401, 403, 404, 422)})
@paginate(Pagination)
def area_list(request: HttpRequest, project_id: int) -> object:
    """The project's drawing areas."""
    return selectors.areas(project=_project(request, project_id, Action.DRAWINGS_VIEW))


@router.post(f"{P}/areas", response={201: AreaOut, **errors(400, 401, 403, 404, 409, 422)})
def area_create(request: HttpRequest, project_id: int, payload: AreaIn) -> Status[Area]:
    """Add an area."""
    project = _project(request, project_id, Action.DRAWINGS_MANAGE)
    return Status(201, services.area_create(project=project, name=payload.name))


@router.patch(
    f"{P}/areas/{{int:area_id}}", response={200: AreaOut, **errors(400, 401, 403, 404, 409, 422)}
)
def area_update(request: HttpRequest, project_id: int, area_id: int, payload: AreaPatch) -> Area:
    """Rename or reorder an area."""
    project = _project(request, project_id, Action.DRAWINGS_MANAGE)
    area = selectors.area_get(project=project, area_id=area_id)
    return services.area_update(area=area, **payload.dict(exclude_unset=True))


@router.delete(
    f"{P}/areas/{{int:area_id}}", response={204: None, **errors(400, 401, 403, 404, 409)}
)
def area_delete(request: HttpRequest, project_id: int, area_id: int) -> Status[None]:
    """Delete an empty area."""
    project = _project(request, project_id, Action.DRAWINGS_MANAGE)
    services.area_delete(area=selectors.area_get(project=project, area_id=area_id))
    return Status(204, None)


@router.get(f"{P}/sets", response={200: list[SetOut], **errors(401, 403, 404, 422)})
@paginate(Pagination)
def set_list(request: HttpRequest, project_id: int) -> object:
    """The project's drawing sets."""
    return selectors.drawing_sets(project=_project(request, project_id, Action.DRAWINGS_VIEW))


@router.post(f"{P}/sets", response={201: SetOut, **errors(400, 401, 403, 404, 409, 422)})
def set_create(request: HttpRequest, project_id: int, payload: SetIn) -> Status[DrawingSet]:
    """Add a drawing set."""
    project = _project(request, project_id, Action.DRAWINGS_MANAGE)
    return Status(201, services.set_create(project=project, name=payload.name, date=payload.date))


@router.patch(
    f"{P}/sets/{{int:set_id}}", response={200: SetOut, **errors(400, 401, 403, 404, 409, 422)}
)
def set_update(request: HttpRequest, project_id: int, set_id: int, payload: SetPatch) -> DrawingSet:
    """Rename a set or change its date."""
    project = _project(request, project_id, Action.DRAWINGS_MANAGE)
    found = selectors.set_get(project=project, set_id=set_id)
    return services.set_update(drawing_set=found, **payload.dict(exclude_unset=True))


@router.delete(f"{P}/sets/{{int:set_id}}", response={204: None, **errors(400, 401, 403, 404, 409)})
def set_delete(request: HttpRequest, project_id: int, set_id: int) -> Status[None]:
    """Delete a set no revision belongs to."""
    project = _project(request, project_id, Action.DRAWINGS_MANAGE)
    services.set_delete(drawing_set=selectors.set_get(project=project, set_id=set_id))
    return Status(204, None)


@router.get(f"{P}/disciplines", response={200: list[DisciplineOut], **errors(401, 403, 404, 422)})
@paginate(Pagination)
def discipline_list(request: HttpRequest, project_id: int) -> object:
    """The prefix-to-discipline map."""
    return selectors.disciplines(project=_project(request, project_id, Action.DRAWINGS_VIEW))


@router.put(
    f"{P}/disciplines/{{prefix}}",
    response={200: DisciplineOut, **errors(400, 401, 403, 404, 422)},
)
def discipline_set(
    request: HttpRequest, project_id: int, prefix: str, payload: DisciplineIn
) -> Discipline:
    """Map a letter prefix to a discipline."""
    project = _project(request, project_id, Action.DRAWINGS_MANAGE)
    return services.discipline_set(project=project, prefix=prefix, name=payload.name)


@router.delete(f"{P}/disciplines/{{prefix}}", response={204: None, **errors(401, 403, 404)})
def discipline_delete(request: HttpRequest, project_id: int, prefix: str) -> Status[None]:
    """Remove a prefix from the map."""
    project = _project(request, project_id, Action.DRAWINGS_MANAGE)
    services.discipline_delete(project=project, prefix=prefix)
    return Status(204, None)
