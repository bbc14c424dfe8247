"""Pages: upload PDFs, review the pre-filled sheets, confirm."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from sheetflow.accounts.authed import request_user
from sheetflow.common.errors import NotFound, ServiceError
from sheetflow.drawings import recognition, selectors, services
from sheetflow.drawings.blobs import blob_open
from sheetflow.drawings.forms import UploadForm
from sheetflow.drawings.models import Drawing, TitleBlockLayout, Upload, UploadSheet
from sheetflow.drawings.recognition import ocr
from sheetflow.drawings.views import rights
from sheetflow.projects.permissions import Action, project_get


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, project_id: int) -> HttpResponse:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_UPLOAD)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        areas=selectors.areas(project=project),
        sets=selectors.drawing_sets(project=project),
        initial={"area": selectors.default_area(project=project)},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            files = [
                services.UploadedFile(name=f.name or "", file=f, size=f.size or 0)
                for f in data["pdf_files"]
            ]
            try:
                pending = services.upload_create(
                    project=project,
                    user=user,
                    files=files,
                    area=data["area"],
                    drawing_set=data["drawing_set"],
                    new_set_name=data["new_set_name"] or None,
                    drawing_date=data["drawing_date"],
                    received_date=data["received_date"],
                    revision_number=data["revision_number"],
                    revision_status=data["revision_status"],
                )
            except ServiceError as exc:
                form.add_error(None, exc.detail)
            else:
                return redirect("drawings:review", project_id=project.pk, upload_uuid=pending.uuid)
        status = 400
    context = {"project": project, "tab": "drawings", "form": form, **rights(user, project)}
    return render(request, "drawings/upload.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, project_id: int, upload_uuid: UUID) -> HttpResponse:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_UPLOAD)
    pending = selectors.upload_get(project=project, user=user, upload_uuid=upload_uuid)
    sheets = list(pending.sheets.all())
    error = notice = ""
    values = {
        s.index: {
            "number": s.number,
            "title": s.title,
            "revision": pending.revision_number,
            "include": True,
        }
        for s in sheets
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "discard":
            services.upload_discard(upload=pending)
            messages.success(request, "Upload discarded.")
            return redirect("drawings:log", project_id=project.pk)
        edits = _edits(request, sheets, pending.revision_number, values)
        if action.startswith("rule:"):
            error, notice = _apply_rule(request, pending, user, action, values)
            sheets = list(pending.sheets.all())
        else:
            try:
                created = services.upload_confirm(upload=pending, user=user, edits=edits)
            except ServiceError as exc:
                error = exc.detail
            else:
                messages.success(
                    request,
                    f"{len(created)} sheet(s) added, unpublished. Thumbnails appear once rendered.",
                )
                return redirect(
                    f"{_log_url(project.pk)}?published=unpublished"
                    if rights(user, project)["can_publish"]
                    else _log_url(project.pk)
                )
    dupes = recognition.duplicates([str(v["number"]) for v in values.values()])
    marks = review_marks(pending, sheets, values, dupes)
    context = {
        "project": project,
        "tab": "drawings",
        "upload": pending,
        "rows": [(s, values[s.index], marks[s.index]) for s in sheets],
        "duplicates": sorted(dupes),
        "error": error,
        "notice": notice,
        "ocr_available": ocr.available(),
        **rights(user, project),
    }
    return render(request, "drawings/review.html", context, status=400 if error else 200)


def _edits(
    request: HttpRequest,
    sheets: list[UploadSheet],
    revision: str,
    values: dict[int, dict[str, Any]],
) -> list[services.SheetEdit]:
    edits = []
    for s in sheets:
        i = s.index
        edit = services.SheetEdit(
            index=i,
            number=request.POST.get(f"number_{i}", s.number),
            title=request.POST.get(f"title_{i}", s.title),
            revision_number=request.POST.get(f"revision_{i}", revision),
            include=request.POST.get(f"include_{i}") == "on",
        )
        values[i] = {
            "number": edit.number,
            "title": edit.title,
            "revision": edit.revision_number,
            "include": edit.include,
        }
        edits.append(edit)
    return edits


def _apply_rule(
    request: HttpRequest,
    upload: Upload,
    user: Any,
    action: str,
    values: dict[int, dict[str, Any]],
) -> tuple[str, str]:
    """(error, notice) of "take this field from where sheet i shows it" for the others."""
    field, raw_index = action.split(":")[1], action.split(":")[-1]
    if not raw_index.isdigit() or int(raw_index) not in values:
        return "No such sheet.", ""
    index = int(raw_index)
    try:
        result = services.upload_apply_rule(
            upload=upload, user=user, index=index, field=field, value=str(values[index][field])
        )
    except ServiceError as exc:
        return exc.detail, ""
    for i, value in result.values.items():
        values[i][field] = value
    label = "numbers" if field == "number" else "titles"
    return "", (
        f"Took the {label} of {len(result.values)} other sheet(s) from the same place as sheet "
        f"{index + 1}. This place is remembered for this project's next uploads."
    )


@login_required
@require_http_methods(["GET"])
def review_sheet(
    request: HttpRequest, project_id: int, upload_uuid: UUID, index: int
) -> HttpResponse:
    """One row's pictures and OCR state (polled by the review page until ready)."""
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_UPLOAD)
    pending = selectors.upload_get(project=project, user=user, upload_uuid=upload_uuid)
    sheet = selectors.upload_sheet_get(upload=pending, index=index)
    context = {
        "project": project,
        "upload": pending,
        "sheet": sheet,
        "ocr_available": ocr.available(),
        # The inputs are refilled only once, when OCR that was running has finished.
        "refill": request.GET.get("ocr") == "1" and sheet.ocr_state != "reading",
    }
    return render(request, "drawings/_review_media.html", context)


