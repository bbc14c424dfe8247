"""The page turned a quarter, so that text drawn up or down the sheet reads across."""

from __future__ import annotations

from dataclasses import replace

from sheetflow.drawings.recognition.words import PageText, Word

# Vertical words needed before a turned reading is worth trying (a title block drawn up the
# side has a firm, a project, a title and a number; a few vertical dimensions do not count).
MIN_VERTICAL_WORDS = 4


class Turn:
    """The page turned a quarter so that its vertical text reads across (and back again)."""

    def __init__(self, text: PageText) -> None:
        vertical = [wd for wd in text.words if not wd.horizontal]
        self.up = sum(wd.upward for wd in vertical) * 2 >= len(vertical)
        self.w, self.h = text.width, text.height
        turned = [
            replace(self.word(wd), horizontal=not wd.horizontal and wd.upward == self.up)
            for wd in text.words
        ]
        self.text = PageText(self.h, self.w, tuple(turned))

    @staticmethod
    def worth_trying(text: PageText) -> bool:
        """True when enough words run one way up or down the page to hold a title block."""
        up = down = 0
        for wd in text.words:
            if not wd.horizontal:
                if wd.upward:
                    up += 1
                else:
                    down += 1
        return max(up, down) >= MIN_VERTICAL_WORDS

    def fraction(self, at: tuple[float, float] | None) -> tuple[float, float] | None:
        """A relative position on the displayed page, relative on the turned page."""
        if at is None:
            return None
        x, y = at[0] * self.w, at[1] * self.h
        tx, ty = self._turn((x, y, x, y))[:2]
        return tx / (self.h or 1.0), ty / (self.w or 1.0)

    def word(self, wd: Word) -> Word:
        x0, y0, x1, y1 = self._turn((wd.x0, wd.y0, wd.x1, wd.y1))
        return Word(wd.text, x0, y0, x1, y1, wd.size)

    def _turn(self, b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        if self.up:  # (x, y) -> (h - y, x)
            return self.h - b[3], b[0], self.h - b[1], b[2]
        return b[1], self.w - b[2], b[3], self.w - b[0]  # (x, y) -> (y, w - x)

    def back(self, b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        if self.up:
            return b[1], self.h - b[2], b[3], self.h - b[0]
        return self.w - b[3], b[0], self.w - b[1], b[2]
