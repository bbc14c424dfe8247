"""Set consensus: the pages of one upload share a title block; use it to settle doubts."""

from __future__ import annotations

import math
from collections import Counter
from statistics import median

from sheetflow.drawings.recognition import patterns as p
from sheetflow.drawings.recognition.fields import Layout, PageResult, recognize_page
from sheetflow.drawings.recognition.lines import lines_of
from sheetflow.drawings.recognition.words import PageText

# A position held by this share of the confident pages is the set's layout.
_AGREEMENT = 0.5


def _agreed(points: list[tuple[float, float]], tolerance: float) -> tuple[float, float] | None:
    if len(points) < 2:
        return None
    mx = median(x for x, _ in points)
    my = median(y for _, y in points)
    near = [pt for pt in points if math.hypot(pt[0] - mx, pt[1] - my) < tolerance]
    if len(near) < max(2, math.ceil(len(points) * _AGREEMENT)):
        return None
    return (median(x for x, _ in near), median(y for _, y in near))


def layout_of(results: list[PageResult], base: Layout | None = None) -> Layout:
    """The layout the confident pages agree on, plus lines repeated on most pages."""
    base = base or Layout()
    numbers = [
        (r.number.box.cx, r.number.box.cy)
        for r in results
        if r.number is not None and r.number.box is not None and not r.number.low
    ]
    titles = [
        (r.title.box.cx, r.title.box.cy)
        for r in results
        if r.title is not None and r.title.box is not None and not r.title.low
    ]
    repeated: frozenset[str] = base.repeated
    if len(results) >= 3:
        counts: Counter[str] = Counter()
        for r in results:
            counts.update({p.norm(p.strip_dates(text)[0]) for text, _, _ in r.lines})
        floor = max(3, math.ceil(len(results) * 0.6))
        repeated = repeated | {text for text, n in counts.items() if n >= floor}
    return Layout(
        number_at=base.number_at or _agreed(numbers, 0.03),
        title_at=base.title_at or _agreed(titles, 0.05),
        repeated=repeated,
        learned=base.learned,
    )


def recognize_set(pages: list[PageText | None], learned: Layout | None = None) -> list[PageResult]:
    """Recognise every page, then again with what the set has in common."""
    empty = PageResult(None, None)
    lines = [lines_of(t) if t is not None else [] for t in pages]
    first = [
        recognize_page(t, learned, ln) if t is not None else empty
        for t, ln in zip(pages, lines, strict=True)
    ]
    layout = layout_of([r for r in first if r is not empty], learned)
    if layout == (learned or Layout()):
        return first
    return [
        recognize_page(t, layout, ln) if t is not None and _doubtful(r, layout) else r
        for t, ln, r in zip(pages, lines, first, strict=True)
    ]


def _doubtful(result: PageResult, layout: Layout) -> bool:
    """Pages the set's layout may change: unsure fields, or a title the set repeats."""
    if result.number is None or result.number.low or result.title is None or result.title.low:
        return True
    return p.norm(result.title.value) in layout.repeated


def duplicates(numbers: list[str]) -> set[str]:
    """Numbers that occur on more than one sheet of an upload."""
    counts = Counter(n.upper() for n in numbers if n)
    return {n for n, c in counts.items() if c > 1}
