"""Words with boxes and font sizes from a pdfium text page, in displayed coordinates.

Displayed means as a viewer shows the page: the CropBox is the visible area and /Rotate
turns it. Boxes are (x0, y0, x1, y1) with the origin at the displayed top-left corner and
y growing downwards, in points.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# Reading boxes costs a few microseconds per character; a site plan can carry 50 000 of
# them. Past this cap only the start and the end of the content are read: title blocks are
# drawn either first (a sheet template) or last (an overlay), almost never in the middle.
MAX_CHARS = 12_000


@dataclass(frozen=True)
class Word:
    """A run of characters without a space, with its displayed box and font size."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    # False for text that runs vertically on the displayed page (side labels, dimensions).
    horizontal: bool = True
    upward: bool = False  # vertical text read from bottom to top

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True)
class PageText:
    """The words of one page and its displayed size."""

    width: float
    height: float
    words: tuple[Word, ...]
    truncated: bool = False


class _Transform:
    """Maps PDF user-space points to displayed top-down coordinates."""

    def __init__(self, crop: tuple[float, float, float, float], rotation: int) -> None:
        self.left, self.bottom, self.right, self.top = crop
        self.w = self.right - self.left
        self.h = self.top - self.bottom
        self.rotation = rotation % 360

    @property
    def size(self) -> tuple[float, float]:
        return (self.h, self.w) if self.rotation in (90, 270) else (self.w, self.h)

    def point(self, x: float, y: float) -> tuple[float, float]:
        u, v = x - self.left, self.top - y  # unrotated, top-down
        if self.rotation == 90:
            return self.h - v, u
        if self.rotation == 180:
            return self.w - u, self.h - v
        if self.rotation == 270:
            return v, self.w - u
        return u, v

    def box(self, left: float, bottom: float, right: float, top: float) -> tuple[float, ...]:
        ax, ay = self.point(left, bottom)
        bx, by = self.point(right, top)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def page_text(page: pdfium.PdfPage, *, max_chars: int = MAX_CHARS) -> PageText:
    """Read the words of a page (bounded by ``max_chars``) in displayed coordinates."""
    crop = page.get_cropbox()
    transform = _Transform(crop, page.get_rotation())
    width, height = transform.size
    if not (width > 0 and height > 0):
        return PageText(max(width, 0.0), max(height, 0.0), ())
    textpage = page.get_textpage()
    try:
        count = pdfium_c.FPDFText_CountChars(textpage.raw)
        if count <= max_chars:
            indices: list[range] = [range(count)]
        else:
            half = max_chars // 2
            indices = [range(half), range(count - half, count)]
        text = _text(textpage, count)
        words: list[Word] = []
        for span in indices:
            words.extend(_words(textpage, text, span, transform))
        # Text outside the crop box (printer's marks, old title blocks) is not on the sheet;
        # a word that runs over its edge (a long title overflowing its block) still is.
        words = [w for w in words if w.x0 < width and w.x1 > 0 and w.y0 < height and w.y1 > 0]
    finally:
        textpage.close()
    return PageText(width, height, tuple(words), truncated=count > max_chars)


_WORD_RE = re.compile(r"[^\s\x00\ufffe\uffff]+")


def _text(textpage: pdfium.PdfTextPage, count: int) -> str:
    """The page's characters, one per character index (pdfium's own spaces included)."""
    text = textpage.get_text_range(0, count) if count else ""
    if len(text) != count:  # characters outside the BMP shift indices: read one by one
        raw = textpage.raw
        text = "".join(
            chr(code) if 0 < (code := pdfium_c.FPDFText_GetUnicode(raw, i)) <= 0x10FFFF else " "
            for i in range(count)
        )
    return text


def _words(
    textpage: pdfium.PdfTextPage, text: str, span: range, transform: _Transform
) -> list[Word]:
    """Words split where pdfium puts spaces and line breaks (it adds them at gaps).

    Only the first and last character of each word are measured: a few calls per word
    instead of per character keep a dense sheet cheap.
    """
    raw = textpage.raw
    # Loose boxes span each glyph's advance and the font's ascent/descent: adjacent glyphs
    # of a word touch, whatever their ink (a narrow "1" leaves a gap in tight boxes).
    first, last = pdfium_c.FS_RECTF(), pdfium_c.FS_RECTF()
    out: list[Word] = []
    for match in _WORD_RE.finditer(text, span.start, span.stop):
        a, b = match.start(), match.end() - 1
        if b != a and _object(raw, a) != _object(raw, b):
            # Two text runs without a space between them (pdfium adds none when the runs
            # nearly touch or overlap): measure each character and split at gaps.
            out.extend(_split_runs(raw, match.group(), a, transform))
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(raw, a, first):
            continue
        if b != a and not pdfium_c.FPDFText_GetLooseCharBox(raw, b, last):
            continue
        box_a = transform.box(first.left, first.bottom, first.right, first.top)
        box_b = box_a if b == a else transform.box(last.left, last.bottom, last.right, last.top)
        size = pdfium_c.FPDFText_GetFontSize(raw, a)
        if b != a:
            size = max(size, pdfium_c.FPDFText_GetFontSize(raw, b))
        ca = ((box_a[0] + box_a[2]) / 2, (box_a[1] + box_a[3]) / 2)
        cb = ((box_b[0] + box_b[2]) / 2, (box_b[1] + box_b[3]) / 2)
        horizontal = b == a or abs(cb[1] - ca[1]) <= abs(cb[0] - ca[0])
        out.append(
            Word(
                match.group(),
                min(box_a[0], box_b[0]),
                min(box_a[1], box_b[1]),
                max(box_a[2], box_b[2]),
                max(box_a[3], box_b[3]),
                size,
                horizontal,
                not horizontal and cb[1] < ca[1],
            )
        )
    return out


def _object(raw: object, index: int) -> int | None:
    obj = pdfium_c.FPDFText_GetTextObject(raw, index)
    return ctypes.cast(obj, ctypes.c_void_p).value


def _split_runs(raw: object, chars: str, start: int, transform: _Transform) -> list[Word]:
    rect = pdfium_c.FS_RECTF()
    out: list[Word] = []
    run: list[tuple[str, tuple[float, ...], float]] = []

    def flush() -> None:
        if run:
            boxes = [r[1] for r in run]
            out.append(
                Word(
                    "".join(r[0] for r in run),
                    min(b[0] for b in boxes),
                    min(b[1] for b in boxes),
                    max(b[2] for b in boxes),
                    max(b[3] for b in boxes),
                    max(r[2] for r in run),
                )
            )
            run.clear()

    for offset, ch in enumerate(chars):
        if not pdfium_c.FPDFText_GetLooseCharBox(raw, start + offset, rect):
            continue
        box = transform.box(rect.left, rect.bottom, rect.right, rect.top)
        size = pdfium_c.FPDFText_GetFontSize(raw, start + offset)
        if run:
            prev_box, prev_size = run[-1][1], run[-1][2]
            em = max(size, prev_size, 1.0)
            same_row = abs((box[1] + box[3]) - (prev_box[1] + prev_box[3])) / 2 <= 0.3 * em
            gap = box[0] - prev_box[2]
            # New run: another size, another row, a gap, or drawn back over the last glyph.
            if abs(size - prev_size) > 0.1 * em or not same_row or not -0.3 * em < gap < 0.3 * em:
                flush()
        run.append((ch, box, size))
    flush()
    return out
