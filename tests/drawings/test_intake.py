"""Preparing an upload for review in the worker: thumbnails, crops, OCR of scanned pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile

from sheetflow.drawings import recognition
from sheetflow.drawings.models import Upload, UploadSheet
from sheetflow.drawings.recognition import ocr
from sheetflow.drawings.samples_titleblocks import corpus, special_pages
from sheetflow.drawings.services.intake import upload_sheet_prepare
from tests.cast import Cast
from tests.drawings.test_pages import log_url, upload_form


def _upload(cast: Cast, client: Any, data: bytes, name: str) -> str:
    files = [SimpleUploadedFile(name, data)]
    response = client.post(f"{log_url(cast)}upload/", upload_form(files))
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def _scan() -> bytes:
    return next(s for s in special_pages() if s.layout == "scan").data


def test_tesseract_is_installed() -> None:
    # OCR is part of the product: a machine without it must fail the suite, not skip.
    assert ocr.available(), "install tesseract-ocr and tesseract-ocr-eng (see README)"


def test_the_worker_renders_each_pages_thumbnail_and_title_block_crop(
    cast: Cast, page_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    client = page_as(cast.gc_pm)
    sample = next(s for s in corpus() if s.layout == "strip")
    review = _upload(cast, client, sample.data, sample.name)
    before = client.get(review).content.decode()
    assert "rendering…" in before and 'data-mark="thumbnail"' not in before
    drain_tasks()
    html = client.get(review).content.decode()
    assert html.count('data-mark="thumbnail"') == len(sample.sheets)
    assert html.count('data-mark="crop"') == len(sample.sheets)
    image = client.get(f"{review}sheets/0/crop.png")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")
    assert client.get(f"{review}sheets/0/other.png").status_code == 404
    # Another user cannot see the pictures of an upload that is not theirs.
    assert page_as(cast.gc_admin).get(f"{review}sheets/0/crop.png").status_code == 404


def test_a_scanned_page_is_read_by_ocr_in_the_worker(
    cast: Cast, page_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    client = page_as(cast.gc_pm)
    review = _upload(cast, client, _scan(), "scan.pdf")
    sheet = UploadSheet.objects.get()
    assert sheet.ocr_state == "reading" and sheet.number == "scan"
    assert 'data-mark="reading"' in client.get(review).content.decode()
    drain_tasks()
    sheet.refresh_from_db()
    assert sheet.ocr_state == "done"
    assert (sheet.number, sheet.title.upper()) == ("A-501", "WALL SECTIONS")
    assert sheet.evidence["number"]["source"] == recognition.OCR
    polled = client.get(f"{review}sheets/0/?ocr=1").content.decode()
    assert 'data-ocr-number="A-501"' in polled
    html = client.get(review).content.decode()
    assert 'value="A-501"' in html and 'data-mark="ocr"' in html
    assert 'data-mark="low-number"' in html  # OCR is always worth a look


def test_without_tesseract_uploads_work_and_the_review_says_so(
    cast: Cast, page_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    client = page_as(cast.gc_pm)
    with mock.patch.object(ocr, "available", return_value=False):
        review = _upload(cast, client, _scan(), "Tower.pdf")
        drain_tasks()
        html = client.get(review).content.decode()
    sheet = UploadSheet.objects.get()
    assert (sheet.ocr_state, sheet.number) == ("off", "Tower")
    assert 'id="ocr-off"' in html and 'data-mark="ocr-off"' in html
    assert 'data-mark="not-recognised"' in html


def test_ocr_failing_or_timing_out_leaves_the_fields_flagged(
    cast: Cast, page_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    import pytesseract

    client = page_as(cast.gc_pm)
    review = _upload(cast, client, _scan(), "Tower.pdf")
    with mock.patch.object(
        pytesseract, "image_to_data", side_effect=RuntimeError("Tesseract process timeout")
    ):
        drain_tasks()
    sheet = UploadSheet.objects.get()
    assert (sheet.ocr_state, sheet.number) == ("failed", "Tower")
    html = client.get(review).content.decode()
    assert 'data-mark="ocr-failed"' in html and 'data-mark="not-recognised"' in html


def test_preparing_a_sheet_twice_or_after_the_upload_went_is_harmless(
    cast: Cast, page_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    client = page_as(cast.gc_pm)
    _upload(cast, client, _scan(), "scan.pdf")
    drain_tasks()
    sheet = UploadSheet.objects.get()
    first = (sheet.thumbnail_id, sheet.crop_id, sheet.number, sheet.ocr_state)
    upload_sheet_prepare(sheet_id=sheet.pk)
    sheet.refresh_from_db()
    assert (sheet.thumbnail_id, sheet.crop_id, sheet.number, sheet.ocr_state) == first
    Upload.objects.all().delete()
    upload_sheet_prepare(sheet_id=sheet.pk)  # gone: nothing to do, no error


def _shapes_block() -> bytes:
    """Notes in the text layer, the title block only as drawn shapes (here a picture)."""
    import io

    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    doc = pdfium.PdfDocument(_scan())
    try:
        image = doc[0].render(scale=150 / 72).to_pil().convert("L")
    finally:
        doc.close()
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(1224, 792))
    c.drawImage(ImageReader(image), 0, 0, 1224, 792)
    c.setFont("Helvetica", 7)
    c.drawString(100, 700, "GENERAL NOTE: VERIFY ALL DIMENSIONS ON SITE.")
    c.showPage()
    c.save()
    return buffer.getvalue()


def test_a_page_with_text_but_no_title_block_in_it_is_read_by_ocr(
    cast: Cast, page_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    client = page_as(cast.gc_pm)
    _upload(cast, client, _shapes_block(), "shx.pdf")
    sheet = UploadSheet.objects.get()
    assert sheet.evidence["has_text"] is True
    assert sheet.ocr_state == "reading" and sheet.number == "shx"
    drain_tasks()
    sheet.refresh_from_db()
    assert sheet.ocr_state == "done"
    assert (sheet.number, sheet.title.upper()) == ("A-501", "WALL SECTIONS")
    assert sheet.evidence["number"]["source"] == recognition.OCR


def test_a_number_drawn_as_shapes_beside_a_text_title_is_read_by_ocr(
    cast: Cast, page_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    import io

    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    shapes = io.BytesIO()  # the number alone, to be flattened to a picture
    c = Canvas(shapes, pagesize=(1224, 792))
    c.setFont("Helvetica-Bold", 30)
    c.drawString(1080, 40, "A-204")
    c.showPage()
    c.save()
    doc = pdfium.PdfDocument(shapes.getvalue())
    try:
        image = doc[0].render(scale=150 / 72).to_pil().convert("L")
    finally:
        doc.close()
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(1224, 792))
    c.drawImage(ImageReader(image), 0, 0, 1224, 792)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(800, 60, "ENLARGED STAIR PLANS")
    c.showPage()
    c.save()
    client = page_as(cast.gc_pm)
    _upload(cast, client, buffer.getvalue(), "stair.pdf")
    sheet = UploadSheet.objects.get()
    assert sheet.ocr_state == "reading" and sheet.title == "ENLARGED STAIR PLANS"
    drain_tasks()
    sheet.refresh_from_db()
    assert (sheet.ocr_state, sheet.number) == ("done", "A-204")
