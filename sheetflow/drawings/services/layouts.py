"""Learning from one correction: apply its rule to the rest of an upload, remember it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from sheetflow.accounts.models import User
from sheetflow.common.errors import ServiceError
from sheetflow.drawings import recognition
from sheetflow.drawings.models import TitleBlockLayout, Upload, UploadSheet
from sheetflow.drawings.recognition import patterns
from sheetflow.projects.models import Project

FIELDS = ("number", "title")
# How far (fraction of the page) a line may be from the corrected one to count as "there".
_REACH = 0.04


@dataclass(frozen=True)
class RuleResult:
    """What applying a correction's rule changed."""

    values: dict[int, str]  # sheet index -> new value, for the other sheets
    at: tuple[float, float]


def _centre(box: list[float]) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _where(sheet: UploadSheet, value: str) -> tuple[float, float] | None:
    """Where on the sheet a corrected value is written (from the lines kept at upload)."""
    wanted = patterns.norm(value)
    if not wanted:
        return None
    best = None
    for text, box in (sheet.evidence or {}).get("lines", []):
        line = patterns.norm(text)
        if wanted == line:
            return _centre(box)
        if best is None and wanted in line:
            best = _centre(box)
    return best


def _value_at(sheet: UploadSheet, at: tuple[float, float], field: str) -> str | None:
    near = []
    for text, box in (sheet.evidence or {}).get("lines", []):
        cx, cy = _centre(box)
        d = math.hypot(cx - at[0], cy - at[1])
        if d <= _REACH:
            near.append((d, text))
    for _, text in sorted(near):
        if field == "number":
            match = patterns.NUMBER_IN_TEXT_RE.search(text.upper())
            if match:
                return patterns.clean_number(match.group(1))
        else:
            title, _ = patterns.strip_dates(text)
            if title:
                return title
    return None


def upload_apply_rule(
    *, upload: Upload, user: User, index: int, field: str, value: str
) -> RuleResult:
    """Take ``field`` of every other sheet from where the corrected sheet shows ``value``.

    The place is remembered as the project's title-block layout for its next uploads.

    Needs ``drawings.upload`` on the project, checked by the caller.
    """
    if field not in FIELDS:
        raise ServiceError("Only numbers and titles have a rule.", code="invalid")
    sheets = list(upload.sheets.all())
    source = next((s for s in sheets if s.index == index), None)
    if source is None:
        raise ServiceError(f"No sheet {index + 1} in this upload.", code="invalid")
    at = _where(source, value)
    if at is None:
        raise ServiceError(
            f'"{value}" is not written on sheet {index + 1}\'s title block as text, so there is '
            "no place to take it from; correct the other sheets by hand.",
            code="rule_not_found",
        )
    values: dict[int, str] = {}
    changed: list[UploadSheet] = []
    for sheet in sheets:
        if sheet.index == index:
            continue
        found = _value_at(sheet, at, field)
        if found is None:
            continue
        values[sheet.index] = found
        setattr(sheet, field, found[:60] if field == "number" else found[:200])
        evidence: dict[str, Any] = dict(sheet.evidence or {})
        evidence[field] = {
            "value": found,
            "confidence": 0.9,
            "source": recognition.LEARNED,
            "box": None,
        }
        evidence["recognised"] = True
        sheet.evidence = evidence
        changed.append(sheet)
    # The corrected sheet now holds what its uploader typed: certain, and recognised.
    evidence = dict(source.evidence or {})
    evidence[field] = {"value": value, "confidence": 1.0, "source": "uploader", "box": None}
    evidence["recognised"] = True
    source.evidence = evidence
    setattr(source, field, value[:60] if field == "number" else value[:200])
    changed.append(source)
    with transaction.atomic():
        UploadSheet.objects.bulk_update(changed, [field, "evidence"])
        layout_save(project=upload.project, user=user, **{field: at})
    return RuleResult(values, at)


def layout_save(
    *,
    project: Project,
    user: User,
    number: tuple[float, float] | None = None,
    title: tuple[float, float] | None = None,
) -> TitleBlockLayout:
    """Remember where this project's sheets carry their number and/or title.

    Needs ``drawings.manage`` on the project, checked by the caller.
    """
    for point in (number, title):
        if point is not None and not all(0.0 <= v <= 1.0 for v in point):
            raise ServiceError("Positions are fractions of the page (0 to 1).", code="invalid")
    with transaction.atomic():
        layout, _ = TitleBlockLayout.objects.select_for_update().get_or_create(project=project)
        if number is not None:
            layout.number_x, layout.number_y = number
        if title is not None:
            layout.title_x, layout.title_y = title
        layout.updated_by = user
        layout.updated_at = timezone.now()
        layout.save()
    return layout


def layout_reset(*, project: Project) -> None:
    """Forget the project's title-block layout: recognition starts from the sheets again.

    Needs ``drawings.manage`` on the project, checked by the caller.
    """
    TitleBlockLayout.objects.filter(project=project).delete()
