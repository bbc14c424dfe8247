"""Uploading PDFs: split into sheets, review the pre-filled numbers, create revisions."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sheetflow.accounts.models import User
from sheetflow.common.errors import Conflict, NotFound, ServiceError
from sheetflow.common.uploads import UploadTooLarge
from sheetflow.drawings import pdfjobs, recognition, sequence, tasks
from sheetflow.drawings.blobs import blob_put, purge_unreferenced, tracked_writes
from sheetflow.drawings.models import (
    NAME_MAX,
    NUMBER_MAX,
    REVISION_MAX,
    STATUS_TEXT_MAX,
    TITLE_MAX,
    Area,
    Blob,
    Drawing,
    DrawingSet,
    Revision,
    TitleBlockLayout,
    Upload,
    UploadSheet,
)
from sheetflow.drawings.services._common import stamp
from sheetflow.drawings.services.catalog import (
    clean_text,
    discipline_for,
    discipline_map,
    set_get_or_create,
)
from sheetflow.drawings.services.intake import OCR_READING, needs_ocr
from sheetflow.drawings.services.revisions import (
    _clash_error,
    drawing_refresh,
    revision_unique_clash,
)
from sheetflow.projects.models import Project

NAME_LIMIT = 255


@dataclass(frozen=True)
class UploadedFile:
    """A file as the page or API received it."""

    name: str
    file: IO[bytes]
    size: int


@dataclass(frozen=True)
class SheetEdit:
    """The uploader's corrections for one sheet of an upload (None keeps the pre-fill)."""

    index: int
    number: str | None = None
    title: str | None = None
    revision_number: str | None = None
    include: bool = True


def _on_disk(files: list[UploadedFile], scratch: str) -> list[tuple[str, str]]:
    """(name, path) of each file: the upload's temporary file, or a copy made in chunks."""
    if not files:
        raise ServiceError("Choose at least one PDF file.", code="no_files")
    limit = settings.UPLOAD_MAX_BYTES
    too_large = f"the file is over the {limit // (1024 * 1024)} MB limit."

    def refuse(name: str) -> UploadTooLarge:
        return UploadTooLarge(f"{name}: {too_large}", code="too_large")

    out = []
    for i, f in enumerate(files):
        name = (f.name or "upload.pdf").rsplit("/", 1)[-1][:NAME_LIMIT]
        if f.size > limit:
            raise refuse(name)
        path = getattr(f.file, "temporary_file_path", None)
        if path is not None:
            out.append((name, path()))
            continue
        path = os.path.join(scratch, f"upload-{i}.pdf")
        written = 0
        with open(path, "wb") as copy:
            while chunk := f.file.read(1024 * 1024):
                written += len(chunk)
                if written > limit:
                    raise refuse(name)
                copy.write(chunk)
        out.append((name, path))
    return out


def upload_create(
    *,
    project: Project,
    user: User,
    files: list[UploadedFile],
    area: Area,
    drawing_set: DrawingSet | None,
    drawing_date: dt.date,
    received_date: dt.date,
    revision_number: str,
    revision_status: str = "",
    new_set_name: str | None = None,
    new_set_date: dt.date | None = None,
) -> Upload:
    """Check and split PDFs into one-page sheets, pre-filled for review (nothing published).

    Every file is checked before anything is stored: a refused upload leaves no rows and
    no blobs behind.

    Needs ``drawings.upload`` on the project, checked by the caller.
    """
    if area.project_id != project.pk or area.deleted_at is not None:
        raise NotFound("Area not found in this project.", code="area_not_found")
    if drawing_set is not None and (
        drawing_set.project_id != project.pk or drawing_set.deleted_at is not None
    ):
        raise NotFound("Drawing set not found in this project.", code="set_not_found")
    revision_number = clean_text(
        revision_number, field="Revision", max_length=REVISION_MAX, required=True
    )
    revision_status = clean_text(
        revision_status, field="Revision status", max_length=STATUS_TEXT_MAX
    )
    if new_set_name and drawing_set is None:
        new_set_name = clean_text(new_set_name, field="Set name", max_length=NAME_MAX)
    with pdfjobs.scratch_dir() as scratch:
        # Checked and split in a child process within the PDF budget; sheets come back as files.
        sheets = pdfjobs.split_files(
            _on_disk(files, scratch), scratch, layout=learned_layout(project)
        )
        return _upload_store(
            project=project,
            user=user,
            sheets=sheets,
            area=area,
            drawing_set=drawing_set,
            drawing_date=drawing_date,
            received_date=received_date,
            revision_number=revision_number,
            revision_status=revision_status,
            new_set_name=new_set_name,
            new_set_date=new_set_date,
        )


