"""Preparing an upload's sheets for review in the worker: thumbnail, title-block crop, OCR."""

from __future__ import annotations

import io
import logging
from statistics import median
from typing import Any

from django.conf import settings
from django.db import transaction
from PIL import Image

from sheetflow.drawings import pdfjobs, recognition
from sheetflow.drawings.blobs import blob_put, blob_read, tracked_writes
from sheetflow.drawings.models import UploadSheet
from sheetflow.drawings.recognition import ocr

logger = logging.getLogger(__name__)

# OCR states of an upload sheet.
OCR_NONE = ""  # not needed: the text layer was read
OCR_READING = "reading"
OCR_DONE = "done"
OCR_EMPTY = "empty"  # read, but no sheet number in what it read
OCR_FAILED = "failed"
OCR_OFF = "off"  # tesseract is not installed

# Where title blocks are when nothing else says: the bottom-right of the sheet.
DEFAULT_REGION = recognition.Box(0.55, 0.6, 1.0, 1.0)
_RENDER_DPI = 200
_THUMB_WIDTH = 240


def needs_ocr(evidence: dict[str, Any]) -> bool:
    """Pages without a number: no text layer (scans), or a title block drawn as shapes."""
    if evidence.get("recognised", True):
        return False
    return not evidence.get("has_text", True) or evidence.get("read_again") is True


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _region(sheet: UploadSheet) -> recognition.Box:
    """The sheet's own title block, else where its siblings have theirs, else the corner."""
    block = (sheet.evidence or {}).get("block")
    if block:
        return recognition.Box(*block)
    siblings = [
        s["block"]
        for s in UploadSheet.objects.filter(upload_id=sheet.upload_id)
        .exclude(pk=sheet.pk)
        .values_list("evidence", flat=True)
        if isinstance(s, dict) and s.get("block")
    ]
    if siblings:
        return recognition.Box(*(median(b[k] for b in siblings) for k in range(4)))
    return DEFAULT_REGION


def upload_sheet_prepare(*, sheet_id: int) -> None:
    """Render the review's thumbnail and crop, and OCR a page without text (idempotent)."""
    sheet = UploadSheet.objects.select_related("sheet").filter(pk=sheet_id).first()
    if sheet is None:
        return  # confirmed or discarded meanwhile
    wants_ocr = needs_ocr(sheet.evidence or {}) and sheet.ocr_state in (OCR_NONE, OCR_READING)
    if sheet.thumbnail_id and sheet.crop_id and not wants_ocr:
        return
    region = _region(sheet)
    if wants_ocr and (sheet.evidence or {}).get("has_text"):
        # The text layer gave a title but no number: the number is elsewhere in the block,
        # most likely in the corner.
        region = region.union(DEFAULT_REGION)
    updates: dict[str, Any] = {}
    with tracked_writes():
        images = None
        try:
            data = blob_read(sheet.sheet)
            images = pdfjobs.review_images(
                data, _THUMB_WIDTH, (region.x0, region.y0, region.x1, region.y1), _RENDER_DPI
            )
        except Exception:
            logger.exception("Could not render upload sheet %s", sheet_id)
        if images is not None:
            updates["thumbnail_id"] = blob_put(images.page_png, "image/png").pk
            crop = Image.open(io.BytesIO(images.region_png))
            crop.thumbnail((640, 640))
            updates["crop_id"] = blob_put(_png(crop), "image/png").pk
        if wants_ocr:
            updates.update(_ocr(sheet, images, region))
        _save(sheet_id, updates)


def _ocr(sheet: UploadSheet, images: Any, region: recognition.Box) -> dict[str, Any]:
    """New number/title from OCR, or only a state: fields stay as they were on failure."""
    if not ocr.available():
        return {"ocr_state": OCR_OFF}
    if images is None:
        return {"ocr_state": OCR_FAILED}
    try:
        text = ocr.region_text(
            Image.open(io.BytesIO(images.region_png)),
            region,
            images.width,
            images.height,
            timeout=settings.OCR_TIMEOUT_SECONDS,
        )
    except ocr.OcrFailed:
        logger.warning("OCR failed or timed out on upload sheet %s", sheet.pk)
        return {"ocr_state": OCR_FAILED}
    result = recognition.recognize_page(text)
    evidence = dict(sheet.evidence or {})
    out: dict[str, Any] = {"ocr_state": OCR_DONE if result.number is not None else OCR_EMPTY}
    if result.number is not None:
        out["number"] = result.number.value[:60]
        evidence["number"] = _as_ocr(result.number)
        evidence["recognised"] = True
        if result.title is not None:
            out["title"] = result.title.value[:200]
            evidence["title"] = _as_ocr(result.title)
        if result.block is not None:
            evidence["block"] = result.block.as_list()
    evidence["ocr"] = True
    out["evidence"] = evidence
    return out


def _as_ocr(found: recognition.Field) -> dict[str, Any]:
    return {
        "value": found.value,
        # OCR misreads (0/O, 1/I): never more than fairly sure, so the review flags it.
        "confidence": min(found.confidence, 0.55),
        "source": recognition.OCR,
        "box": found.box.as_list() if found.box else None,
    }


def _save(sheet_id: int, updates: dict[str, Any]) -> None:
    # Derived data only: no change counter is taken (uploads are not synced).
    with transaction.atomic():
        sheet = UploadSheet.objects.select_for_update().filter(pk=sheet_id).first()
        if sheet is None:
            return
        for name, value in updates.items():
            setattr(sheet, name, value)
        sheet.save(update_fields=[n.removesuffix("_id") for n in updates])


def upload_sheets_state(sheets: list[UploadSheet]) -> bool:
    """Whether the worker still has something to do for these sheets (the page polls)."""
    return any(not s.thumbnail_id or s.ocr_state == OCR_READING for s in sheets)
