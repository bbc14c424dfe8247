"""The image difference behind revision compare, on drawn arrays (no PDF, no database)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from sheetflow.drawings.compare import COLOUR_A, COLOUR_B, GREY, difference, word_changes


def sheet(width: int = 1200, height: int = 800) -> np.ndarray:
    """White paper with a border and a few lines, like a drawing's frame."""
    page = np.full((height, width), 255, dtype=np.uint8)
    page[20:23, 20:-20] = page[-23:-20, 20:-20] = 0
    page[20:-20, 20:23] = page[20:-20, -23:-20] = 0
    page[400:402, 100:1100] = 0
    return page


def test_three_separate_changes_are_three_outlined_areas() -> None:
    before, after = sheet(), sheet()
    after[100:140, 100:300] = 0  # a note added top left
    before[600:650, 900:1000] = 0  # a detail removed bottom right
    after[300:310, 600:700] = 0  # a dimension line added in the middle
    result = difference(before, after)
    assert len(result.regions) == 3
    changes = [(100, 100, 200, 40), (900, 600, 100, 50), (600, 300, 100, 10)]
    for cx, cy, cw, ch in changes:
        inside = [
            (x, y, w, h)
            for x, y, w, h in result.regions
            if x <= cx and y <= cy and cx + cw <= x + w and cy + ch <= y + h
        ]
        assert len(inside) == 1, (cx, cy)
    for x, y, w, h in result.regions:
        assert w > 0 and h > 0 and x + w <= 1200 and y + h <= 800


def test_identical_and_slightly_shifted_sheets_have_no_changed_area() -> None:
    assert difference(sheet(), sheet()).regions == []
    shifted = np.roll(sheet(), 1, axis=1)  # one pixel of misregistration
    assert difference(sheet(), shifted).regions == []


def test_the_overlay_shows_the_first_in_red_the_second_in_blue_and_the_rest_in_grey() -> None:
    before, after = sheet(), sheet()
    before[100:120, 100:200] = 0
    after[600:620, 800:900] = 0
    result = difference(before, after)
    overlay = np.array(Image.open(io.BytesIO(result.overlay)).convert("RGB"))
    assert tuple(overlay[110, 150]) == COLOUR_A
    assert tuple(overlay[610, 850]) == COLOUR_B
    assert tuple(overlay[401, 500]) == GREY
    assert tuple(overlay[300, 300]) == (255, 255, 255)


def test_sheets_of_different_sizes_are_aligned_on_the_bigger_canvas() -> None:
    small, big = sheet(1000, 700), sheet(1200, 800)
    result = difference(small, big)
    assert (result.width, result.height) == (1200, 800)
    assert Image.open(io.BytesIO(result.image_a)).size == (1200, 800)
    assert result.regions  # the bigger frame is new


def test_word_changes_list_what_was_added_and_removed_in_reading_order() -> None:
    before = ["GENERAL", "NOTES", "1.", "SLAB", '6"', "THICK", "DIM", "12'-6\"", "A", "B"]
    after = ["GENERAL", "NOTES", "1.", "SLAB", '8"', "THICK", "DIM", "13'-0\"", "NEW", "NOTE", "A"]
    added, removed = word_changes(before, after)
    assert added == ['8"', "13'-0\"", "NEW", "NOTE"]
    assert removed == ['6"', "12'-6\""]