def _upload_store(
    *,
    project: Project,
    user: User,
    sheets: list[pdfjobs.SplitSheet],
    area: Area,
    drawing_set: DrawingSet | None,
    drawing_date: dt.date,
    received_date: dt.date,
    revision_number: str,
    revision_status: str,
    new_set_name: str | None,
    new_set_date: dt.date | None,
) -> Upload:
    with tracked_writes(), transaction.atomic():
        if new_set_name and drawing_set is None:
            # Created only now that the files are known to be good.
            drawing_set = set_get_or_create(project=project, name=new_set_name, date=new_set_date)
        upload = Upload.objects.create(
            project=project,
            created_by=user,
            area=area,
            drawing_set=drawing_set,
            drawing_date=drawing_date,
            received_date=received_date,
            revision_number=revision_number,
            revision_status=revision_status,
        )
        rows = UploadSheet.objects.bulk_create(
            [
                UploadSheet(
                    upload=upload,
                    index=i,
                    sheet=_put_file(sheet.path),
                    number=sheet.number,
                    title=sheet.title,
                    source_name=sheet.source_name,
                    evidence=sheet.evidence,
                    ocr_state=OCR_READING if needs_ocr(sheet.evidence) else "",
                )
                for i, sheet in enumerate(sheets)
            ]
        )
        # Thumbnails, crops and OCR are the worker's: never pdfium rendering or OCR here.
        for row in rows:
            tasks.prepare_upload_sheet.enqueue(sheet_id=row.pk)
    return upload


def _put_file(path: str) -> Blob:
    with open(path, "rb") as f:
        return blob_put(f, "application/pdf")


def learned_layout(project: Project) -> recognition.Layout | None:
    """What a drawings admin or an earlier correction taught about this project's sheets."""
    row = TitleBlockLayout.objects.filter(project=project).first()
    if row is None:
        return None
    number_at = (
        (row.number_x, row.number_y)
        if row.number_x is not None and row.number_y is not None
        else None
    )
    title_at = (
        (row.title_x, row.title_y) if row.title_x is not None and row.title_y is not None else None
    )
    if number_at is None and title_at is None:
        return None
    return recognition.Layout(number_at=number_at, title_at=title_at, learned=True)


def upload_discard(*, upload: Upload) -> None:
    """Drop a pending upload (its sheet blobs go with the next purge).

    Assumes the upload came from ``selectors.upload_get`` for the acting user.

    Needs ``drawings.upload`` on the project, checked by the caller.
    """
    upload.delete()


