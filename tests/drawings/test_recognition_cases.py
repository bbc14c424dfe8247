"""Recognition of the less tidy cases real sets have: inline labels, turned title blocks,
letter-spaced CAD text, titles running over the sheet edge, and every usual number form."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from reportlab.pdfgen.canvas import Canvas

from sheetflow.drawings import pdf, recognition
from sheetflow.drawings.recognition import patterns
from sheetflow.drawings.recognition.lines import lines_of
from sheetflow.drawings.samples_titleblocks import corpus


def _split(data: bytes, name: str = "set.pdf") -> list[pdf.Sheet]:
    doc = pdf.open_pdf(data, name)
    try:
        return pdf.split(doc, name)
    finally:
        doc.close()


def _sample(layout: str):  # type: ignore[no-untyped-def]
    return next(s for s in corpus() if s.layout == layout)


def test_a_label_on_the_same_line_as_its_value_is_evidence_not_title() -> None:
    sample = _sample("inline-labels")
    sheets = _split(sample.data, sample.name)
    assert [s.title.upper() for s in sheets] == [e.title for e in sample.sheets]
    assert [s.number for s in sheets] == [e.number for e in sample.sheets]
    for sheet in sheets:
        assert sheet.evidence["title"]["source"] == recognition.LABEL
        assert sheet.evidence["number"]["source"] == recognition.LABEL


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("DRAWING TITLE: FIRST FLOOR PLAN", "FIRST FLOOR PLAN"),
        ("Sheet Name - Roof Plan", "Roof Plan"),
        ("DWG TITLE  ROOF PLAN", "ROOF PLAN"),
        ("TITLE: SITE PLAN", "SITE PLAN"),
        ("TITLE SHEET", None),  # a title, not a label
        ("SHEET METAL DETAILS", None),
    ],
)
def test_inline_title_labels(line: str, value: str | None) -> None:
    found = patterns.inline_title(line)
    assert (found[0] if found else None) == value


def test_a_title_block_drawn_down_the_side_is_read_in_a_turned_frame() -> None:
    sample = _sample("side-strip")
    sheets = _split(sample.data, sample.name)
    assert [s.number for s in sheets] == [e.number for e in sample.sheets]
    assert [s.title.upper() for s in sheets] == [e.title for e in sample.sheets]
    for sheet in sheets:
        # Boxes are on the displayed page: the strip is the right-hand edge.
        assert sheet.evidence["number"]["box"][0] > 0.9
        assert sheet.evidence["block"][2] > 0.95


def test_a_strip_reading_up_the_sheet_beats_callouts_in_the_drawing() -> None:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(1224, 792))
    for number, title in (("A-201", "NORTH ELEVATION"), ("A-202", "SOUTH ELEVATION")):
        c.setFont("Helvetica", 9)
        for k in range(8):  # room names and callouts across the drawing area
            c.drawString(100 + 90 * k, 400, f"ROOM {k}")
            c.drawString(100 + 90 * k, 300, "A-501")
        for x, font, size, text in (
            (1150, "Helvetica", 8, "BRIGHTWATER ARCHITECTS INC"),
            (1168, "Helvetica-Bold", 10, "HARBOUR POINT TOWER"),
            (1195, "Helvetica-Bold", 14, title),
            (1205, "Helvetica-Bold", 22, number),
        ):
            c.saveState()
            c.translate(x, 40 if text == number else 200)
            c.rotate(90)  # reads bottom to top
            c.setFont(font, size)
            c.drawString(0, 0, text)
            c.restoreState()
        c.showPage()
    c.save()
    sheets = _split(buffer.getvalue())
    assert [(s.number, s.title) for s in sheets] == [
        ("A-201", "NORTH ELEVATION"),
        ("A-202", "SOUTH ELEVATION"),
    ]


def test_letter_spaced_text_is_regrouped_into_words() -> None:
    sample = _sample("letter-spaced")
    sheets = _split(sample.data, sample.name)
    assert [s.number for s in sheets] == [e.number for e in sample.sheets]
    assert [s.title.upper() for s in sheets] == [e.title for e in sample.sheets]
    # Single letters at an ordinary word space stay words of their own.
    words = tuple(
        recognition.Word(ch, 100 + 10 * k, 100, 106 + 10 * k, 110, 10.0)
        for k, ch in enumerate("123")
    )
    [line] = lines_of(recognition.PageText(600, 400, words))
    assert line.text == "1 2 3"


def test_a_title_running_over_the_sheet_edge_is_kept_whole() -> None:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(612, 396))
    c.setFont("Helvetica-Bold", 14)
    c.drawString(380, 60, "ELECTRICAL SYMBOLS AND ABBREVIATIONS")
    c.drawString(700, 30, "X-999")  # wholly outside: a printer's mark
    c.setFont("Helvetica-Bold", 26)
    c.drawString(500, 20, "E-001")
    c.showPage()
    c.save()
    doc = pdfium.PdfDocument(buffer.getvalue())
    try:
        texts = [w.text for w in recognition.page_text(doc[0]).words]
    finally:
        doc.close()
    assert "ABBREVIATIONS" in texts and "X-999" not in texts
    [sheet] = _split(buffer.getvalue())
    assert (sheet.number, sheet.title) == ("E-001", "ELECTRICAL SYMBOLS AND ABBREVIATIONS")


NUMBERS = ["A0.01", "M1.1", "E-001", "AD-101", "FP-101", "C100", "G-001", "A2.01", "S-201"]
NUMBERS += ["L1.0", "A-101.1", "A101", "M101A", "S-2.01"]


def test_every_usual_number_form_is_accepted() -> None:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(1224, 792))
    for number in NUMBERS:
        c.setFont("Helvetica-Bold", 12)
        c.drawString(950, 70, "FLOOR PLAN")
        c.setFont("Helvetica-Bold", 24)
        c.drawString(1100, 30, number)
        c.showPage()
    c.save()
    assert [s.number for s in _split(buffer.getvalue())] == NUMBERS


def test_title_and_number_labelled_on_one_line_are_told_apart() -> None:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(1224, 792))
    c.setFont("Helvetica-Bold", 12)
    c.drawString(600, 40, "SHEET TITLE: ROOF PLAN   SHEET NO: A-104")
    c.setFont("Helvetica", 8)
    c.drawString(100, 400, "SEE DWG A-501 FOR DETAILS")  # a note, not a label
    c.showPage()
    c.save()
    [sheet] = _split(buffer.getvalue())
    assert (sheet.number, sheet.title) == ("A-104", "ROOF PLAN")
    assert sheet.evidence["number"]["source"] == recognition.LABEL


def test_a_prefix_drawn_apart_from_its_digits_makes_one_number() -> None:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(1224, 792))
    c.setFont("Helvetica-Bold", 12)
    c.drawString(900, 90, "ROOF PLAN")
    c.setFont("Helvetica", 9)
    c.drawString(100, 400, "RM 101")  # a room tag: small, stays apart
    c.setFont("Helvetica-Bold", 26)
    c.drawString(1080, 40, "FP-")
    c.drawString(1080 + c.stringWidth("FP- ", "Helvetica-Bold", 26), 40, "101")
    c.showPage()
    c.save()
    [sheet] = _split(buffer.getvalue())
    assert (sheet.number, sheet.title) == ("FP-101", "ROOF PLAN")
