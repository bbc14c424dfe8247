"""Publishing, editing and deleting drawings and their revisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from sheetflow.accounts.models import User
from sheetflow.common.errors import Conflict, ServiceError
from sheetflow.drawings import sequence
from sheetflow.drawings.models import (
    DISCIPLINE_MAX,
    NUMBER_MAX,
    REVISION_MAX,
    STATUS_TEXT_MAX,
    TITLE_MAX,
    Area,
    Drawing,
    DrawingSet,
    DrawingStatus,
    Revision,
)
from sheetflow.drawings.services._common import stamp
from sheetflow.drawings.services.catalog import clean_text


def refuse_synced(drawing: Drawing) -> None:
    if drawing.is_synced:
        raise ServiceError(
            "This drawing is connected to an upstream project: its synced fields are "
            "read-only here while the connection lasts.",
            code="synced_read_only",
        )


def drawing_refresh(drawing: Drawing) -> bool:
    """Recompute the drawing's current (latest published) and latest revision pointers.

    The drawing shows the title of its current revision (else of its latest one). Returns
    whether anything changed; the caller saves the drawing (and stamps it when its title
    changed, see ``title_changed``).
    """
    live = list(
        Revision.objects.filter(drawing=drawing, deleted_at__isnull=True)
        .order_by(*Revision.NEWEST_FIRST)
        .only("id", "is_published", "title")[:1]
    )
    published = list(
        Revision.objects.filter(drawing=drawing, deleted_at__isnull=True, is_published=True)
        .order_by(*Revision.NEWEST_FIRST)
        .values_list("id", "title")[:1]
    )
    latest_id = live[0].pk if live else None
    current_id = published[0][0] if published else None
    shown_title = published[0][1] if published else (live[0].title if live else "")
    changed = (drawing.latest_revision_id, drawing.current_revision_id) != (latest_id, current_id)
    drawing.latest_revision_id = latest_id
    drawing.current_revision_id = current_id
    if shown_title and shown_title != drawing.title:
        drawing.title = shown_title
        changed = True
    return changed


def revision_unique_clash(
    *,
    drawing: Drawing,
    revision_number: str,
    drawing_set: DrawingSet | None,
    drawing_date: dt.date,
    received_date: dt.date,
    exclude_pk: int | None = None,
) -> bool:
    """Would this revision break SPEC §2's rule (same number, set and both dates)?"""
    if drawing.pk is None:
        return False
    qs = Revision.objects.filter(
        drawing=drawing,
        revision_number=revision_number,
        drawing_set=drawing_set,
        drawing_date=drawing_date,
        received_date=received_date,
        deleted_at__isnull=True,
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _clash_error(number: str, revision_number: str) -> Conflict:
    return Conflict(
        f"{number} already has revision {revision_number} with the same set, drawing date "
        "and received date. Change one of them or the revision number.",
        code="revision_exists",
    )


def _live(revisions: Iterable[Revision]) -> list[Revision]:
    return [r for r in revisions if r.deleted_at is None]


def revisions_publish(*, user: User, revisions: Iterable[Revision]) -> int:
    """Publish revisions; a newer revision of an obsolete drawing makes it active again.

    Needs ``drawings.publish`` on the project, checked by the caller.
    """
    return _set_published(user=user, revisions=revisions, published=True)


def revisions_unpublish(*, user: User, revisions: Iterable[Revision]) -> int:
    """Unpublish revisions (they stay, with a new change_seq, visible to admins only).

    Needs ``drawings.publish`` on the project, checked by the caller.
    """
    return _set_published(user=user, revisions=revisions, published=False)


def _set_published(*, user: User, revisions: Iterable[Revision], published: bool) -> int:
    changing = [r for r in _live(revisions) if r.is_published != published]
    if not changing:
        return 0
    now = timezone.now()
    # The counters first, then drawings and revisions (sequence.py's lock order).
    with sequence.changing(*{r.project_id for r in changing}):
        drawings = {
            d.pk: d
            for d in Drawing.objects.select_for_update().filter(
                pk__in={r.drawing_id for r in changing}
            )
        }
        for revision in changing:
            revision.is_published = published
            revision.published_at = now if published else None
            revision.published_by = user if published else None
        by_project: dict[int, list[Any]] = {}
        for revision in changing:
            by_project.setdefault(revision.project_id, []).append(revision)
        for project_id, rows in by_project.items():
            stamp(project_id, *rows)
        Revision.objects.bulk_update(
            changing, ["is_published", "published_at", "published_by", "change_seq"]
        )
        published_ids = {r.pk for r in changing}
        touched_status = []
        pointer_only = []
        for drawing in drawings.values():
            before = drawing.title
            drawing_refresh(drawing)
            if drawing.title != before:
                # The title shown is the current revision's: a synced field changed.
                stamp(drawing.project_id, drawing)
            # Publishing the newest revision of an obsolete drawing revives it; a back-filled
            # older revision does not (it does not become current).
            if (
                published
                and drawing.status == DrawingStatus.OBSOLETE
                and drawing.current_revision_id in published_ids
            ):
                drawing.status = DrawingStatus.ACTIVE
                touched_status.append(drawing)
            else:
                pointer_only.append(drawing)
        for drawing in touched_status:
            stamp(drawing.project_id, drawing)
        Drawing.objects.bulk_update(
            list(drawings.values()),
            ["current_revision", "latest_revision", "status", "title", "change_seq"],
        )
    return len(changing)


def revision_update(
    *,
    revision: Revision,
    revision_number: str | None = None,
    revision_status: str | None = None,
    drawing_date: dt.date | None = None,
    received_date: dt.date | None = None,
    drawing_set: DrawingSet | bool | None = False,
    title: str | None = None,
) -> Revision:
    """Edit a revision's metadata (``drawing_set=None`` clears the set; False leaves it).

    Needs ``drawings.edit`` on the project, checked by the caller.
    """
    drawing = revision.drawing
    if revision.upstream_uuid is not None:
        refuse_synced(drawing)
    if revision_number is not None:
        revision.revision_number = clean_text(
            revision_number, field="Revision", max_length=REVISION_MAX, required=True
        )
    if revision_status is not None:
        revision.revision_status = clean_text(
            revision_status, field="Revision status", max_length=STATUS_TEXT_MAX
        )
    if title is not None:
        revision.title = clean_text(title, field="Title", max_length=TITLE_MAX)
    if drawing_date is not None:
        revision.drawing_date = drawing_date
    if received_date is not None:
        revision.received_date = received_date
    if not isinstance(drawing_set, bool):  # False leaves the set as it is
        if isinstance(drawing_set, DrawingSet) and drawing_set.project_id != revision.project_id:
            raise ServiceError("That set belongs to another project.", code="set_not_found")
        revision.drawing_set = drawing_set
    with sequence.changing(revision.project_id):
        if revision_unique_clash(
            drawing=drawing,
            revision_number=revision.revision_number,
            drawing_set=revision.drawing_set,
            drawing_date=revision.drawing_date,
            received_date=revision.received_date,
            exclude_pk=revision.pk,
        ):
            raise _clash_error(drawing.number, revision.revision_number)
        stamp(revision.project_id, revision)
        try:
            with transaction.atomic():
                revision.save()
        except IntegrityError as exc:
            raise _clash_error(drawing.number, revision.revision_number) from exc
        locked = Drawing.objects.select_for_update().get(pk=drawing.pk)
        before = locked.title
        if drawing_refresh(locked):
            if locked.title != before:
                stamp(locked.project_id, locked)
            locked.save(
                update_fields=["current_revision", "latest_revision", "title", "change_seq"]
            )
    return revision


def revision_delete(*, revision: Revision) -> None:
    """Delete a revision (tombstone); a drawing left without revisions is deleted too.

    Needs ``drawings.edit`` on the project, checked by the caller.
    """
    if revision.upstream_uuid is not None:
        refuse_synced(revision.drawing)
    with sequence.changing(revision.project_id):
        drawing = Drawing.objects.select_for_update().get(pk=revision.drawing_id)
        revision.deleted_at = timezone.now()
        stamp(revision.project_id, revision)
        revision.save(update_fields=["deleted_at", "change_seq"])
        before = drawing.title
        drawing_refresh(drawing)
        if drawing.latest_revision_id is None and drawing.deleted_at is None:
            drawing.deleted_at = revision.deleted_at
            stamp(drawing.project_id, drawing)
        elif drawing.title != before:
            stamp(drawing.project_id, drawing)
        drawing.save(
            update_fields=[
                "current_revision",
                "latest_revision",
                "deleted_at",
                "title",
                "change_seq",
            ]
        )


def drawing_update(
    *,
    drawing: Drawing,
    number: str | None = None,
    title: str | None = None,
    discipline: str | None = None,
    area: Area | None = None,
    status: str | None = None,
    position: int | None = None,
) -> Drawing:
    """Edit a drawing's metadata (refused for synced fields of a connected drawing).

    Needs ``drawings.edit`` on the project, checked by the caller.
    """
    if any(v is not None for v in (number, title, discipline, area, status, position)):
        refuse_synced(drawing)
    if number is not None:
        drawing.number = clean_text(number, field="Number", max_length=NUMBER_MAX, required=True)
    if title is not None:
        drawing.title = clean_text(title, field="Title", max_length=TITLE_MAX)
    if discipline is not None:
        drawing.discipline = clean_text(discipline, field="Discipline", max_length=DISCIPLINE_MAX)
    if area is not None:
        if area.project_id != drawing.project_id or area.deleted_at is not None:
            raise ServiceError("That area belongs to another project.", code="area_not_found")
        drawing.area = area
    if status is not None:
        if status not in DrawingStatus.values:
            raise ServiceError("Status is active or obsolete.", code="invalid_status")
        drawing.status = status
    if position is not None:
        drawing.position = position
    with sequence.changing(drawing.project_id):
        if (
            drawing.upstream_uuid is None
            and Drawing.objects.filter(
                area_id=drawing.area_id,
                number=drawing.number,
                deleted_at__isnull=True,
                upstream_uuid__isnull=True,
            )
            .exclude(pk=drawing.pk)
            .exists()
        ):
            raise Conflict(f"{drawing.number} already exists in this area.", code="drawing_exists")
        stamp(drawing.project_id, drawing)
        if title is not None:
            _retitle_shown_revision(drawing)
        try:
            with transaction.atomic():
                drawing.save()
        except IntegrityError as exc:
            raise Conflict(
                f"{drawing.number} already exists in this area.", code="drawing_exists"
            ) from exc
    return drawing


def _retitle_shown_revision(drawing: Drawing) -> None:
    """A title edited on the drawing is the title of the revision it shows."""
    shown = drawing.current_revision_id or drawing.latest_revision_id
    if shown is None:
        return
    revision = Revision.objects.filter(pk=shown, deleted_at__isnull=True).first()
    if revision is not None and revision.title != drawing.title:
        revision.title = drawing.title
        stamp(revision.project_id, revision)
        revision.save(update_fields=["title", "change_seq"])


def drawing_delete(*, drawing: Drawing) -> None:
    """Delete a drawing and its revisions (tombstones with new change_seq numbers).

    Needs ``drawings.edit`` on the project, checked by the caller.
    """
    if drawing.upstream_uuid is not None:
        refuse_synced(drawing)
    now = timezone.now()
    with sequence.changing(drawing.project_id):
        revisions = list(
            Revision.objects.select_for_update().filter(drawing=drawing, deleted_at__isnull=True)
        )
        for revision in revisions:
            revision.deleted_at = now
        drawing.deleted_at = now
        drawing.current_revision = None
        drawing.latest_revision = None
        stamp(drawing.project_id, drawing, *revisions)
        Revision.objects.bulk_update(revisions, ["deleted_at", "change_seq"])
        drawing.save()


def live_revisions(project_id: int, ids: Iterable[int]) -> list[Revision]:
    """Live revisions of a project among ``ids`` (others are ignored, never leaked)."""
    return list(
        Revision.objects.filter(
            Q(project_id=project_id) & Q(pk__in=list(ids)), deleted_at__isnull=True
        ).select_related("drawing")
    )
