"""PDF handling with pypdfium2: checks, splitting into sheets, title-block text, rendering.

These are the pure implementations: callers never run them in their own process but through
``pdfjobs``, which runs them in a child process within a budget (pdfium is not thread-safe
and a hostile file can need unbounded memory or time).
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from sheetflow.common.errors import ServiceError
from sheetflow.drawings import recognition

# A drawing number: a letter prefix, an optional separator, digits, optional suffixes
# (A-101, S201, FP-001, E-2.01, M-101A).
NUMBER_RE = re.compile(r"\b([A-Z]{1,3}[-. ]?\d{1,4}(?:[.-]\d{1,3})?[A-Z]?)\b")


logger = logging.getLogger(__name__)

# Seconds of text recognition one uploaded file may use in the web request.
RECOGNITION_SECONDS = 4.0
# Pages of one file with a text layer but no title block found that the worker still OCRs.
OCR_TEXT_PAGES = 25

_ENCRYPT_RE = re.compile(rb"/Encrypt\b")
_PAGE_RE = re.compile(rb"/Type\s*/Page(?!s)\b")
_EMPTY_TREE_RE = re.compile(rb"/Count\s*0\b")


@dataclass(frozen=True)
class Sheet:
    """One page of an uploaded PDF as its own one-page PDF, with what its title block says."""

    data: bytes
    number: str
    title: str
    source_name: str
    # How the number and title were found (confidence, source, boxes): see recognition.
    evidence: dict[str, Any] = field(default_factory=dict)


def refuse(name: str, message: str, code: str) -> ServiceError:
    return ServiceError(f"{name}: {message}", code=code)


def _ends(source: bytes | Path) -> tuple[bytes, bytes]:
    if isinstance(source, bytes):
        return source[:1024], source[-2048:]
    with source.open("rb") as f:
        head = f.read(1024)
        f.seek(max(0, source.stat().st_size - 2048))
        return head, f.read()


def open_pdf(source: bytes | Path, name: str) -> pdfium.PdfDocument:
    """Open a PDF (bytes or a file) or refuse it with a clear reason (empty, not a PDF…)."""
    head, tail = _ends(source)
    if not head:
        raise refuse(name, "the file is empty.", "empty_file")
    if b"%PDF-" not in head:
        raise refuse(name, "this is not a PDF file.", "not_pdf")
    if b"%%EOF" not in tail:
        raise refuse(name, "the PDF is truncated or corrupt.", "corrupt_pdf")
    try:
        # From a path pdfium reads what it needs; the file is never copied into memory.
        pdf = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
    except pdfium.PdfiumError as exc:
        # pdfium's error code can be stale from an earlier document, so look at the bytes.
        data = source if isinstance(source, bytes) else source.read_bytes()
        if _ENCRYPT_RE.search(data):
            raise refuse(
                name, "the PDF is encrypted; upload it unprotected.", "encrypted_pdf"
            ) from exc
        if _EMPTY_TREE_RE.search(data) and not _PAGE_RE.search(data):
            raise refuse(name, "the PDF has no pages.", "no_pages") from exc
        raise refuse(name, "the PDF is corrupt and cannot be read.", "corrupt_pdf") from exc
    if pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1:
        pdf.close()
        raise refuse(name, "the PDF is encrypted; upload it unprotected.", "encrypted_pdf")
    if len(pdf) == 0:
        pdf.close()
        raise refuse(name, "the PDF has no pages.", "no_pages")
    return pdf


def split(
    pdf: pdfium.PdfDocument, name: str, *, layout: recognition.Layout | None = None
) -> list[Sheet]:
    """One one-page PDF per page, with number and title recognised from the title block.

    ``layout`` is what the project's earlier uploads taught about its title block.
    """
    fallback_number, fallback_title = from_filename(name)
    count = len(pdf)
    pages: list[bytes] = []
    texts: list[recognition.PageText | None] = []
    # Recognition is bounded per upload file: past the budget, pages are split without it
    # (their numbers come from the file name, flagged for the uploader).
    deadline = time.monotonic() + RECOGNITION_SECONDS
    skipped: set[int] = set()
    for index in range(count):
        try:
            page = pdf[index]
            in_budget = time.monotonic() < deadline
            texts.append(_page_text(page) if in_budget else None)
            if not in_budget:
                skipped.add(index)
            page.close()
            out = pdfium.PdfDocument.new()
            out.import_pages(pdf, [index])
            buffer = io.BytesIO()
            out.save(buffer)
            out.close()
        except pdfium.PdfiumError as exc:
            raise refuse(name, f"page {index + 1} is corrupt.", "corrupt_pdf") from exc
        pages.append(_stable_id(buffer.getvalue()))
    try:
        results = recognition.recognize_set(texts, layout)
    except Exception:
        # Recognition only pre-fills a form: whatever a page holds, the upload goes on.
        logger.exception("Recognition failed on %s", name)
        results = [recognition.PageResult(None, None) for _ in texts]
    sheets = []
    read_again = 0
    for index, (data, text, result) in enumerate(zip(pages, texts, results, strict=True)):
        number, title = result.number, result.title
        # A page skipped for time may well have text: it is not sent to OCR.
        evidence = evidence_of(result, has_text=bool(text and text.words) or index in skipped)
        # Text but no title block in it: the block is likely drawn as shapes (SHX fonts,
        # outlined text). The worker reads it by OCR, for a bounded number of pages a file.
        evidence["read_again"] = (
            number is None
            and bool(text and text.words)
            and index not in skipped
            and read_again < OCR_TEXT_PAGES
        )
        read_again += evidence["read_again"]
        if number is None:
            value = fallback_number if count == 1 else f"{fallback_number}-{index + 1}"
            number = recognition.Field(value, 0.1, recognition.FILE_NAME)
            evidence["number"] = _field_json(number)
            evidence["recognised"] = False
        if title is None and fallback_title:
            title = recognition.Field(fallback_title, 0.3, recognition.FILE_NAME)
            evidence["title"] = _field_json(title)
        source = name if count == 1 else f"{name} (page {index + 1})"
        sheets.append(
            Sheet(
                data,
                number.value[:60],
                (title.value if title else "")[:200],
                source[:255],
                evidence,
            )
        )
    return sheets


def _page_text(page: pdfium.PdfPage) -> recognition.PageText | None:
    """The page's words; None when the text layer cannot be read (recognition then skips)."""
    try:
        return recognition.page_text(page)
    except (pdfium.PdfiumError, ValueError, OverflowError):
        return None


