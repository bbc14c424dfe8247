"""API shapes for the drawings tool."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated, Literal
from uuid import UUID

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from sheetflow.common.request import MAX_ID
from sheetflow.drawings.models import (
    BULK_IDS_MAX,
    DISCIPLINE_MAX,
    NAME_MAX,
    NUMBER_MAX,
    POSITION_LIMIT,
    REVISION_MAX,
    STATUS_TEXT_MAX,
    TITLE_MAX,
    Drawing,
    Revision,
    Upload,
    UploadSheet,
)
from sheetflow.drawings.selectors import LogFilters
from sheetflow.drawings.services.publishing import PublishItem, PublishReport


@lru_cache(maxsize=1)
def _file_url_pattern() -> str:
    # reverse() once; formatting the pattern is much cheaper than reverse() per row.
    url = reverse(
        "api:drawing_revision_file",
        kwargs={"project_id": 1234567, "revision_id": 7654321, "kind": "sheet"},
    )
    return url.replace("1234567", "{p}").replace("7654321", "{r}").replace("/sheet", "/{k}")


def file_url(revision: Revision, kind: str) -> str | None:
    """The API address of a revision's sheet, thumbnail or image (None until rendered)."""
    if kind != "sheet" and getattr(revision, f"{kind}_id") is None:
        return None
    return _file_url_pattern().format(p=revision.project_id, r=revision.pk, k=kind)


class AreaOut(Schema):
    id: int
    uuid: UUID
    name: str
    position: int
    upstream_uuid: UUID | None


class AreaIn(Schema):
    name: str = Field(min_length=1, max_length=NAME_MAX)


class AreaPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=NAME_MAX)
    position: int | None = Field(None, ge=-POSITION_LIMIT, le=POSITION_LIMIT)


class SetOut(Schema):
    id: int
    uuid: UUID
    name: str
    date: dt.date | None
    upstream_uuid: UUID | None


class SetIn(Schema):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    date: dt.date | None = None


class SetPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=NAME_MAX)
    date: dt.date | None = None


class DisciplineOut(Schema):
    prefix: str
    name: str


class DisciplineIn(Schema):
    name: str = Field(min_length=1, max_length=DISCIPLINE_MAX)


class SetRef(Schema):
    id: int
    name: str


def _optional_url(value: object) -> str | None:
    return None if value is None else str(value)


class RevisionOut(Schema):
    id: int
    uuid: UUID
    drawing_id: int
    revision_number: str
    revision_status: str
    title: str
    drawing_date: dt.date
    received_date: dt.date
    drawing_set: SetRef | None
    is_published: bool
    published_at: dt.datetime | None
    created_at: dt.datetime
    source_name: str
    change_seq: int
    upstream_uuid: UUID | None
    withdrawn_upstream_at: dt.datetime | None
    sheet_url: str
    thumbnail_url: str | None
    image_url: str | None

    @staticmethod
    def resolve_sheet_url(obj: Revision | dict[str, object]) -> str:
        if isinstance(obj, dict):
            return str(obj["sheet_url"])
        return file_url(obj, "sheet") or ""

    @staticmethod
    def resolve_thumbnail_url(obj: Revision | dict[str, object]) -> str | None:
        if isinstance(obj, dict):
            return _optional_url(obj["thumbnail_url"])
        return file_url(obj, "thumbnail")

    @staticmethod
    def resolve_image_url(obj: Revision | dict[str, object]) -> str | None:
        if isinstance(obj, dict):
            return _optional_url(obj["image_url"])
        return file_url(obj, "image")


class DrawingOut(Schema):
    id: int
    uuid: UUID
    number: str
    title: str
    discipline: str
    status: Literal["active", "obsolete"]
    position: int
    area: AreaOut
    current_revision: RevisionOut | None
    change_seq: int
    upstream_uuid: UUID | None
    is_synced: bool
    upstream_company_name: str
    upstream_project_name: str


class DrawingLogOut(DrawingOut):
    latest_revision: RevisionOut | None = None


class DrawingPatch(Schema):
    number: str | None = Field(None, min_length=1, max_length=NUMBER_MAX)
    title: str | None = Field(None, max_length=TITLE_MAX)
    discipline: str | None = Field(None, max_length=DISCIPLINE_MAX)
    area_id: int | None = None
    status: Literal["active", "obsolete"] | None = None
    position: int | None = Field(None, ge=-POSITION_LIMIT, le=POSITION_LIMIT)


class RevisionPatch(Schema):
    revision_number: str | None = Field(None, min_length=1, max_length=REVISION_MAX)
    revision_status: str | None = Field(None, max_length=STATUS_TEXT_MAX)
    title: str | None = Field(None, max_length=TITLE_MAX)
    drawing_date: dt.date | None = None
    received_date: dt.date | None = None
    set_id: int | None = Field(None, description="A set of this project; 0 clears the set")


class RevisionIds(Schema):
    revision_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=1, max_length=BULK_IDS_MAX
    )


SortName = Literal[
    "number", "-number", "title", "-title", "discipline", "-discipline", "date", "-date"
]


class LogQuery(Schema):
    area_id: int | None = Field(None, ge=1, le=MAX_ID)
    discipline: str | None = Field(None, max_length=60)
    set_id: int | None = Field(None, ge=1, le=MAX_ID)
    published: Literal["published", "unpublished"] | None = None
    source: Literal["own", "connected"] | None = None
    status: Literal["active", "obsolete"] | None = None
    q: str | None = Field(None, max_length=100)
    sort: SortName = "number"

    def to_filters(self) -> LogFilters:
        return LogFilters(
            area=self.area_id,
            discipline=self.discipline,
            drawing_set=self.set_id,
            published=self.published,
            source=self.source,
            status=self.status,
            q=self.q,
            sort=self.sort,
        )


