"""Reads for the downstream review queue: connected revisions waiting to be published here.

A *batch* is what one sync window brought: every copy it created carries the window's time as
its ``created_at``, so the batch key is that instant (in microseconds since the epoch, to fit
in an address). Copies withdrawn upstream are not waiting for review (SPEC §5); they are
listed apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from sheetflow.drawings.models import Revision
from sheetflow.projects.models import Project

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICRO = dt.timedelta(microseconds=1)

# A copy still waiting for this project's drawings admins (the partial index serves it).
WAITING = Q(
    upstream_uuid__isnull=False,
    is_published=False,
    deleted_at__isnull=True,
    withdrawn_upstream_at__isnull=True,
)
WITHDRAWN = Q(
    upstream_uuid__isnull=False,
    is_published=False,
    deleted_at__isnull=True,
    withdrawn_upstream_at__isnull=False,
)


def batch_key(at: dt.datetime) -> str:
    return str((at - EPOCH) // MICRO)


def batch_time(key: str | None) -> dt.datetime | None:
    """The instant a batch key names, or None for anything that is not one."""
    if not key or not key.isdigit() or len(key) > 18:
        return None
    try:
        return EPOCH + dt.timedelta(microseconds=int(key))
    except OverflowError:  # past year 9999: no batch has that key
        return None


@dataclass(frozen=True)
class QueueFilters:
    """What the queue is narrowed to: one batch, and a number or title search."""

    batch: dt.datetime | None = None
    q: str | None = None


def waiting(*, project: Project, filters: QueueFilters | None = None) -> QuerySet[Revision]:
    """Connected revisions of the project waiting for review, newest batch first."""
    qs = Revision.objects.filter(WAITING, project=project, drawing__deleted_at__isnull=True)
    if filters is not None and filters.batch is not None:
        qs = qs.filter(created_at=filters.batch)
    if filters is not None and filters.q:
        qs = qs.filter(
            Q(drawing__number__icontains=filters.q) | Q(drawing__title__icontains=filters.q)
        )
    return qs.order_by("-created_at", "drawing__position", "drawing__number", "id")


def waiting_count(*, project: Project) -> int:
    return Revision.objects.filter(WAITING, project=project).count()


def withdrawn(*, project: Project) -> QuerySet[Revision]:
    """Connected copies their upstream withdrew before anyone here published them."""
    return (
        Revision.objects.filter(WITHDRAWN, project=project, drawing__deleted_at__isnull=True)
        .select_related("drawing")
        .order_by("-withdrawn_upstream_at", "id")
    )


def batches(*, project: Project, at: list[dt.datetime] | None = None) -> QuerySet[Any]:
    """Waiting batches with how many sheets each still has and where they came from."""
    qs = Revision.objects.filter(WAITING, project=project)
    if at is not None:
        qs = qs.filter(created_at__in=at)
    return (
        qs.values("created_at")
        .annotate(
            count=Count("id"),
            company=Max("drawing__upstream_company_name"),
            source=Max("drawing__upstream_project_name"),
        )
        .order_by("-created_at")
    )


def when(at: dt.datetime) -> str:
    """'today 10:42', 'yesterday 16:05' or 'Mar 3, 09:15' in the site's time zone."""
    local = timezone.localtime(at)
    today = timezone.localdate()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return f"today {clock}"
    if local.date() == today - dt.timedelta(days=1):
        return f"yesterday {clock}"
    return f"{local.strftime('%b')} {local.day}, {clock}"


def batch_label(count: int, company: str, at: dt.datetime) -> str:
    return f"{count} sheet{'' if count == 1 else 's'} from {company or 'upstream'}, {when(at)}"


def compare_url(project_id: int, drawing_id: int, a: int, b: int) -> str | None:
    """The compare page for two revisions, where this build has one (else None)."""
    try:
        base = reverse(
            "drawings:compare", kwargs={"project_id": project_id, "drawing_id": drawing_id}
        )
    except NoReverseMatch:
        return None
    return f"{base}?a={a}&b={b}"


def change(revision: Revision) -> dict[str, Any]:
    """What this revision changes against the revision this project has published."""
    current = revision.drawing.current_revision
    if current is None:
        return {"kind": "new_drawing", "label": "New drawing", "published": None, "compare": None}
    newer = revision.order_key() > current.order_key()
    return {
        "kind": "new_revision" if newer else "older_revision",
        "label": (
            f"New revision: rev {current.revision_number} → rev {revision.revision_number}"
            if newer
            else f"Older revision (rev {current.revision_number} is current here)"
        ),
        "published": current,
        "compare": compare_url(revision.project_id, revision.drawing_id, current.pk, revision.pk),
    }
