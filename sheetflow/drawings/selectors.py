"""Reads for drawings, always scoped by the acting user's rights on the project."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import F, Q, QuerySet

from sheetflow.accounts.models import User
from sheetflow.common.errors import NotFound
from sheetflow.drawings.models import (
    Area,
    Discipline,
    Drawing,
    DrawingSet,
    Revision,
    Upload,
    UploadSheet,
)
from sheetflow.projects.models import Project
from sheetflow.projects.permissions import Action, can


def revision_count(*, project: Project) -> int:
    """All non-deleted revisions of a project (published or not)."""
    return Revision.objects.filter(project=project, deleted_at__isnull=True).count()


def sees_unpublished(user: User, project: Project) -> bool:
    return can(user, project, Action.DRAWINGS_VIEW_UNPUBLISHED)


SORTS: dict[str, tuple[str, ...]] = {
    "number": ("position", "number", "id"),
    "-number": ("-position", "-number", "-id"),
    "title": ("title", "number", "id"),
    "-title": ("-title", "number", "id"),
    "discipline": ("discipline", "number", "id"),
    "-discipline": ("-discipline", "number", "id"),
    "date": ("current_revision__drawing_date", "number", "id"),
    "-date": ("-current_revision__drawing_date", "number", "id"),
}


@dataclass(frozen=True)
class LogFilters:
    """What the drawing log is narrowed to (every field optional)."""

    area: int | None = None
    discipline: str | None = None
    drawing_set: int | None = None
    published: str | None = None  # "published" | "unpublished"
    source: str | None = None  # "own" | "connected"
    status: str | None = None  # "active" | "obsolete"
    q: str | None = None
    sort: str = "number"


class DrawingLog:
    """The log as a sliceable, countable list for Django's Paginator and ninja's pagination.

    A slice takes two queries: the page's ids alone (an index scan, however deep the
    offset), then those drawings with their revisions joined in. Joining before the offset
    would make the database join every skipped row too.
    """

    ordered = True

    def __init__(
        self,
        ids: QuerySet[Drawing],
        related: list[str],
        transform: Callable[[Drawing], Any] | None = None,
    ) -> None:
        self.ids = ids
        self.related = related
        self.transform = transform

    def map(self, transform: Callable[[Drawing], Any]) -> DrawingLog:
        """The same log whose pages hold ``transform(drawing)`` instead of drawings."""
        return DrawingLog(self.ids, self.related, transform)

    def all(self) -> DrawingLog:
        return self

    def count(self) -> int:
        return self.ids.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Drawing]:
        if not isinstance(item, slice):
            raise TypeError("The drawing log is read by pages (slices).")
        page_ids = list(self.ids.values_list("id", flat=True)[item])
        rows = (
            Drawing.objects.filter(pk__in=page_ids)
            .select_related(*self.related)
            .order_by()
            .in_bulk()
        )
        page = [rows[pk] for pk in page_ids if pk in rows]
        return [self.transform(d) for d in page] if self.transform else page


def drawing_log(*, user: User, project: Project, filters: LogFilters) -> DrawingLog:
    """The project's drawings with their current revision, as this user may see them.

    Readers see drawings with a published revision; drawings admins also see drawings whose
    only revisions are unpublished. A constant number of queries however many drawings:
    the current and latest revision are pointers on the drawing, joined in.
    """
    admin = sees_unpublished(user, project)
    qs = Drawing.objects.filter(project=project, deleted_at__isnull=True)
    if not admin:
        qs = qs.filter(current_revision__isnull=False)
    if filters.area:
        qs = qs.filter(area_id=filters.area)
    if filters.discipline:
        qs = qs.filter(discipline=filters.discipline)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.drawing_set:
        shown_in_set = Q(current_revision__drawing_set_id=filters.drawing_set)
        if admin:
            shown_in_set |= Q(
                current_revision__isnull=True, latest_revision__drawing_set_id=filters.drawing_set
            )
        qs = qs.filter(shown_in_set)
    if filters.published == "published":
        qs = qs.filter(current_revision__isnull=False)
    elif filters.published == "unpublished" and admin:
        # The latest revision is unpublished exactly when it is not the current one (the
        # latest published); comparing the two pointers needs no join.
        # A copy withdrawn upstream is not awaiting review (SPEC §5), so it is left out.
        qs = qs.filter(
            latest_revision__isnull=False, latest_revision__withdrawn_upstream_at__isnull=True
        ).filter(Q(current_revision__isnull=True) | ~Q(latest_revision=F("current_revision")))
    if filters.source == "own":
        qs = qs.filter(upstream_uuid__isnull=True)
    elif filters.source == "connected":
        qs = qs.filter(upstream_uuid__isnull=False)
    if filters.q:
        qs = qs.filter(Q(number__icontains=filters.q) | Q(title__icontains=filters.q))
    related = ["area", "current_revision", "current_revision__drawing_set"]
    if admin:
        related += ["latest_revision", "latest_revision__drawing_set"]
    return DrawingLog(qs.order_by(*SORTS.get(filters.sort, SORTS["number"])), related)


def shown_revision(drawing: Drawing, *, admin: bool) -> Revision | None:
    """The revision the log shows for a drawing: the current one, else (admins) the latest."""
    if drawing.current_revision_id:
        return drawing.current_revision
    return drawing.latest_revision if admin else None


def pending_revision_number(drawing: Drawing, shown: Revision | None, *, admin: bool) -> str:
    """The newer revision waiting to be published beside the one shown ("" when none)."""
    latest = drawing.latest_revision if admin else None
    if latest is None or shown is None or latest.pk == shown.pk:
        return ""
    return latest.revision_number


def drawing_get(*, user: User, project: Project, drawing_id: int) -> Drawing:
    """A live drawing of the project this user may see."""
    qs = Drawing.objects.select_related("area", "current_revision").filter(
        project=project, pk=drawing_id, deleted_at__isnull=True
    )
    if not sees_unpublished(user, project):
        qs = qs.filter(current_revision__isnull=False)
    drawing = qs.first()
    if drawing is None:
        raise NotFound("Drawing not found.")
    return drawing


def drawing_revisions(*, user: User, drawing: Drawing) -> QuerySet[Revision]:
    """A drawing's revision history, newest first (unpublished ones for admins only)."""
    qs = Revision.objects.filter(drawing=drawing, deleted_at__isnull=True).select_related(
        "drawing_set", "published_by", "created_by"
    )
    if not sees_unpublished(user, drawing.project):
        qs = qs.filter(is_published=True)
    return qs.order_by(*Revision.NEWEST_FIRST)


