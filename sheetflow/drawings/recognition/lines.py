"""Words grouped into lines: same row, close together, letter-spaced text made whole."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from sheetflow.drawings.recognition.words import PageText, Word

MAX_LINES = 1500


@dataclass
class Line:
    """Horizontal words on one baseline, close together."""

    words: list[Word]
    text: str = ""
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0
    size: float = 0.0

    def finish(self) -> Line:
        self.text = " ".join(w.text for w in self.words)
        self.x0 = min(w.x0 for w in self.words)
        self.y0 = min(w.y0 for w in self.words)
        self.x1 = max(w.x1 for w in self.words)
        self.y1 = max(w.y1 for w in self.words)
        self.size = max(w.size for w in self.words)
        return self


def lines_of(text: PageText) -> list[Line]:
    """Group horizontal words into lines (same row, gaps under about one em)."""
    words = sorted((w for w in text.words if w.horizontal), key=lambda w: w.x0)
    lines: list[Line] = []
    rows: dict[int, list[Line]] = {}  # lines by 4-point row bucket of their last word
    for word in words:
        target = None
        bucket = int(word.cy // 4)
        for key in (bucket - 1, bucket, bucket + 1):
            for line in rows.get(key, []):
                last = line.words[-1]
                em = max(last.size, word.size, 1.0)
                if (
                    abs(last.cy - word.cy) <= 0.35 * em
                    and abs(last.size - word.size) <= 0.2 * em
                    and -0.2 * em <= word.x0 - last.x1 <= 1.0 * em
                ):
                    target = line
                    break
            if target is not None:
                break
        if target is None:
            if len(lines) >= MAX_LINES:
                continue
            target = Line([word])
            lines.append(target)
        else:
            rows[int(target.words[-1].cy // 4)].remove(target)
            target.words.append(word)
        rows.setdefault(bucket, []).append(target)
    return [_unspaced(line).finish() for line in lines]


def _unspaced(line: Line) -> Line:
    """Letter-spaced text (CAD exports draw each character apart) regrouped into words.

    Such a line comes out one character per word: characters closer than the line's usual
    gap belong to one word, a wider gap is a space.
    """
    words = line.words
    if len(words) < 3 or sum(len(w.text) == 1 for w in words) < 0.7 * len(words):
        return line
    gaps = [b.x0 - a.x1 for a, b in pairwise(words)]
    em = max(max(w.size for w in words), 1.0)
    usual = sorted(gaps)[len(gaps) // 2]
    if usual > 0.25 * em:  # an ordinary space (about 0.28 em): words of one letter
        return line
    runs: list[list[Word]] = [[words[0]]]
    for gap, word in zip(gaps, words[1:], strict=True):
        if gap > max(1.6 * usual, usual + 0.2 * em):
            runs.append([word])
        else:
            runs[-1].append(word)
    merged = [
        Word(
            "".join(w.text for w in run),
            run[0].x0,
            min(w.y0 for w in run),
            run[-1].x1,
            max(w.y1 for w in run),
            max(w.size for w in run),
        )
        for run in runs
    ]
    return Line(merged)