@login_required
@require_http_methods(["GET"])
def review_image(
    request: HttpRequest, project_id: int, upload_uuid: UUID, index: int, kind: str
) -> FileResponse:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_UPLOAD)
    pending = selectors.upload_get(project=project, user=user, upload_uuid=upload_uuid)
    sheet = selectors.upload_sheet_get(upload=pending, index=index)
    blob = {"thumbnail": sheet.thumbnail, "crop": sheet.crop}.get(kind)
    if blob is None:
        raise NotFound("Not rendered yet.")
    response = FileResponse(blob_open(blob), content_type=blob.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _log_url(project_id: int) -> str:
    from django.urls import reverse

    return reverse("drawings:log", kwargs={"project_id": project_id})


def _field_mark(evidence: dict[str, Any] | None) -> dict[str, Any]:
    if not evidence:
        return {"low": True, "source": "", "confidence": 0}
    source = evidence.get("source", "")
    confidence = float(evidence.get("confidence", 0))
    return {
        "low": confidence < recognition.LOW_CONFIDENCE or source == recognition.FILE_NAME,
        "source": source,
        "confidence": round(confidence * 100),
    }


def review_marks(
    upload: Upload,
    sheets: list[UploadSheet],
    values: dict[int, dict[str, Any]],
    dupes: set[str],
) -> dict[int, dict[str, Any]]:
    """Per sheet: confidence marks, new drawing or new revision of X, duplicate warning."""
    numbers = {str(v["number"]).upper() for v in values.values()}
    existing = {
        d.number: d
        for d in Drawing.objects.filter(
            area=upload.area,
            number__in=numbers,
            deleted_at__isnull=True,
            upstream_uuid__isnull=True,
        ).select_related("latest_revision")
    }
    out = {}
    for sheet in sheets:
        evidence = sheet.evidence or {}
        number = str(values[sheet.index]["number"]).upper()
        drawing = existing.get(number)
        out[sheet.index] = {
            "number": _field_mark(evidence.get("number")),
            "title": _field_mark(evidence.get("title")),
            "recognised": evidence.get("recognised", True),
            "drawing": drawing,
            "previous": drawing.latest_revision.revision_number
            if drawing is not None and drawing.latest_revision is not None
            else None,
            "duplicate": number in dupes,
        }
    return out


def _percent(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number / 100 if 0 <= number <= 100 else None


@login_required
@require_http_methods(["GET", "POST"])
def layout(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project's remembered title-block layout: see, edit or reset (drawings admins)."""
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_MANAGE)
    error = ""
    if request.method == "POST":
        if request.POST.get("action") == "reset":
            services.layout_reset(project=project)
            messages.success(request, "Title-block layout forgotten.")
            return redirect("drawings:layout", project_id=project.pk)
        points = {}
        for field in ("number", "title"):
            x, y = (_percent(request.POST.get(f"{field}_{a}", "")) for a in "xy")
            if x is not None and y is not None:
                points[field] = (x, y)
            elif request.POST.get(f"{field}_x") or request.POST.get(f"{field}_y"):
                error = "Positions are percentages of the page width and height (0 to 100)."
        if not error:
            services.layout_save(project=project, user=user, **points)
            messages.success(request, "Title-block layout saved.")
            return redirect("drawings:layout", project_id=project.pk)
    remembered = TitleBlockLayout.objects.filter(project=project).first()
    percent = {
        name: f"{100 * value:.1f}"
        for name in ("number_x", "number_y", "title_x", "title_y")
        if remembered is not None and (value := getattr(remembered, name)) is not None
    }
    context = {
        "project": project,
        "tab": "drawings",
        "layout": remembered,
        "percent": percent,
        "error": error,
        **rights(user, project),
    }
    return render(request, "drawings/layout.html", context, status=400 if error else 200)
