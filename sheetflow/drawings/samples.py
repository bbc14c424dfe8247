"""Realistic sample drawing sets made with reportlab (demo data, tests and the benchmark)."""

from __future__ import annotations

import io
import random
from functools import lru_cache

from reportlab.lib.colors import Color, black
from reportlab.pdfgen.canvas import Canvas

# Tabloid landscape (17 x 11 in): small enough to render fast, big enough to look real.
PAGE = (1224.0, 792.0)
_BLUE = Color(0.12, 0.25, 0.55)
_GREY = Color(0.55, 0.55, 0.55)


def _plan(c: Canvas, rng: random.Random, number: str) -> None:
    """Some plausible linework: a grid, walls, rooms, dimensions, all seeded by the number."""
    h = PAGE[1]
    c.setStrokeColor(_GREY)
    c.setLineWidth(0.4)
    c.setDash(6, 3)
    for i in range(7):
        x = 70 + i * 120
        c.line(x, 60, x, h - 60)
        c.circle(x, h - 48, 10)
        c.drawCentredString(x, h - 52, chr(65 + i))
    for j in range(5):
        y = 90 + j * 140
        c.line(40, y, 880, y)
    c.setDash()
    c.setStrokeColor(black)
    c.setLineWidth(2.2)
    c.rect(70, 90, 720, 560)
    c.setLineWidth(1.1)
    for _ in range(rng.randint(6, 12)):
        x = 70 + rng.randint(1, 5) * 120
        y0, y1 = sorted(rng.sample(range(90, 650, 20), 2))
        c.line(x, y0, x, y1)
        y = 90 + rng.randint(1, 3) * 140
        x0, x1 = sorted(rng.sample(range(70, 790, 20), 2))
        c.line(x0, y, x1, y)
    c.setFont("Helvetica", 7)
    for k in range(rng.randint(4, 9)):
        c.drawString(90 + (k % 5) * 140, 110 + (k // 5) * 280, f"ROOM {100 + k}")
    if number.startswith(("E", "M", "P", "FP")):
        c.setStrokeColor(_BLUE)
        for _ in range(25):
            x, y = rng.randint(90, 770), rng.randint(110, 630)
            c.circle(x, y, 4)
    c.setStrokeColor(black)


def _title_block(
    c: Canvas, *, number: str, title: str, revision: str, date: str, company: str, project: str
) -> None:
    w, h = PAGE
    left = w - 300
    c.setLineWidth(1.5)
    c.rect(20, 20, w - 40, h - 40)
    c.rect(left, 20, 280, 230)
    c.setLineWidth(0.6)
    for y in (200, 160, 110, 60):
        c.line(left, y, w - 20, y)
    c.setFont("Helvetica-Bold", 12)
    c.drawString(left + 10, 222, company)
    c.setFont("Helvetica", 9)
    c.drawString(left + 10, 206, project)
    c.setFont("Helvetica", 6)
    c.drawString(left + 10, 190, "SHEET TITLE")
    c.setFont("Helvetica-Bold", 11)
    c.drawString(left + 10, 172, title.upper())
    c.setFont("Helvetica", 6)
    c.drawString(left + 10, 148, "SHEET NUMBER")
    c.setFont("Helvetica-Bold", 30)
    c.drawString(left + 10, 118, number)
    c.setFont("Helvetica", 8)
    c.drawString(left + 10, 90, f"REV {revision}")
    c.drawString(left + 140, 90, f"DATE {date}")
    c.drawString(left + 10, 40, 'SCALE 1/8" = 1\'-0"')


@lru_cache(maxsize=64)
def drawing_set_pdf(
    sheets: tuple[tuple[str, str], ...],
    *,
    revision: str = "0",
    date: str = "2026-01-15",
    company: str = "Apex Builders",
    project: str = "Riverside Medical Center",
) -> bytes:
    """A multi-page PDF, one sheet per (number, title), each with a border and title block."""
    out = io.BytesIO()
    c = Canvas(out, pagesize=PAGE, invariant=True)
    for number, title in sheets:
        rng = random.Random(f"{number}/{revision}")
        _plan(c, rng, number)
        _title_block(
            c,
            number=number,
            title=title,
            revision=revision,
            date=date,
            company=company,
            project=project,
        )
        c.showPage()
    c.save()
    return out.getvalue()


def blank_pdf(pages: int = 1) -> bytes:
    """Pages with no text at all (the title block falls back to the file name)."""
    out = io.BytesIO()
    c = Canvas(out, pagesize=PAGE, invariant=True)
    for i in range(pages):
        c.rect(40 + i, 40, 100, 100)
        c.showPage()
    c.save()
    return out.getvalue()
