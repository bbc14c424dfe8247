"""Title-block layouts of the corpus drawn the way CAD exports and narrow strips draw them.

Labels on the same line as their values, a strip whose fields read down the sheet, and
text written one character at a time with letter spacing.
"""

from __future__ import annotations

from typing import Protocol

from reportlab.pdfgen.canvas import Canvas

W, H = 1224.0, 792.0  # displayed size: tabloid landscape


class _Sheet(Protocol):
    @property
    def number(self) -> str: ...
    @property
    def title(self) -> str: ...


def _wrap(title: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in title.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def inline_labels(c: Canvas, sheet: _Sheet, page: int) -> None:
    """Labels on the same line as their values; a long title wraps under its value."""
    x, y = W - 305, 36
    c.setLineWidth(0.8)
    c.line(x - 10, y + 170, W - 20, y + 170)
    c.setFont("Helvetica", 7)
    c.drawString(x, y + 158, "ARCHITECT: HOLLIS + WEBB")
    c.setFont("Helvetica-Bold", 11)
    c.drawString(x, y + 142, "PROJECT: LAKESIDE LIBRARY RENOVATION")
    c.setFont("Helvetica", 9)
    c.drawString(x, y + 128, "PROJECT NO: P-2041")
    c.setFont("Helvetica-Bold", 12)
    label = "SHEET TITLE: "
    c.drawString(x, y + 106, label + _wrap(sheet.title, 22)[0])
    indent = x + c.stringWidth(label, "Helvetica-Bold", 12)
    for k, rest in enumerate(_wrap(sheet.title, 22)[1:]):
        c.drawString(indent, y + 92 - 14 * k, rest)
    c.setFont("Helvetica", 7)
    c.drawString(x, y + 48, "DATE: 2025-02-14     SCALE: AS NOTED     CHECKED: RW")
    c.setFont("Helvetica-Bold", 18)
    c.drawString(x, y + 16, "SHEET NO: " + sheet.number)


def side_strip(c: Canvas, sheet: _Sheet, page: int) -> None:
    """A right-hand strip whose every field reads down the sheet (drawn turned, no /Rotate)."""
    x = W - 86
    c.setLineWidth(1)
    c.rect(x, 20, 66, H - 40)
    c.line(x, 150, x + 66, 150)
    title = _wrap(sheet.title, 26)
    fields = [
        (x + 58, H - 40, "Helvetica", 7, "OSTRANDER PARTNERS ARCHITECTURE"),
        (x + 46, H - 40, "Helvetica-Bold", 12, "CEDAR HILLS FIRE STATION NO. 4"),
    ]
    fields += [
        (x + 30 - 15 * k, H - 330, "Helvetica-Bold", 13, part) for k, part in enumerate(title)
    ]
    fields.append((x + 58, 140, "Helvetica", 6, "DRAWING NUMBER"))
    fields.append((x + 40, 140, "Helvetica-Bold", 24, sheet.number))
    for fx, fy, font, size, text in fields:
        c.saveState()
        c.translate(fx, fy)
        c.rotate(-90)  # reads top to bottom
        c.setFont(font, size)
        c.drawString(0, 0, text)
        c.restoreState()


def spaced(c: Canvas, sheet: _Sheet, page: int) -> None:
    """A CAD export: every character its own text object, letter-spaced."""

    def chars(x: float, y: float, text: str, font: str, size: float, spacing: float) -> None:
        c.setFont(font, size)
        for ch in text:
            c.drawString(x, y, ch)
            x += c.stringWidth(ch, font, size) + spacing

    x, y = W - 300, 30
    c.setLineWidth(1.2)
    c.rect(x, y, 270, 150)
    c.line(x, y + 60, x + 270, y + 60)
    chars(x + 8, y + 130, "GRANITE PEAK CLINIC", "Helvetica-Bold", 12, 2.5)
    chars(x + 8, y + 118, "410 SUMMIT AVENUE, BOULDER, CO 80302", "Helvetica", 6, 0.8)
    for k, part in enumerate(_wrap(sheet.title, 24)):
        chars(x + 8, y + 96 - 14 * k, part, "Helvetica-Bold", 11, 1.5)
    chars(x + 8, y + 40, 'SCALE: 1/4" = 1\'-0"', "Helvetica", 6, 0.8)
    chars(x + 150, y + 18, sheet.number, "Helvetica-Bold", 22, 3)
