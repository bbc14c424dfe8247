"""Exports: the drawing log as CSV and the current set as a zip of sheet PDFs, both streamed.

Neither is built in memory. The CSV is written a page of drawings at a time. The zip is
written by the standard library's ``zipfile`` into a sink that the response drains after
every chunk: on a stream that cannot seek, ``zipfile`` writes each member's sizes in a data
descriptor after its bytes, so nothing has to be rewound and at most one chunk of a sheet is
held at once (no third-party package needed). Members are stored, not deflated: sheet PDFs
are compressed already, and storing keeps the export's cost to reading the files.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Sum

from sheetflow.common.errors import ServiceError
from sheetflow.drawings import selectors
from sheetflow.drawings.blobs import blob_open
from sheetflow.drawings.models import Drawing, Revision

PAGE = 500  # drawings read per query while streaming
CHUNK = 256 * 1024  # bytes of a sheet read at a time
NAME_MAX = 150  # characters of a file name inside the zip, before ".pdf"

CSV_COLUMNS = [
    "Number",
    "Title",
    "Discipline",
    "Area",
    "Revision",
    "Revision status",
    "Set",
    "Drawing date",
    "Received date",
    "Published",
    "Pending revision",
    "Status",
    "Source",
]


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _source(d: Drawing) -> str:
    if d.upstream_uuid is None:
        return "Own"
    state = "Connected" if d.is_synced else "Disconnected"
    return f"{state} from {d.upstream_company_name} · {d.upstream_project_name}"


def _csv_row(d: Drawing, *, admin: bool) -> list[str]:
    rev = selectors.shown_revision(d, admin=admin)
    pending = selectors.pending_revision_number(d, rev, admin=admin)
    values: list[object] = [
        d.number,
        d.title,
        d.discipline,
        d.area.name,
        rev.revision_number if rev else "",
        rev.revision_status if rev else "",
        rev.drawing_set.name if rev and rev.drawing_set else "",
        rev.drawing_date.isoformat() if rev else "",
        rev.received_date.isoformat() if rev else "",
        "yes" if rev and rev.is_published else "no",
        pending,
        d.status,
        _source(d),
    ]
    return [_cell(v) for v in values]


def log_csv(log: selectors.DrawingLog, *, admin: bool) -> Iterator[bytes]:
    """The drawing log as CSV rows (UTF-8 with a byte-order mark, for spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode()
    start = 0
    while True:
        page = log[start : start + PAGE]
        if not page:
            return
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_csv_row(d, admin=admin) for d in page)
        yield buffer.getvalue().encode()
        start += PAGE


UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def sheet_name(number: str, title: str) -> str:
    """'A-101 - First Floor Plan' with what file systems refuse replaced, and bounded."""
    name = f"{number} - {title}" if title.strip() else number
    name = UNSAFE.sub("-", name)
    name = re.sub(r"\s+", " ", name).strip(" .-") or "sheet"
    return name[:NAME_MAX].rstrip(" .")


def unique_names(names: list[str], seen: set[str] | None = None) -> list[str]:
    """The same names, with ' (2)', ' (3)' … added to repeats (compared case-insensitively,
    as file systems on Windows and macOS do), remembering them in ``seen`` across calls."""
    seen = set() if seen is None else seen
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{name} ({n})"
        seen.add(candidate.lower())
        out.append(candidate)
    return out


@dataclass(frozen=True)
class SetExport:
    """The current set's sheets to zip, checked against the export bounds."""

    revision_ids: list[int]
    count: int
    total_bytes: int


def current_set(log: selectors.DrawingLog) -> SetExport:
    """The current (latest published) revision of every drawing the log's filters show.

    Refuses past EXPORT_MAX_SHEETS sheets or EXPORT_MAX_BYTES bytes, before anything is sent.
    """
    ids = log.ids.filter(current_revision__isnull=False)
    count = ids.count()
    if count > settings.EXPORT_MAX_SHEETS:
        raise ServiceError(
            f"The current set has {count} sheets here; an export holds at most "
            f"{settings.EXPORT_MAX_SHEETS}. Narrow the filters (area, set, discipline).",
            code="export_too_large",
        )
    revision_ids = list(ids.values_list("current_revision_id", flat=True))
    total = (
        Revision.objects.filter(pk__in=ids.values("current_revision_id")).aggregate(
            total=Sum("sheet__size")
        )["total"]
        or 0
    )
    if total > settings.EXPORT_MAX_BYTES:
        raise ServiceError(
            f"These sheets add up to {total // (1024 * 1024)} MB; an export holds at most "
            f"{settings.EXPORT_MAX_BYTES // (1024 * 1024)} MB. Narrow the filters.",
            code="export_too_large",
        )
    return SetExport(revision_ids=[int(i) for i in revision_ids], count=count, total_bytes=total)


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream whose bytes are taken out as they arrive."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def set_zip(export: SetExport) -> Iterator[bytes]:
    """The sheets as a zip, yielded chunk by chunk (log order, unique file names)."""
    sink = _Sink()
    seen: set[str] = set()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for start in range(0, len(export.revision_ids), PAGE):
            page_ids = export.revision_ids[start : start + PAGE]
            found = (
                Revision.objects.filter(pk__in=page_ids)
                .select_related("drawing", "sheet")
                .in_bulk()
            )
            revisions = [found[i] for i in page_ids if i in found]
            names = unique_names(
                [sheet_name(r.drawing.number, r.drawing.title) for r in revisions], seen
            )
            for revision, name in zip(revisions, names, strict=True):
                info = zipfile.ZipInfo(f"{name}.pdf", date_time=_stamp(revision))
                info.compress_type = zipfile.ZIP_STORED
                big = revision.sheet.size >= 2**31
                with (
                    blob_open(revision.sheet) as source,
                    archive.open(info, "w", force_zip64=big) as member,
                ):
                    while chunk := source.read(CHUNK):
                        member.write(chunk)
                        yield sink.take()
                yield sink.take()
    yield sink.take()


def _stamp(revision: Revision) -> tuple[int, int, int, int, int, int]:
    d = revision.drawing_date
    return (max(1980, d.year), d.month, d.day, 0, 0, 0)