class CountOut(Schema):
    count: int


class DrawingIds(Schema):
    drawing_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=1, max_length=BULK_IDS_MAX
    )


class PublishItemOut(Schema):
    drawing_id: int | None
    number: str
    revision_id: int | None
    revision_number: str
    code: str = Field(description="Why it was skipped (empty for a changed revision)")
    reason: str


class PublishReportOut(Schema):
    """What a bulk publish or unpublish changed and what it skipped, per drawing."""

    count: int = Field(description="How many revisions changed")
    changed: list[PublishItemOut]
    skipped: list[PublishItemOut]


def report_out(report: PublishReport) -> PublishReportOut:
    def item(i: PublishItem) -> PublishItemOut:
        return PublishItemOut(
            drawing_id=i.drawing_id,
            number=i.number,
            revision_id=i.revision_id,
            revision_number=i.revision_number,
            code=i.code,
            reason=i.reason,
        )

    return PublishReportOut(
        count=report.count,
        changed=[item(i) for i in report.done],
        skipped=[item(i) for i in report.skipped],
    )


class UploadForm(Schema):
    area_id: int | None = Field(None, description="Default: the project's first area")
    set_id: int | None = Field(None, description="An existing set of this project")
    new_set_name: str | None = Field(None, max_length=NAME_MAX, description="Or a new set")
    new_set_date: dt.date | None = None
    drawing_date: dt.date | None = Field(None, description="Default: today")
    received_date: dt.date | None = Field(None, description="Default: today")
    revision_number: str = Field("0", min_length=1, max_length=REVISION_MAX)
    revision_status: str = Field("", max_length=STATUS_TEXT_MAX)
    confirm: bool = Field(
        False, description="Create the revisions at once with the pre-filled numbers"
    )


class FieldEvidence(Schema):
    confidence: float
    source: str  # title_block, label, ocr, layout, file_name, uploader


class UploadSheetOut(Schema):
    index: int
    number: str
    title: str
    source_name: str
    recognised: bool
    number_evidence: FieldEvidence | None
    title_evidence: FieldEvidence | None
    ocr_state: str  # "", reading, done, empty, failed, off

    @staticmethod
    def resolve_recognised(obj: UploadSheet) -> bool:
        return bool((obj.evidence or {}).get("recognised", True))

    @staticmethod
    def resolve_number_evidence(obj: UploadSheet) -> dict[str, object] | None:
        return _evidence(obj, "number")

    @staticmethod
    def resolve_title_evidence(obj: UploadSheet) -> dict[str, object] | None:
        return _evidence(obj, "title")


def _evidence(obj: UploadSheet, field: str) -> dict[str, object] | None:
    found = (obj.evidence or {}).get(field)
    if not isinstance(found, dict):
        return None
    return {"confidence": found.get("confidence", 0.0), "source": found.get("source", "")}


class UploadOut(Schema):
    uuid: UUID
    area: AreaOut
    drawing_set: SetRef | None
    drawing_date: dt.date
    received_date: dt.date
    revision_number: str
    revision_status: str
    sheets: list[UploadSheetOut]

    @staticmethod
    def resolve_sheets(obj: Upload) -> list[object]:
        return list(obj.sheets.all())


class SheetEditIn(Schema):
    index: int = Field(ge=0, le=100_000)
    number: str | None = Field(None, min_length=1, max_length=NUMBER_MAX)
    title: str | None = Field(None, max_length=TITLE_MAX)
    revision_number: str | None = Field(None, min_length=1, max_length=REVISION_MAX)
    include: bool = True


class ConfirmIn(Schema):
    sheets: list[SheetEditIn] = Field(default_factory=list, max_length=100_000)


def revision_data(r: Revision | None) -> dict[str, object] | None:
    """RevisionOut as a plain dict (the log serialises 100 of these per page: dicts are
    several times faster to validate than model instances)."""
    if r is None:
        return None
    s = r.drawing_set
    return {
        "id": r.pk,
        "uuid": r.uuid,
        "drawing_id": r.drawing_id,
        "revision_number": r.revision_number,
        "revision_status": r.revision_status,
        "title": r.title,
        "drawing_date": r.drawing_date,
        "received_date": r.received_date,
        "drawing_set": {"id": s.pk, "name": s.name} if s is not None else None,
        "is_published": r.is_published,
        "published_at": r.published_at,
        "created_at": r.created_at,
        "source_name": r.source_name,
        "change_seq": r.change_seq,
        "upstream_uuid": r.upstream_uuid,
        "withdrawn_upstream_at": r.withdrawn_upstream_at,
        "sheet_url": file_url(r, "sheet"),
        "thumbnail_url": file_url(r, "thumbnail"),
        "image_url": file_url(r, "image"),
    }


def log_row(d: Drawing) -> dict[str, object]:
    """DrawingLogOut as a plain dict (see revision_data)."""
    a = d.area
    joined = d._state.fields_cache
    return {
        "id": d.pk,
        "uuid": d.uuid,
        "number": d.number,
        "title": d.title,
        "discipline": d.discipline,
        "status": d.status,
        "position": d.position,
        "area": {
            "id": a.pk,
            "uuid": a.uuid,
            "name": a.name,
            "position": a.position,
            "upstream_uuid": a.upstream_uuid,
        },
        "current_revision": revision_data(d.current_revision),
        # Only admins' pages join the latest revision; readers never see unpublished ones.
        "latest_revision": revision_data(d.latest_revision)
        if "latest_revision" in joined
        else None,
        "change_seq": d.change_seq,
        "upstream_uuid": d.upstream_uuid,
        "is_synced": d.is_synced,
        "upstream_company_name": d.upstream_company_name,
        "upstream_project_name": d.upstream_project_name,
    }
