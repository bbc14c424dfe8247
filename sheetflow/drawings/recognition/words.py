"""Words with boxes and font sizes from a pdfium text page, in displayed coordinates.

Displayed means as a viewer shows the page: the CropBox is the visible area and /Rotate
turns it. Boxes are (x0, y0, x1, y1) with the origin at the displayed top-left corner and
y growing downwards, in points.
"""

from __future__ import annotations

import ctypes
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
    textpage = page.get_textpage()
    try:
        count = pdfium_c.FPDFText_CountChars(textpage.raw)
        if count <= max_chars:
            indices: list[range] = [range(count)]
        else:
            half = max_chars // 2
            indices = [range(half), range(count - half, count)]
        words: list[Word] = []
        for span in indices:
            words.extend(_words(textpage, span, transform))
        # Text outside the crop box (printer's marks, old title blocks) is not on the sheet.
        words = [w for w in words if 0 <= w.cx <= width and 0 <= w.cy <= height]
    finally:
        textpage.close()
    return PageText(width, height, tuple(words), truncated=count > max_chars)


def _words(textpage: pdfium.PdfTextPage, span: range, transform: _Transform) -> list[Word]:
    raw = textpage.raw
    # Loose boxes span each glyph's advance and the font's ascent/descent: adjacent glyphs
    # of a word touch, whatever their ink (a narrow "1" leaves a gap in tight boxes).
    rect = pdfium_c.FS_RECTF()
    x_ref, y_ref = ctypes.c_double(), ctypes.c_double()
    out: list[Word] = []
    chars: list[str] = []
    boxes: list[tuple[float, ...]] = []
    sizes: list[float] = []
    origins: list[tuple[float, float]] = []

    def flush() -> None:
        if chars:
            out.append(_word(chars, boxes, sizes, origins))
            chars.clear()
            boxes.clear()
            sizes.clear()
            origins.clear()

    for i in span:
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        if code in (0, 0xFFFE, 0xFFFF) or code > 0x10FFFF:
            flush()
            continue
        ch = chr(code)
        if ch.isspace():
            flush()
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect):
            continue
        pdfium_c.FPDFText_GetCharOrigin(raw, i, x_ref, y_ref)
        box = transform.box(rect.left, rect.bottom, rect.right, rect.top)
        origin = transform.point(x_ref.value, y_ref.value)
        size = pdfium_c.FPDFText_GetFontSize(raw, i)
        if chars and _breaks(origins[-1], boxes[-1], sizes[-1], origin, box, size):
            flush()
        chars.append(ch)
        boxes.append(box)
        sizes.append(size)
        origins.append(origin)
    flush()
    return out


def _breaks(
    prev_origin: tuple[float, float],
    prev_box: tuple[float, ...],
    prev_size: float,
    origin: tuple[float, float],
    box: tuple[float, ...],
    size: float,
) -> bool:
    """True when the next character does not continue the word (new line, gap, new size)."""
    em = max(prev_size, size, 1.0)
    dx = origin[0] - prev_origin[0]
    dy = origin[1] - prev_origin[1]
    if abs(size - prev_size) > 0.25 * em:
        return True
    if abs(dy) <= 0.3 * em:  # same displayed baseline: horizontal text
        gap = box[0] - prev_box[2]
        return dx <= 0 or gap > 0.35 * em
    if abs(dx) <= 0.3 * em:  # vertical text
        gap = min(abs(box[1] - prev_box[3]), abs(prev_box[1] - box[3]))
        return gap > 0.35 * em
    return True


def _word(
    chars: list[str],
    boxes: list[tuple[float, ...]],
    sizes: list[float],
    origins: list[tuple[float, float]],
) -> Word:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[2] for b in boxes)
    y1 = max(b[3] for b in boxes)
    horizontal = len(origins) == 1 or abs(origins[-1][1] - origins[0][1]) <= abs(
        origins[-1][0] - origins[0][0]
    )
    sizes_sorted = sorted(sizes)
    size = sizes_sorted[len(sizes_sorted) // 2]
    return Word("".join(chars), x0, y0, x1, y1, size, horizontal)
