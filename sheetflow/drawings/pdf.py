"""PDF handling with pypdfium2: checks, splitting into sheets, title-block text, rendering.

These are the pure implementations: callers never run them in their own process but through
``pdfjobs``, which runs them in a child process within a budget (pdfium is not thread-safe
and a hostile file can need unbounded memory or time).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path, PurePath

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


_CREATED_RE = re.compile(rb"(/CreationDate\s*\(D:)\d{14}")
_ID_RE = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")


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