def _field_json(value: recognition.Field | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "value": value.value,
        "confidence": value.confidence,
        "source": value.source,
        "box": value.box.as_list() if value.box else None,
    }


def evidence_of(result: recognition.PageResult, *, has_text: bool) -> dict[str, Any]:
    """What the review and the learning need to know about one page's recognition."""
    return {
        "number": _field_json(result.number),
        "title": _field_json(result.title),
        "block": result.block.as_list() if result.block else None,
        "recognised": result.number is not None,
        "has_text": has_text,
        "lines": [[text[:120], box.as_list()] for text, box, _ in result.lines[:120]],
    }


_CREATED_RE = re.compile(rb"(/CreationDate\s*\(D:)\d{14}")
_ID_RE = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")
# pdfium dates every new document with the clock (to the second); the digits are replaced
# in place, keeping the length, so the cross-reference offsets stay right.
_CREATED_RE = re.compile(rb"(/CreationDate\s*\(D:)(\d{14})")


def _stable_id(data: bytes) -> bytes:
    """Replace the random file /ID pdfium writes with one derived from the content.

    The same page split twice then gives identical bytes, so it is stored once. pdfium also
    stamps the creation time to the second; that becomes a fixed time of the same length
    (the cross-reference offsets stay right).
    """
    data = _CREATED_RE.sub(rb"\g<1>20000101000000", data, count=1)
    match = _ID_RE.search(data)
    if match is None:
        return data
    blank = data[: match.start()] + data[match.end() :]
    digest = hashlib.md5(blank, usedforsecurity=False).hexdigest().upper().encode()
    first = digest[: len(match.group(1))].ljust(len(match.group(1)), b"0")
    second = digest[: len(match.group(2))].ljust(len(match.group(2)), b"0")
    return data[: match.start(1)] + first + b"><" + second + data[match.end(2) :]


def _clean_number(value: str) -> str:
    return re.sub(r"\s+", "-", value.strip().upper())


def from_filename(name: str) -> tuple[str, str]:
    """ "A-101 Floor Plan.pdf" -> ("A-101", "Floor Plan"); otherwise the stem as the number."""
    stem = PurePath(name).stem.replace("_", " ").strip()
    match = NUMBER_RE.match(stem.upper())
    if match:
        number = _clean_number(match.group(1))
        rest = stem[match.end() :].strip(" -_.")
        return number, rest
    return stem[:60] or "SHEET", ""