def revision_get(*, user: User, project: Project, revision_id: int) -> Revision:
    """A live revision of the project this user may see."""
    qs = Revision.objects.select_related(
        "drawing", "drawing__area", "drawing_set", "sheet", "image", "thumbnail"
    ).filter(project=project, pk=revision_id, deleted_at__isnull=True)
    if not sees_unpublished(user, project):
        qs = qs.filter(is_published=True)
    revision = qs.first()
    if revision is None:
        raise NotFound("Revision not found.")
    return revision


def upstream_source(*, project: Project) -> str:
    """Whose the project's connected areas and sets are (the upstream company's name).

    A project has one upstream at a time and never another after a disconnect, so its
    connected drawings name one source (read from any one of them: one indexed query).
    """
    name = (
        Drawing.objects.filter(project=project, upstream_uuid__isnull=False)
        .values_list("upstream_company_name", flat=True)
        .first()
    )
    return name or ""


def areas(*, project: Project) -> QuerySet[Area]:
    return Area.objects.filter(project=project, deleted_at__isnull=True).order_by(
        "position", "name"
    )


def default_area(*, project: Project) -> Area | None:
    """The area uploads go to when none is chosen: the project's first, for good.

    By creation, not by position: a new area placed first in the list must not become the
    default (sheets would land in it and duplicate drawings that exist in the old one).
    """
    return (
        Area.objects.filter(project=project, deleted_at__isnull=True, upstream_uuid__isnull=True)
        .order_by("created_at", "id")
        .first()
    )


def drawing_sets(*, project: Project) -> QuerySet[DrawingSet]:
    return DrawingSet.objects.filter(project=project, deleted_at__isnull=True).order_by(
        "-date", "name"
    )


def disciplines(*, project: Project) -> QuerySet[Discipline]:
    return Discipline.objects.filter(project=project).order_by("prefix")


def discipline_choices(*, project: Project) -> list[str]:
    """Disciplines in use by the project's drawings and in its map, for the log filter."""
    used = set(
        Drawing.objects.filter(project=project, deleted_at__isnull=True)
        .exclude(discipline="")
        .values_list("discipline", flat=True)
        .distinct()
    )
    return sorted(used | set(disciplines(project=project).values_list("name", flat=True)))


# The viewer's previous/next walk reads at most this many drawings of the log's order.
NEIGHBOUR_SCAN = 20_000


def log_neighbours(
    *, user: User, project: Project, filters: LogFilters, drawing_id: int
) -> tuple[int | None, int | None]:
    """The revisions shown for the drawings before and after this one in the filtered log.

    One query of ids in the log's order (the log is at most tens of thousands of drawings).
    """
    admin = sees_unpublished(user, project)
    log = drawing_log(user=user, project=project, filters=filters)
    rows = list(
        log.ids.values_list("id", "current_revision_id", "latest_revision_id")[:NEIGHBOUR_SCAN]
    )
    shown = [(pk, current or (latest if admin else None)) for pk, current, latest in rows]
    index = next((i for i, (pk, _) in enumerate(shown) if pk == drawing_id), None)
    if index is None:
        return None, None
    before = shown[index - 1][1] if index > 0 else None
    after = shown[index + 1][1] if index + 1 < len(shown) else None
    return before, after


# Lookups inside a project the caller already got from project_get with the right action.


def area_get(*, project: Project, area_id: int) -> Area:
    """A live area of this project (an id from another project is simply not found)."""
    area = Area.objects.filter(project=project, pk=area_id, deleted_at__isnull=True).first()
    if area is None:
        raise NotFound("Area not found in this project.", code="area_not_found")
    return area


def set_get(*, project: Project, set_id: int) -> DrawingSet:
    """A live drawing set of this project."""
    found = DrawingSet.objects.filter(project=project, pk=set_id, deleted_at__isnull=True).first()
    if found is None:
        raise NotFound("Drawing set not found in this project.", code="set_not_found")
    return found


def upload_get(*, project: Project, user: User, upload_uuid: UUID | str) -> Upload:
    """A pending upload of this project made by this user."""
    upload = (
        Upload.objects.select_related("area", "drawing_set")
        .filter(project=project, created_by=user, uuid=upload_uuid)
        .first()
    )
    if upload is None:
        raise NotFound("Upload not found (it may have been confirmed or discarded).")
    return upload


def upload_sheet_get(*, upload: Upload, index: int) -> UploadSheet:
    """One sheet of an upload already fetched for its user (``upload_get``)."""
    sheet = UploadSheet.objects.filter(upload=upload, index=index).first()
    if sheet is None:
        raise NotFound("No such sheet in this upload.")
    return sheet
