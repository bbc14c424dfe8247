"""A labelled corpus of drawing sets in many title-block layouts (tests and the benchmark).

Each layout is one multi-page PDF made with reportlab, with the number and title every page
should be recognised as. The layouts carry the traps real sets have: rotated pages, crop
boxes, project names longer than titles, dates and timestamps glued to fields, titles over
three lines, callouts to other sheets in the drawing area, image-only pages, and a page
with no title block at all.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.colors import Color, black
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from sheetflow.drawings.samples_layouts import H, W, _wrap, inline_labels, side_strip, spaced

_GREY = Color(0.5, 0.5, 0.5)


@dataclass(frozen=True)
class SampleSheet:
    """What one page should be recognised as ("" number: nothing to recognise)."""

    number: str
    title: str
    rotate: int = 0
    image_only: bool = False


@dataclass(frozen=True)
class SampleSet:
    """One labelled multi-page PDF in one title-block layout."""

    layout: str
    name: str
    data: bytes
    sheets: tuple[SampleSheet, ...]


Draw = Callable[[Canvas, SampleSheet, int], None]


def _drawing_area(c: Canvas, rng: random.Random, width: float, height: float) -> None:
    """Linework, room names, dimensions, grid bubbles and callouts to other sheets."""
    c.setStrokeColor(_GREY)
    c.setLineWidth(0.5)
    for i in range(6):
        x = 60 + i * (width - 160) / 6
        c.line(x, 80, x, height - 60)
        c.circle(x, height - 45, 9)
        c.setFont("Helvetica", 8)
        c.drawCentredString(x, height - 48, chr(65 + i))
    c.setStrokeColor(black)
    c.setLineWidth(1.6)
    c.rect(80, 110, width * 0.55, height * 0.6)
    c.setFont("Helvetica", 7)
    for k in range(rng.randint(5, 9)):
        c.drawString(100 + (k % 4) * 130, 140 + (k // 4) * 150, f"OFFICE {100 + k}")
    for k in range(4):
        c.drawString(110 + k * 120, 100, f"{rng.randint(8, 30)}'-{rng.randint(0, 11)}\"")
    # Section and detail callouts that look exactly like sheet numbers.
    for k in range(3):
        x, y = 150 + k * 170, 300 + (k % 2) * 90
        c.circle(x, y, 12)
        c.line(x - 12, y, x + 12, y)
        c.setFont("Helvetica", 6)
        c.drawCentredString(x, y + 3, str(k + 1))
        c.drawCentredString(x, y - 8, rng.choice(["A-501", "A-301", "S-201", "A501", "M-401"]))
    c.setFont("Helvetica", 6)
    c.drawString(90, height * 0.6 + 120, "SEE A-601 FOR TYP. DETAILS. REFER TO S-101.")


def _boxed(c: Canvas, sheet: SampleSheet, page: int) -> None:
    """Bottom-right boxed block, labelled fields, project name longer than the title."""
    x, y = W - 290, 30
    c.setLineWidth(1.2)
    c.rect(x, y, 260, 210)
    for yy in (80, 150, 190):
        c.line(x, y + yy, x + 260, y + yy)
    c.setFont("Helvetica-Bold", 12)
    c.drawString(x + 8, y + 195, "HARBORVIEW ARCHITECTS LLC")
    c.setFont("Helvetica", 6)
    c.drawString(x + 8, y + 180, "PROJECT")
    c.setFont("Helvetica-Bold", 13)
    c.drawString(x + 8, y + 165, "RIVERSIDE MEDICAL CENTER EXPANSION")
    c.setFont("Helvetica", 7)
    c.drawString(x + 8, y + 155, "1200 RIVER ROAD, SPRINGFIELD, IL 62701")
    c.setFont("Helvetica", 6)
    c.drawString(x + 8, y + 140, "SHEET TITLE")
    c.setFont("Helvetica-Bold", 11)
    c.drawString(x + 8, y + 125, sheet.title)
    c.setFont("Helvetica", 6)
    c.drawString(x + 8, y + 70, 'DATE: 2024-03-01    SCALE: 1/8" = 1\'-0"    DRAWN BY: JK')
    c.drawString(x + 160, y + 60, "SHEET NO.")
    c.setFont("Helvetica-Bold", 26)
    c.drawString(x + 160, y + 30, sheet.number)


def _strip(c: Canvas, sheet: SampleSheet, page: int) -> None:
    """A bottom strip across the sheet: firm | project | title | date | number."""
    c.setLineWidth(1)
    c.rect(20, 20, W - 40, 60)
    for xx in (260, 560, 880, 1010):
        c.line(xx, 20, xx, 80)
    c.setFont("Helvetica-Bold", 10)
    c.drawString(30, 55, "NORTHGATE DESIGN STUDIO")
    c.setFont("Helvetica", 7)
    c.drawString(30, 40, "44 MARKET STREET, PORTLAND, OR 97204")
    c.setFont("Helvetica-Bold", 14)
    c.drawString(270, 50, "WESTFIELD ELEMENTARY SCHOOL ADDITION")
    c.setFont("Helvetica-Bold", 12)
    c.drawString(570, 50, sheet.title)
    c.setFont("Helvetica", 7)
    c.drawString(890, 55, "ISSUED FOR PERMIT")
    c.drawString(890, 40, "05/14/2023")
    c.setFont("Helvetica-Bold", 24)
    c.drawString(1030, 40, sheet.number)


def _column(c: Canvas, sheet: SampleSheet, page: int) -> None:
    """A right-hand column from top to bottom, title and number at its foot."""
    x = W - 170
    c.setLineWidth(1)
    c.rect(x, 20, 150, H - 40)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(x + 8, H - 45, "ATLAS + PARTNERS")
    c.setFont("Helvetica", 6)
    for k, text in enumerate(["ARCHITECTURE", "900 N MAIN ST", "DALLAS, TX 75201"]):
        c.drawString(x + 8, H - 58 - k * 8, text)
    c.setFont("Helvetica", 6)
    for k in range(6):
        c.drawString(x + 8, H - 200 - k * 10, f"{k + 1}   2023-0{k + 1}-15   ISSUE FOR REVIEW")
    c.setFont("Helvetica-Bold", 12)
    c.drawString(x + 8, 230, "LAKESIDE TOWER")
    c.drawString(x + 8, 216, "RESIDENCES")
    c.line(x, 200, x + 150, 200)
    c.setFont("Helvetica-Bold", 10)
    words = sheet.title.split()
    half = (len(words) + 1) // 2 if len(sheet.title) > 18 else len(words)
    c.drawString(x + 8, 170, " ".join(words[:half]))
    if words[half:]:
        c.drawString(x + 8, 158, " ".join(words[half:]))
    c.line(x, 100, x + 150, 100)
    c.setFont("Helvetica-Bold", 28)
    c.drawString(x + 20, 50, sheet.number)


def _nobox(c: Canvas, sheet: SampleSheet, page: int) -> None:
    """Bottom-right text with no box: `TITLE - date`, project, town, the number beside."""
    c.setFont("Helvetica", 7)
    for k, text in enumerate(
        ["Owner: Meridian Holdings", "12 Elm Ave", "Madison, WI 53703", "Architect: Fold Studio"]
    ):
        c.drawString(W - 560, 120 - k * 9, text)
    c.setFont("Helvetica", 13)
    c.drawString(W - 330, 70, f"{sheet.title} - 08/08/2019")
    c.drawString(W - 330, 56, "MERIDIAN 2.0")
    c.drawString(W - 330, 42, "SOMERS, WI")
    c.setFont("Helvetica", 22)
    c.drawString(W - 100, 42, sheet.number)


def _labelled(c: Canvas, sheet: SampleSheet, page: int) -> None:
    """Values to the right of their labels, mixed-case titles."""
    x, y = W - 330, 30
    c.rect(x, y, 300, 120)
    c.setFont("Helvetica", 7)
    c.drawString(x + 8, y + 100, "PROJECT:")
    c.drawString(x + 8, y + 70, "DRAWING TITLE:")
    c.drawString(x + 8, y + 30, "DRAWING NO:")
    c.drawString(x + 200, y + 100, "JOB NO: 2231")
    c.setFont("Helvetica-Bold", 10)
    c.drawString(x + 80, y + 100, "Cedar Hills Community Library")
    c.setFont("Helvetica-Bold", 11)
    c.drawString(x + 80, y + 70, sheet.title)
    c.setFont("Helvetica-Bold", 18)
    c.drawString(x + 80, y + 26, sheet.number)


def _stamped(c: Canvas, sheet: SampleSheet, page: int) -> None:
    """A plot timestamp printed in the same text run as the number."""
    x, y = W - 260, 30
    c.rect(x, y, 230, 150)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(x + 8, y + 132, "GRANITE PEAK VISITOR CENTER")
    c.setFont("Helvetica-Bold", 12)
    lines = _wrap(sheet.title, 20)
    for k, text in enumerate(lines):
        c.drawString(x + 8, y + 105 - k * 14, text)
    c.setFont("Helvetica", 6)
    c.drawString(x + 8, y + 45, "SCALE: AS NOTED")
    text = c.beginText(x + 8, y + 14)
    text.setFont("Helvetica", 7)
    text.textOut("2024-02-29 14:05:11")
    text.setFont("Helvetica-Bold", 24)
    text.textOut(sheet.number)
    c.drawText(text)


def _big_title(c: Canvas, sheet: SampleSheet, page: int) -> None:
    """A right column whose title is bigger than its number, with "SHEET 3 OF 12" beside."""
    x = W - 200
    c.setLineWidth(1)
    c.rect(x, 20, 180, H - 40)
    c.setFont("Helvetica", 6)
    c.drawString(x + 8, H - 40, "NOT FOR CONSTRUCTION")
    c.drawString(x + 8, H - 50, "CONSULTANT: ORBIT ENGINEERING")
    c.setFont("Helvetica-Bold", 11)
    c.drawString(x + 8, 260, "Hillcrest Residences")
    c.setFont("Helvetica", 7)
    c.drawString(x + 8, 248, "Phase 2 - Building B")
    c.line(x, 230, x + 180, 230)
    c.setFont("Helvetica-Bold", 16)
    for k, text in enumerate(_wrap(sheet.title, 18)):
        c.drawString(x + 8, 205 - k * 19, text)
    c.line(x, 110, x + 180, 110)
    c.setFont("Helvetica", 7)
    c.drawString(x + 8, 95, f"SHEET {page + 1} OF 12")
    c.drawString(x + 8, 85, "12 MAR 2024")
    c.circle(x + 130, 60, 28)
    c.setFont("Helvetica-Bold", 14)
    c.drawCentredString(x + 130, 55, sheet.number)


def _captions(c: Canvas, sheet: SampleSheet, page: int) -> None:
    """A bottom strip with captions under the values (ISO style) and a revision column."""
    c.setLineWidth(1)
    c.rect(20, 20, W - 40, 50)
    for xx in (300, 700, 850, 1000):
        c.line(xx, 20, xx, 70)
    c.setFont("Helvetica-Bold", 11)
    c.drawString(30, 45, "PORTSIDE FERRY TERMINAL REDEVELOPMENT")
    c.drawString(310, 45, sheet.title)
    c.drawString(710, 45, "C")
    c.drawString(860, 45, "1:200 @ A1")
    c.setFont("Helvetica-Bold", 15)
    c.drawString(1010, 42, sheet.number)
    c.setFont("Helvetica", 6)
    c.drawString(30, 26, "Project")
    c.drawString(310, 26, "Drawing title")
    c.drawString(710, 26, "Revision")
    c.drawString(860, 26, "Scale")
    c.drawString(1010, 26, "Drawing No.")


def _iso(c: Canvas, sheet: SampleSheet, page: int) -> None:
    """An ISO 19650 style block: long document numbers, project number and revision codes."""
    x, y = W - 330, 25
    c.setLineWidth(0.8)
    c.rect(x, y, 305, 170)
    for yy in (40, 80, 130):
        c.line(x, y + yy, x + 305, y + yy)
    c.line(x + 200, y, x + 200, y + 80)
    c.setFont("Helvetica", 5.5)
    for label, ly in (("Project", 162), ("Drawing title", 122), ("Drawing No.", 32)):
        c.drawString(x + 5, y + ly, label)
    c.drawString(x + 205, y + 72, "Project No.")
    c.drawString(x + 205, y + 32, "Revision")
    c.drawString(x + 5, y + 72, "Date")
    c.setFont("Helvetica-Bold", 10)
    c.drawString(x + 5, y + 145, "HARBOUR QUAY OFFICES")
    c.setFont("Helvetica-Bold", 12)
    for k, text in enumerate(_wrap(sheet.title, 34)):
        c.drawString(x + 5, y + 108 - k * 14, text)
    c.setFont("Helvetica", 9)
    c.drawString(x + 5, y + 55, "11 JUL 2019")
    c.setFont("Helvetica-Bold", 12)
    c.drawString(x + 205, y + 52, "HQ-01")
    c.drawString(x + 205, y + 12, "P01")
    c.setFont("Helvetica-Bold", 13)
    c.drawString(x + 5, y + 12, sheet.number)


def _vertical(c: Canvas, sheet: SampleSheet, page: int) -> None:
    """A narrow right strip whose project name and title run up the sheet."""
    x = W - 110
    c.setLineWidth(1)
    c.rect(x, 20, 90, H - 40)
    c.line(x, 90, x + 90, 90)
    for text, dx, size in (
        ("MAPLE GROVE SENIOR LIVING COMMUNITY", 25, 11),
        (sheet.title, 55, 13),
    ):
        c.saveState()
        c.translate(x + dx, 110)
        c.rotate(90)
        c.setFont("Helvetica-Bold", size)
        c.drawString(0, 0, text)
        c.restoreState()
    c.setFont("Helvetica", 6)
    c.drawString(x + 6, 78, "SHEET")
    c.setFont("Helvetica-Bold", 20)
    c.drawString(x + 10, 45, sheet.number)


def _draw_page(c: Canvas, sheet: SampleSheet, page: int, block: Draw | None) -> None:
    rng = random.Random(f"{sheet.number}{page}")
    _drawing_area(c, rng, W - 320, H)
    if block is not None:
        block(c, sheet, page)


def _page(c: Canvas, sheet: SampleSheet, page: int, block: Draw | None, crop: bool) -> None:
    """One displayed landscape page, drawn through /Rotate and a crop box when asked."""
    dx, dy = (90.0, 70.0) if crop else (0.0, 0.0)
    # reportlab takes the displayed size and writes the MediaBox turned for /Rotate 90/270.
    c.setPageSize((W + 2 * dx, H + 2 * dy))
    c.saveState()
    if crop:
        # Printer's marks outside the visible area must not be read.
        c.setFont("Helvetica-Bold", 40)
        c.drawString(W + dx + 5 if sheet.rotate == 0 else 5, 5, "X-999")
        c.setCropBox((dx, dy, W + dx, H + dy) if sheet.rotate == 0 else (dy, dx, H + dy, W + dx))
        c.translate(dx, dy) if sheet.rotate == 0 else c.translate(dy, dx)
    if sheet.rotate == 90:
        c.transform(0, 1, -1, 0, H, 0)
        c.setPageRotation(90)
    elif sheet.rotate == 270:
        c.transform(0, -1, 1, 0, 0, W)
        c.setPageRotation(270)
    _draw_page(c, sheet, page, block)
    c.restoreState()
    c.showPage()


def _image_page(c: Canvas, sheet: SampleSheet, page: int, block: Draw) -> None:
    """A scan: the page exists only as a picture (no text layer)."""
    import pypdfium2 as pdfium

    inner = io.BytesIO()
    tmp = Canvas(inner, pagesize=(W, H))
    _draw_page(tmp, sheet, page, block)
    tmp.showPage()
    tmp.save()
    doc = pdfium.PdfDocument(inner.getvalue())
    try:
        image = doc[0].render(scale=150 / 72).to_pil().convert("L")
    finally:
        doc.close()
    c.setPageSize((W, H))
    c.drawImage(ImageReader(image), 0, 0, W, H)
    c.showPage()


_TITLES = [
    "FIRST FLOOR PLAN",
    "SECOND FLOOR PLAN",
    "ROOF PLAN",
    "EXTERIOR ELEVATIONS",
    "BUILDING SECTIONS",
    "WALL SECTIONS",
    "REFLECTED CEILING PLAN",
    "DOOR AND WINDOW SCHEDULES",
    "STAIR DETAILS",
    "GENERAL NOTES",
    "FOUNDATION PLAN",
    "LIGHTING PLAN",
    "PLUMBING RISER DIAGRAM",
    "RENDERINGS",
    "Site Plan",
    "Enlarged Toilet Room Plans",
]


def _sheets(
    prefix_numbers: list[str], start: int, rotate: tuple[int, ...] = ()
) -> list[SampleSheet]:
    out = []
    for k, number in enumerate(prefix_numbers):
        title = _TITLES[(start + k) % len(_TITLES)]
        out.append(SampleSheet(number, title, rotate[k] if k < len(rotate) else 0))
    return out


def _build(layout: str, block: Draw, sheets: list[SampleSheet], *, crop: bool = False) -> SampleSet:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(W, H))
    for page, sheet in enumerate(sheets):
        if sheet.image_only:
            _image_page(c, sheet, page, block)
        elif sheet.number == "":
            _page(c, sheet, page, None, crop)
        else:
            _page(c, sheet, page, block, crop)
    c.save()
    return SampleSet(layout, f"{layout}-set.pdf", buffer.getvalue(), tuple(sheets))


@lru_cache(maxsize=1)
def corpus() -> tuple[SampleSet, ...]:
    """The labelled corpus: 16 layouts, 77 text pages (the scan and blank page are apart)."""
    long_titles = [
        SampleSheet("A-401", "ENLARGED TOILET ROOM PLANS AND INTERIOR ELEVATIONS"),
        SampleSheet("A-402", "TYPICAL WALL ASSEMBLIES AND PARTITION TYPES"),
        SampleSheet("A-403", "STAIR AND ELEVATOR SECTIONS AND DETAILS"),
        SampleSheet("A-404", "ROOF DRAINAGE DETAILS"),
        SampleSheet("A-405", "FINISH SCHEDULE"),
    ]
    return (
        _build(
            "boxed", _boxed, _sheets(["A-101", "A-102", "A-201", "A-301", "S-2.01", "FP-001"], 0)
        ),
        _build("strip", _strip, _sheets(["A101", "A102", "A103", "A201", "M101A"], 2)),
        _build("column", _column, _sheets(["G-001", "C100", "L-101", "E-201", "P-301"], 4)),
        _build("nobox", _nobox, _sheets(["A010", "A020", "A030", "A040", "A050"], 8)),
        _build("labelled", _labelled, _sheets(["A1.01", "A1.02", "A2.01", "A3.01", "A5.01"], 13)),
        _build("stamped", _stamped, long_titles),
        _build(
            "rotated",
            _boxed,
            _sheets(
                ["A-111", "A-112", "A-113", "A-114", "A-115"], 5, rotate=(90, 270, 90, 270, 90)
            ),
        ),
        _build(
            "cropped", _strip, _sheets(["S-101", "S-102", "S-103", "S-104", "S-105"], 9), crop=True
        ),
        _build(
            "big-title",
            _big_title,
            [
                SampleSheet("A2.1", "Level 1 Floor Plan"),
                SampleSheet("A2.2", "Level 2 Floor Plan"),
                SampleSheet("A3.1", "Building Elevations"),
                SampleSheet("A4.1", "Wall Sections"),
                SampleSheet("A9.1", "Renderings"),
            ],
        ),
        _build(
            "captions",
            _captions,
            [
                SampleSheet("AR-201", "GROUND FLOOR GENERAL ARRANGEMENT"),
                SampleSheet("AR-202", "FIRST FLOOR GENERAL ARRANGEMENT"),
                SampleSheet("AR-301", "SECTIONS A-A AND B-B"),
                SampleSheet("AR-401", "NORTH AND SOUTH ELEVATIONS"),
            ],
        ),
        _build(
            "iso",
            _iso,
            [
                SampleSheet("HQO-ARC-ZZ-00-DR-A-1000", "GROUND FLOOR GENERAL ARRANGEMENT PLAN"),
                SampleSheet("HQO-ARC-ZZ-01-DR-A-1001", "FIRST FLOOR GENERAL ARRANGEMENT PLAN"),
                SampleSheet("HQO-ARC-ZZ-RF-DR-A-1010", "ROOF PLAN"),
                SampleSheet("HQO-ARC-ZZ-ZZ-DR-A-2001", "NORTH AND EAST ELEVATIONS"),
            ],
        ),
        _build("vertical", _vertical, _sheets(["A-501", "A-502", "A-601", "A-701"], 6)),
        _build(
            "inline-labels",
            inline_labels,
            [
                SampleSheet("A0.01", "CODE SUMMARY AND LIFE SAFETY PLAN"),
                SampleSheet("AD-101", "DEMOLITION FLOOR PLAN"),
                SampleSheet("M1.1", "MECHANICAL PLAN"),
                SampleSheet("FP-101", "FIRE SPRINKLER PLAN LEVEL ONE"),
                SampleSheet("A-101.1", "ENLARGED FLOOR PLAN"),
            ],
        ),
        _build(
            "side-strip",
            side_strip,
            [
                SampleSheet("G-001", "TITLE SHEET"),
                SampleSheet("C100", "SITE GRADING AND DRAINAGE PLAN"),
                SampleSheet("S-201", "FOUNDATION PLAN"),
                SampleSheet("E-001", "ELECTRICAL SYMBOLS AND ABBREVIATIONS"),
                SampleSheet("A2.01", "EXTERIOR ELEVATIONS"),
            ],
        ),
        _build(
            "letter-spaced",
            spaced,
            [
                SampleSheet("A-101", "GROUND FLOOR PLAN"),
                SampleSheet("A-102", "UPPER FLOOR PLAN"),
                SampleSheet("L1.0", "LANDSCAPE PLANTING PLAN"),
                SampleSheet("A-501", "WALL SECTIONS AND DETAILS"),
            ],
        ),
        _build(
            "rotated-column",
            _column,
            _sheets(
                ["M-101", "M-102", "M-201", "M-202", "M-301"], 3, rotate=(270, 270, 90, 90, 270)
            ),
        ),
    )


@lru_cache(maxsize=1)
def special_pages() -> tuple[SampleSet, ...]:
    """Pages without a usable text layer: a scan (for OCR) and a page with no title block."""
    return (
        _build("scan", _boxed, [SampleSheet("A-501", "WALL SECTIONS", image_only=True)]),
        _build("blank", _boxed, [SampleSheet("", "")]),
    )