def render_scale(page_width: float, page_height: float, width: int, max_pixels: int) -> float:
    """The scale that makes a page ``width`` pixels wide, smaller if that passes ``max_pixels``.

    Scaling by width alone turns a tall narrow page into an enormous bitmap; bounding the area
    bounds the memory whatever the aspect ratio.
    """
    page_width, page_height = max(page_width, 1.0), max(page_height, 1.0)
    scale = width / page_width
    if page_width * page_height * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / (page_width * page_height))
        # pdfium rounds each side up to whole pixels: shrink until the rounded area fits too.
        while math.ceil(page_width * scale) * math.ceil(page_height * scale) > max_pixels:
            scale *= 0.999
    return scale


@dataclass(frozen=True)
class ReviewImages:
    """A page as the upload review needs it: whole (small) and its title-block region (sharp)."""

    page_png: bytes
    region_png: bytes
    width: float
    height: float


def review_images(
    data: bytes,
    page_width_px: int,
    region: tuple[float, float, float, float],
    dpi: float,
    *,
    max_pixels: int,
) -> ReviewImages:
    """Greyscale renderings of the first page and of ``region`` (fractions, top-left origin).

    Only the region is rendered at ``dpi`` (what OCR needs), so a large sheet stays within
    ``max_pixels`` in both renderings.
    """
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        width, height = page.get_size()
        whole = page.render(
            scale=render_scale(width, height, page_width_px, max_pixels),
            may_draw_forms=False,
            grayscale=True,
        ).to_pil()
        x0, y0, x1, y1 = (min(max(v, 0.0), 1.0) for v in region)
        x1, y1 = max(x1, x0 + 0.01), max(y1, y0 + 0.01)
        region_w, region_h = (x1 - x0) * width, (y1 - y0) * height
        scale = render_scale(region_w, region_h, int(region_w * dpi / 72), max_pixels)
        # crop: points cut from the displayed page's left, bottom, right and top.
        part = page.render(
            scale=scale,
            may_draw_forms=False,
            grayscale=True,
            crop=(x0 * width, (1 - y1) * height, (1 - x1) * width, y0 * height),
        ).to_pil()
        page.close()
        return ReviewImages(_grey_png(whole), _grey_png(part), width, height)
    finally:
        pdf.close()


def _grey_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("L").save(out, format="PNG", compress_level=1)
    return out.getvalue()


def render_png(data: bytes, width: int, *, max_pixels: int = 8_000_000) -> bytes:
    """Render the first page of a PDF to a PNG ``width`` pixels wide, within ``max_pixels``."""
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        page_width, page_height = page.get_size()
        scale = render_scale(page_width, page_height, width, max_pixels)
        bitmap = page.render(scale=scale, may_draw_forms=False)
        image = bitmap.to_pil()
        out = io.BytesIO()
        # Fast zlib level: several times quicker to write, files ~40% larger; worth it here.
        image.save(out, format="PNG", compress_level=1)
        page.close()
        return out.getvalue()
    finally:
        pdf.close()


def fit_scale(width: float, height: float, max_pixels: int) -> float:
    """Pixels per point at which a page of this size renders within ``max_pixels``."""
    scale = float((max_pixels / (width * height)) ** 0.5)
    # pdfium rounds the bitmap's sides up: step down until the rounded size fits too.
    while math.ceil(width * scale) * math.ceil(height * scale) > max_pixels:
        scale *= 0.999
    return scale


@dataclass(frozen=True)
class Layers:
    """A sheet's first page in 8-bit grey and its text layer's words (plain data)."""

    page_width: float  # points, as displayed (after /Rotate)
    page_height: float
    scale: float  # pixels per point
    width: int  # pixels
    height: int
    pixels: bytes
    words: list[str]


def sheet_layers(data: bytes, max_pixels: int, scale: float | None = None) -> Layers:
    """Render the first page in grey (at ``scale``, else within ``max_pixels``) and read its
    words, opening the file once (loading a page of a big CAD sheet is the costly part)."""
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        page_width, page_height = page.get_size()
        if page_width <= 0 or page_height <= 0:
            raise refuse("sheet", "the page has no size.", "corrupt_pdf")
        if scale is None:
            scale = fit_scale(page_width, page_height, max_pixels)
        bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=False)
        image = bitmap.to_pil().convert("L")
        if image.width * image.height > max_pixels:
            raise refuse("sheet", "the page is too big to render.", "too_big")
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_range() or ""
        finally:
            textpage.close()
            page.close()
        return Layers(
            float(page_width),
            float(page_height),
            scale,
            image.width,
            image.height,
            image.tobytes(),
            text.split(),
        )
    finally:
        pdf.close()
