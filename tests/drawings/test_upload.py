"""Uploading PDFs: split, pre-filled from the title block, reviewed, stored once."""

from __future__ import annotations

from collections.abc import Callable

from django.core.files.storage import default_storage

from sheetflow.drawings.models import Area, Blob, Drawing, Revision, Upload
from sheetflow.drawings.samples import blank_pdf
from sheetflow.drawings.services import SheetEdit, upload_confirm, upload_create
from tests.cast import Cast
from tests.drawings.factories import DATE, as_upload, sheet_pdf, upload_sheets


def _area(cast: Cast) -> Area:
    return Area.objects.get(project=cast.gc_project)


def test_a_multi_page_pdf_becomes_one_sheet_per_page_prefilled_from_title_blocks(
    cast: Cast,
) -> None:
    upload = upload_create(
        project=cast.gc_project,
        user=cast.gc_pm,
        files=[as_upload(sheet_pdf(["A-101", "S-201", "FP-001"]))],
        area=_area(cast),
        drawing_set=None,
        drawing_date=DATE,
        received_date=DATE,
        revision_number="0",
    )
    sheets = list(upload.sheets.all())
    assert [(s.number, s.title) for s in sheets] == [
        ("A-101", "SHEET A-101"),
        ("S-201", "SHEET S-201"),
        ("FP-001", "SHEET FP-001"),
    ]
    assert Revision.objects.count() == 0  # nothing exists until the review is confirmed


def test_without_a_text_layer_the_file_name_gives_number_and_title(cast: Cast) -> None:
    upload = upload_create(
        project=cast.gc_project,
        user=cast.gc_pm,
        files=[as_upload(blank_pdf(1), "E-201 Lighting Plan.pdf")],
        area=_area(cast),
        drawing_set=None,
        drawing_date=DATE,
        received_date=DATE,
        revision_number="0",
    )
    sheet = upload.sheets.get()
    assert (sheet.number, sheet.title) == ("E-201", "Lighting Plan")


def test_confirming_applies_corrections_and_derives_disciplines(
    cast: Cast, drain_tasks: Callable[..., int]
) -> None:
    upload = upload_create(
        project=cast.gc_project,
        user=cast.gc_pm,
        files=[as_upload(sheet_pdf(["A-101", "S-201"]))],
        area=_area(cast),
        drawing_set=None,
        drawing_date=DATE,
        received_date=DATE,
        revision_number="0",
    )
    revisions = upload_confirm(
        upload=upload,
        user=cast.gc_pm,
        edits=[SheetEdit(index=1, number="fp-301", title="Sprinkler Layout")],
    )
    drawings = {r.drawing.number: r.drawing for r in revisions}
    assert drawings["A-101"].discipline == "Architectural"
    assert drawings["FP-301"].discipline == "Fire Protection"
    assert drawings["FP-301"].title == "Sprinkler Layout"
    assert all(not r.is_published for r in revisions)
    assert not Upload.objects.exists()
    # The review pictures of the upload (nothing left to do once confirmed) and two renderings.
    assert drain_tasks() == 4
    rendered = Revision.objects.filter(thumbnail__isnull=False, image__isnull=False)
    assert rendered.count() == 2


def test_an_existing_number_becomes_a_new_revision_of_that_drawing(cast: Cast) -> None:
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"], revision="0")
    [second] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"], revision="1")
    drawing = Drawing.objects.get(project=cast.gc_project)
    assert second.drawing_id == drawing.pk
    assert drawing.revisions.count() == 2
    assert drawing.latest_revision_id == second.pk


def test_identical_bytes_are_stored_once_and_so_are_their_renderings(
    cast: Cast, drain_tasks: Callable[..., int]
) -> None:
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    upload_sheets(cast.sub_project, cast.sub_pm, ["A-101"])
    drain_tasks()
    one, two = Revision.objects.order_by("pk")
    assert one.sheet_id == two.sheet_id
    assert (one.thumbnail_id, one.image_id) == (two.thumbnail_id, two.image_id)
    assert Blob.objects.count() == 3  # one sheet, one thumbnail, one image
    assert default_storage.exists(one.sheet.path)


def test_a_split_sheet_carries_no_clock_time_so_a_later_upload_is_stored_once() -> None:
    import pypdfium2 as pdfium

    from sheetflow.drawings.pdf import split

    [sheet] = split(pdfium.PdfDocument(sheet_pdf(["A-101"])), "set.pdf")
    # pdfium dates a new document to the second; the split fixes it, so the bytes (and the
    # blob's SHA-256) are the same whenever the same page is uploaded.
    assert b"/CreationDate(D:20000101000000" in sheet.data
    assert pdfium.PdfDocument(sheet.data).get_metadata_value("CreationDate").startswith("D:2000")
