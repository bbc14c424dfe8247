"""Areas, sets and the discipline map of a project."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from sheetflow.common.errors import Conflict, NotFound, ServiceError
from sheetflow.drawings import sequence
from sheetflow.drawings.models import (
    DISCIPLINE_MAX,
    NAME_MAX,
    Area,
    Discipline,
    Drawing,
    DrawingSet,
    Revision,
)
from sheetflow.drawings.services._common import stamp
from sheetflow.projects.models import Project


def clean_text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    """Strip a text input and refuse it when it is missing or over its length limit."""
    text = " ".join((value or "").split())
    if required and not text:
        raise ServiceError(f"{field} is required.", code="required")
    if len(text) > max_length:
        raise ServiceError(
            f"{field} is too long ({len(text)} characters; at most {max_length}).",
            code="too_long",
        )
    return text


def refuse_synced_catalog(item: Area | DrawingSet) -> None:
    """A connected area or set is read-only downstream while its project is still synced.

    Copies of one connection are released together (their drawings stop being synced on
    disconnect or undo), so a connected item is still synced while any drawing of its
    project is.
    """
    if item.upstream_uuid is None:
        return
    if Drawing.objects.filter(
        project_id=item.project_id, is_synced=True, deleted_at__isnull=True
    ).exists():
        kind = "area" if isinstance(item, Area) else "set"
        raise ServiceError(
            f"This {kind} is connected to an upstream project: it is read-only here while "
            "the connection lasts.",
            code="synced_read_only",
        )


def _name_taken(
    model: type[Area] | type[DrawingSet], project: Project, name: str, pk: int | None
) -> bool:
    qs = model.objects.filter(
        project=project, name__iexact=name, deleted_at__isnull=True, upstream_uuid__isnull=True
    )
    if pk is not None:
        qs = qs.exclude(pk=pk)
    return qs.exists()


def area_create(*, project: Project, name: str) -> Area:
    """Add a drawing area to a project.

    Needs ``drawings.manage`` on the project, checked by the caller.
    """
    name = clean_text(name, field="Area name", max_length=NAME_MAX, required=True)
    with sequence.changing(project.pk):
        if _name_taken(Area, project, name, None):
            raise Conflict(f"There is already an area named {name}.", code="area_exists")
        area = Area(project=project, name=name)
        stamp(project.pk, area)
        area.save()
    return area


def area_update(*, area: Area, name: str | None = None, position: int | None = None) -> Area:
    """Rename or reorder an area (a connected area keeps its upstream name).

    Needs ``drawings.manage`` on the project, checked by the caller.
    """
    if name is not None and name != area.name:
        refuse_synced_catalog(area)
    with sequence.changing(area.project_id):
        if name is not None:
            name = clean_text(name, field="Area name", max_length=NAME_MAX, required=True)
            if _name_taken(Area, area.project, name, area.pk):
                raise Conflict(f"There is already an area named {name}.", code="area_exists")
            area.name = name
        if position is not None:
            area.position = position
        stamp(area.project_id, area)
        area.save()
    return area


def area_delete(*, area: Area) -> None:
    """Delete an empty area (tombstone); a project keeps at least one.

    Needs ``drawings.manage`` on the project, checked by the caller.
    """
    refuse_synced_catalog(area)
    with sequence.changing(area.project_id):
        live = Area.objects.select_for_update().filter(
            project_id=area.project_id, deleted_at__isnull=True
        )
        if live.count() <= 1:
            raise ServiceError("A project needs at least one area.", code="last_area")
        if Drawing.objects.filter(area=area, deleted_at__isnull=True).exists():
            raise Conflict("Move or delete this area's drawings first.", code="area_not_empty")
        area.deleted_at = timezone.now()
        stamp(area.project_id, area)
        area.save()


def set_create(*, project: Project, name: str, date: dt.date | None = None) -> DrawingSet:
    """Add a drawing set (e.g. "IFC") to a project.

    Needs ``drawings.manage`` on the project, checked by the caller.
    """
    name = clean_text(name, field="Set name", max_length=NAME_MAX, required=True)
    with sequence.changing(project.pk):
        if _name_taken(DrawingSet, project, name, None):
            raise Conflict(f"There is already a set named {name}.", code="set_exists")
        drawing_set = DrawingSet(project=project, name=name, date=date)
        stamp(project.pk, drawing_set)
        drawing_set.save()
    return drawing_set


def set_get_or_create(*, project: Project, name: str, date: dt.date | None = None) -> DrawingSet:
    """The project's own live set with this name, created if missing."""
    name = clean_text(name, field="Set name", max_length=NAME_MAX, required=True)
    found = DrawingSet.objects.filter(
        project=project, name__iexact=name, deleted_at__isnull=True, upstream_uuid__isnull=True
    ).first()
    return found or set_create(project=project, name=name, date=date)


