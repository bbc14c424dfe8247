"""The difference between two renderings of a sheet (pure numpy/Pillow, no database).

Both sheets are rendered in grey at the same scale and aligned by their top-left corner.
Ink is what is darker than a threshold; ink of one sheet with no ink of the other within a
couple of pixels is a change (the tolerance absorbs anti-aliasing and sub-pixel shifts).
Changes are counted on a grid of small cells, neighbouring changed cells are joined into
regions, and regions that touch are merged into boxes.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass

import numpy as np
from PIL import Image

INK = 128  # darker grey levels are ink: lines and text, not light tints and fills
TOLERANCE = 2  # pixels: ink moved by less than this is not a change
CELL = 16  # pixels per side of the cells changes are counted in
MIN_CELL_PIXELS = 8  # fewer changed pixels in a cell is noise
JOIN = 1  # cells: changes this close belong to one region
MARGIN = 6  # pixels added around each box so the outline does not hide the change
MAX_REGIONS = 100
MAX_WORDS = 200

GREY = (175, 175, 175)
COLOUR_A = (214, 39, 40)  # only in the first revision (removed): red
COLOUR_B = (31, 119, 180)  # only in the second revision (added): blue

Box = tuple[int, int, int, int]  # x, y, width, height in pixels of the aligned canvas


@dataclass(frozen=True)
class Difference:
    """What changed between two renderings, with the images to show it."""

    width: int
    height: int
    regions: list[Box]
    overlay: bytes  # PNG: unchanged ink grey, first-only red, second-only blue
    image_a: bytes  # PNG: the first rendering on the aligned canvas
    image_b: bytes


def _grow(mask: np.ndarray, steps: int) -> np.ndarray:
    """Dilate a boolean mask by ``steps`` pixels (a square neighbourhood)."""
    out = mask.copy()
    for _ in range(steps):
        grown = out.copy()
        grown[1:, :] |= out[:-1, :]
        grown[:-1, :] |= out[1:, :]
        grown[:, 1:] |= out[:, :-1]
        grown[:, :-1] |= out[:, 1:]
        out = grown
    return out


def _pad(image: np.ndarray, height: int, width: int) -> np.ndarray:
    canvas = np.full((height, width), 255, dtype=np.uint8)
    canvas[: image.shape[0], : image.shape[1]] = image
    return canvas


def _components(cells: np.ndarray) -> list[list[tuple[int, int]]]:
    """Groups of 8-connected true cells (the grid is small: a few tens of thousands)."""
    seen = np.zeros_like(cells, dtype=bool)
    rows, cols = cells.shape
    groups = []
    for start in zip(*np.nonzero(cells), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        stack, group = [start], []
        while stack:
            r, c = stack.pop()
            group.append((int(r), int(c)))
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    nr, nc = r + dr, c + dc
                    if 0 <= nr < rows and 0 <= nc < cols and cells[nr, nc] and not seen[nr, nc]:
                        seen[nr, nc] = True
                        stack.append((nr, nc))
        groups.append(group)
    return groups


def _mostly_inside(a: Box, b: Box) -> bool:
    """Whether half or more of the smaller box lies inside the other."""
    ix = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    iy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return False
    return ix * iy * 2 >= min(a[2] * a[3], b[2] * b[3])


def _merge(boxes: list[Box]) -> list[Box]:
    """Merge boxes that mostly overlap, until none do.

    Boxes that merely cross are kept apart: one long changed line (a moved boundary)
    would otherwise swallow every change on the sheet into one box.
    """
    merged = True
    while merged:
        merged = False
        out: list[Box] = []
        for box in boxes:
            x, y, w, h = box
            for i, (ox, oy, ow, oh) in enumerate(out):
                if _mostly_inside(box, out[i]):
                    nx, ny = min(x, ox), min(y, oy)
                    out[i] = (nx, ny, max(x + w, ox + ow) - nx, max(y + h, oy + oh) - ny)
                    merged = True
                    break
            else:
                out.append(box)
        boxes = out
    return boxes


def changed_regions(changed: np.ndarray) -> list[Box]:
    """Boxes around the clusters of changed pixels, largest first."""
    height, width = changed.shape
    rows, cols = -(-height // CELL), -(-width // CELL)
    padded = np.zeros((rows * CELL, cols * CELL), dtype=np.uint32)
    padded[:height, :width] = changed
    counts = padded.reshape(rows, CELL, cols, CELL).sum(axis=(1, 3))
    marked = counts >= MIN_CELL_PIXELS
    joined = _grow(marked, JOIN)
    boxes: list[Box] = []
    for group in _components(joined):
        own = [(r, c) for r, c in group if marked[r, c]]
        if not own:
            continue
        top = min(r for r, _ in own) * CELL - MARGIN
        left = min(c for _, c in own) * CELL - MARGIN
        bottom = (max(r for r, _ in own) + 1) * CELL + MARGIN
        right = (max(c for _, c in own) + 1) * CELL + MARGIN
        x, y = max(left, 0), max(top, 0)
        boxes.append((x, y, min(right, width) - x, min(bottom, height) - y))
    boxes = _merge(boxes)
    boxes.sort(key=lambda b: (-b[2] * b[3], b[1], b[0]))
    return boxes[:MAX_REGIONS]


def _png(array: np.ndarray, mode: str) -> bytes:
    out = io.BytesIO()
    Image.fromarray(array, mode).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def difference(a: np.ndarray, b: np.ndarray) -> Difference:
    """Compare two grey renderings (uint8 arrays, same scale) of two revisions of a sheet."""
    height, width = max(a.shape[0], b.shape[0]), max(a.shape[1], b.shape[1])
    a, b = _pad(a, height, width), _pad(b, height, width)
    ink_a, ink_b = a < INK, b < INK
    only_a = ink_a & ~_grow(ink_b, TOLERANCE)
    only_b = ink_b & ~_grow(ink_a, TOLERANCE)
    overlay = np.full((height, width, 3), 255, dtype=np.uint8)
    overlay[ink_a | ink_b] = GREY
    overlay[only_a] = COLOUR_A
    overlay[only_b] = COLOUR_B
    return Difference(
        width=width,
        height=height,
        regions=changed_regions(only_a | only_b),
        overlay=_png(overlay, "RGB"),
        image_a=_png(a, "L"),
        image_b=_png(b, "L"),
    )


def _meaningful(word: str) -> bool:
    # Single letters are mostly letter-spaced labels split apart; digits always matter
    # (a changed dimension "5" -> "6").
    return len(word) > 1 or word.isdigit()


def word_changes(words_a: list[str], words_b: list[str]) -> tuple[list[str], list[str]]:
    """(added, removed): words the second text layer has more of, and fewer of, than the first."""
    count_a = Counter(w for w in words_a if _meaningful(w))
    count_b = Counter(w for w in words_b if _meaningful(w))
    return _in_order(words_b, count_b - count_a), _in_order(words_a, count_a - count_b)


def _in_order(words: list[str], extra: Counter[str]) -> list[str]:
    """The words of ``extra`` in the order they appear on the sheet (reading order)."""
    out: list[str] = []
    for word in words:
        if extra[word] > 0 and len(out) < MAX_WORDS:
            extra[word] -= 1
            out.append(word)
    return out