def upload_confirm(
    *, upload: Upload, user: User, edits: list[SheetEdit] | None = None
) -> list[Revision]:
    """Create the reviewed sheets as unpublished revisions (new drawings where needed).

    An existing number in the upload's area becomes a new revision of that drawing.
    Thumbnails are rendered afterwards by a task.

    Needs ``drawings.upload`` on the project, checked by the caller.
    """
    by_index = {e.index: e for e in edits or []}
    sheets = list(upload.sheets.all())
    unknown = set(by_index) - {s.index for s in sheets}
    if unknown:
        raise ServiceError(f"No sheet {min(unknown) + 1} in this upload.", code="invalid")
    rows = []
    for sheet in sheets:
        edit = by_index.get(sheet.index, SheetEdit(index=sheet.index))
        if not edit.include:
            continue
        label = f"Sheet {sheet.index + 1}"
        number = clean_text(
            edit.number if edit.number is not None else sheet.number,
            field=f"{label}: number",
            max_length=NUMBER_MAX,
            required=True,
        ).upper()
        title = clean_text(
            edit.title if edit.title is not None else sheet.title,
            field=f"{label}: title",
            max_length=TITLE_MAX,
        )
        revision_number = clean_text(
            edit.revision_number if edit.revision_number is not None else upload.revision_number,
            field=f"{label}: revision",
            max_length=REVISION_MAX,
            required=True,
        )
        rows.append((sheet, number, title, revision_number))
    if not rows:
        raise ServiceError("Include at least one sheet.", code="no_sheets")
    seen: set[tuple[str, str]] = set()
    for _, number, _, revision_number in rows:
        if (number, revision_number) in seen:
            raise _clash_error(number, revision_number)
        seen.add((number, revision_number))

    project = upload.project
    mapping = discipline_map(project)
    created: list[Revision] = []
    try:
        with sequence.changing(project.pk):
            existing = {
                d.number: d
                for d in Drawing.objects.select_for_update().filter(
                    area=upload.area,
                    number__in=[r[1] for r in rows],
                    deleted_at__isnull=True,
                    upstream_uuid__isnull=True,
                )
            }
            new_drawings = []
            for _, number, title, _ in rows:
                if number not in existing:
                    drawing = Drawing(
                        project=project,
                        area=upload.area,
                        number=number,
                        title=title,
                        discipline=discipline_for(number, mapping),
                    )
                    existing[number] = drawing
                    new_drawings.append(drawing)
            stamp(project.pk, *new_drawings)
            Drawing.objects.bulk_create(new_drawings)
            for sheet, number, title, revision_number in rows:
                drawing = existing[number]
                if revision_unique_clash(
                    drawing=drawing,
                    revision_number=revision_number,
                    drawing_set=upload.drawing_set,
                    drawing_date=upload.drawing_date,
                    received_date=upload.received_date,
                ):
                    raise _clash_error(number, revision_number)
                created.append(
                    Revision(
                        project=project,
                        drawing=drawing,
                        title=title,
                        revision_number=revision_number,
                        revision_status=upload.revision_status,
                        drawing_date=upload.drawing_date,
                        received_date=upload.received_date,
                        drawing_set=upload.drawing_set,
                        sheet_id=sheet.sheet_id,
                        source_name=sheet.source_name,
                        created_by=user,
                    )
                )
            stamp(project.pk, *created)
            created = _bulk_create(created)
            touched = {existing[r[1]].pk: existing[r[1]] for r in rows}
            retitled = []
            for drawing in touched.values():
                before = drawing.title
                drawing_refresh(drawing)
                if drawing.title != before and drawing not in new_drawings:
                    retitled.append(drawing)
            # A corrected title of an existing drawing shows once its revision is current.
            stamp(project.pk, *retitled)
            Drawing.objects.bulk_update(
                list(touched.values()),
                ["current_revision", "latest_revision", "title", "change_seq"],
            )
            for revision in created:
                tasks.render_revision.enqueue(revision_id=revision.pk)
            upload.delete()
    except IntegrityError as exc:
        raise Conflict(
            "Another upload created the same revision at the same time; try again.",
            code="revision_exists",
        ) from exc
    return created


def _bulk_create(rows: list[Revision]) -> list[Revision]:
    # SQLite and PostgreSQL both return primary keys from bulk_create.
    return Revision.objects.bulk_create(rows)


def uploads_expire(*, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Drop uploads nobody confirmed, then the blobs only they referenced."""
    deleted, _ = Upload.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    if deleted:
        purge_unreferenced()
    return deleted