def set_update(
    *, drawing_set: DrawingSet, name: str | None = None, date: dt.date | None = None
) -> DrawingSet:
    """Rename a set or change its date.

    Needs ``drawings.manage`` on the project, checked by the caller.
    """
    if (name is not None and name != drawing_set.name) or (
        date is not None and date != drawing_set.date
    ):
        refuse_synced_catalog(drawing_set)
    with sequence.changing(drawing_set.project_id):
        if name is not None:
            name = clean_text(name, field="Set name", max_length=NAME_MAX, required=True)
            if _name_taken(DrawingSet, drawing_set.project, name, drawing_set.pk):
                raise Conflict(f"There is already a set named {name}.", code="set_exists")
            drawing_set.name = name
        if date is not None:
            drawing_set.date = date
        stamp(drawing_set.project_id, drawing_set)
        drawing_set.save()
    return drawing_set


def set_delete(*, drawing_set: DrawingSet) -> None:
    """Delete a set no live revision belongs to (tombstone).

    Needs ``drawings.manage`` on the project, checked by the caller.
    """
    refuse_synced_catalog(drawing_set)
    with sequence.changing(drawing_set.project_id):
        if Revision.objects.filter(drawing_set=drawing_set, deleted_at__isnull=True).exists():
            raise Conflict("Revisions still belong to this set.", code="set_not_empty")
        drawing_set.deleted_at = timezone.now()
        stamp(drawing_set.project_id, drawing_set)
        drawing_set.save()


_PREFIX_RE = re.compile(r"^[A-Z]{1,10}$")


def discipline_set(*, project: Project, prefix: str, name: str) -> Discipline:
    """Map a number prefix (e.g. "FP") to a discipline name, replacing any earlier mapping.

    Needs ``drawings.manage`` on the project, checked by the caller.
    """
    prefix = (prefix or "").strip().upper()
    if not _PREFIX_RE.match(prefix):
        raise ServiceError("A prefix is 1 to 10 letters.", code="invalid_prefix")
    name = clean_text(name, field="Discipline", max_length=DISCIPLINE_MAX, required=True)
    row, _ = Discipline.objects.update_or_create(
        project=project, prefix=prefix, defaults={"name": name}
    )
    return row


def discipline_delete(*, project: Project, prefix: str) -> None:
    """Remove a prefix from the map.

    Needs ``drawings.manage`` on the project, checked by the caller.
    """
    deleted, _ = Discipline.objects.filter(project=project, prefix=prefix.upper()).delete()
    if not deleted:
        raise NotFound("No such prefix.")


def discipline_map(project: Project) -> dict[str, str]:
    return dict(Discipline.objects.filter(project=project).values_list("prefix", "name"))


def discipline_for(number: str, mapping: dict[str, str]) -> str:
    """The discipline of a number from its letter prefix (longest prefix that is mapped)."""
    letters = re.match(r"[A-Za-z]*", number.strip())
    prefix = letters.group(0).upper() if letters else ""
    while prefix:
        if prefix in mapping:
            return mapping[prefix]
        prefix = prefix[:-1]
    return ""
