"""PDF handling with pypdfium2: checks, splitting into sheets, title-block text, rendering.

pdfium is not thread-safe: call these from one thread of a process (the web request for
checks and splitting, which are quick; the worker for rendering).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from dataclasses import dataclass
from pathlib import PurePath

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from sheetflow.common.errors import ServiceError

# A drawing number: a letter prefix, an optional separator, digits, optional suffixes
# (A-101, S201, FP-001, E-2.01, M-101A).
NUMBER_RE = re.compile(r"\b([A-Z]{1,3}[-. ]?\d{1,4}(?:[.-]\d{1,3})?[A-Z]?)\b")
_NUMBER_LABELS = ("SHEET NUMBER", "SHEET NO", "DRAWING NUMBER", "DRAWING NO", "DWG NO", "NUMBER")
_TITLE_LABELS = ("SHEET TITLE", "DRAWING TITLE", "TITLE")
_DATE_RE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


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


def refuse(name: str, message: str, code: str) -> ServiceError:
    return ServiceError(f"{name}: {message}", code=code)


def open_pdf(data: bytes, name: str) -> pdfium.PdfDocument:
    """Open a PDF or refuse it with a clear reason (empty, not a PDF, corrupt, encrypted…)."""
    if not data:
        raise refuse(name, "the file is empty.", "empty_file")
    if b"%PDF-" not in data[:1024]:
        raise refuse(name, "this is not a PDF file.", "not_pdf")
    if b"%%EOF" not in data[-2048:]:
        raise refuse(name, "the PDF is truncated or corrupt.", "corrupt_pdf")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        # pdfium's error code can be stale from an earlier document, so look at the bytes.
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


def split(pdf: pdfium.PdfDocument, name: str) -> list[Sheet]:
    """One one-page PDF per page, with number and title read from the title block."""
    sheets = []
    fallback_number, fallback_title = from_filename(name)
    count = len(pdf)
    for index in range(count):
        try:
            page = pdf[index]
            number, title = title_block(page)
            page.close()
            out = pdfium.PdfDocument.new()
            out.import_pages(pdf, [index])
            buffer = io.BytesIO()
            out.save(buffer)
            out.close()
        except pdfium.PdfiumError as exc:
            raise refuse(name, f"page {index + 1} is corrupt.", "corrupt_pdf") from exc
        if not number:
            number = fallback_number if count == 1 else f"{fallback_number}-{index + 1}"
        title = title or fallback_title
        source = name if count == 1 else f"{name} (page {index + 1})"
        data = _stable_id(buffer.getvalue())
        sheets.append(Sheet(data, number[:60], title[:200], source[:255]))
    return sheets


_ID_RE = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")


def _stable_id(data: bytes) -> bytes:
    """Replace the random file /ID pdfium writes with one derived from the content.

    The same page split twice then gives identical bytes, so it is stored once.
    """
    match = _ID_RE.search(data)
    if match is None:
        return data
    blank = data[: match.start()] + data[match.end() :]
    digest = hashlib.md5(blank, usedforsecurity=False).hexdigest().upper().encode()
    first = digest[: len(match.group(1))].ljust(len(match.group(1)), b"0")
    second = digest[: len(match.group(2))].ljust(len(match.group(2)), b"0")
    return data[: match.start(1)] + first + b"><" + second + data[match.end(2) :]


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _clean_number(value: str) -> str:
    return re.sub(r"\s+", "-", value.strip().upper())


def parse_title_block(text: str) -> tuple[str, str]:
    """(number, title) from title-block text; empty strings where nothing fits."""
    lines = _lines(text)
    number = title = ""
    for i, line in enumerate(lines):
        upper = line.upper().rstrip(":")
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if not number and upper in _NUMBER_LABELS and NUMBER_RE.search(following.upper()):
            number = _clean_number(NUMBER_RE.search(following.upper()).group(1))  # type: ignore[union-attr]
        elif not title and upper in _TITLE_LABELS and following:
            title = following
    if not number:
        for line in lines:
            match = NUMBER_RE.fullmatch(line.upper().strip())
            if match:
                number = _clean_number(match.group(1))
                break
    if not title:
        candidates = [
            line
            for line in lines
            if not NUMBER_RE.fullmatch(line.upper())
            and not _DATE_RE.search(line)
            and line.upper().rstrip(":") not in _NUMBER_LABELS + _TITLE_LABELS
            and not line.upper().startswith(("REV", "DATE", "SCALE", "PROJECT", "DRAWN"))
        ]
        title = max(candidates, key=len) if candidates and number else ""
    return number, title


def title_block(page: pdfium.PdfPage) -> tuple[str, str]:
    """Read the text layer near the bottom-right corner (where title blocks live)."""
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_bounded(left=width * 0.55, bottom=0, right=width, top=height * 0.4)
    finally:
        textpage.close()
    return parse_title_block(text or "")


def from_filename(name: str) -> tuple[str, str]:
    """ "A-101 Floor Plan.pdf" -> ("A-101", "Floor Plan"); otherwise the stem as the number."""
    stem = PurePath(name).stem.replace("_", " ").strip()
    match = NUMBER_RE.match(stem.upper())
    if match:
        number = _clean_number(match.group(1))
        rest = stem[match.end() :].strip(" -_.")
        return number, rest
    return stem[:60] or "SHEET", ""


def render_png(data: bytes, width: int) -> bytes:
    """Render the first page of a PDF to a PNG ``width`` pixels wide."""
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        page_width, _ = page.get_size()
        bitmap = page.render(scale=width / page_width, may_draw_forms=False)
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
