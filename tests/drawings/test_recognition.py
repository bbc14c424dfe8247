"""Recognition of sheet number and title on the labelled corpus and on real sheets."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.pdfgen.canvas import Canvas

from sheetflow.drawings import pdf, recognition
from sheetflow.drawings.samples_titleblocks import SampleSet, corpus, special_pages

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"


def _same(a: str, b: str) -> bool:
    return " ".join(a.upper().split()) == " ".join(b.upper().split())


def _split(data: bytes, name: str = "set.pdf") -> list[pdf.Sheet]:
    doc = pdf.open_pdf(data, name)
    try:
        return pdf.split(doc, name)
    finally:
        doc.close()


@pytest.mark.parametrize("sample", corpus(), ids=lambda s: s.layout)
def test_every_sheet_of_each_layout_is_recognised(sample: SampleSet) -> None:
    sheets = _split(sample.data, sample.name)
    got = [(s.number, s.title) for s in sheets]
    expected = [(s.number, s.title) for s in sample.sheets]
    assert [n for n, _ in got] == [n for n, _ in expected]
    assert all(_same(g, e) for (_, g), (_, e) in zip(got, expected, strict=True)), got
    for sheet in sheets:
        assert sheet.evidence["recognised"] is True
        assert sheet.evidence["number"]["source"] in (recognition.TITLE_BLOCK, recognition.LABEL)
        assert sheet.evidence["block"] is not None


def test_the_corpus_covers_the_traps_of_real_sets() -> None:
    sets = corpus()
    sheets = [s for sample in sets for s in sample.sheets]
    assert len(sheets) >= 40
    assert len({s.layout for s in sets}) >= 8
    assert {90, 270} <= {s.rotate for s in sheets}
    assert any("-" not in s.number and "." not in s.number for s in sheets)
    assert any(len(s.title) > 40 for s in sheets)  # three-line titles


@pytest.mark.parametrize("path", sorted(REAL.glob("*.pdf")), ids=lambda p: p.name)
def test_real_sheets_are_recognised(path: Path) -> None:
    [sheet] = _split(path.read_bytes(), path.name)
    assert sheet.number == "A010"
    assert _same(sheet.title, "Site Plan")
    assert sheet.evidence["number"]["confidence"] >= recognition.LOW_CONFIDENCE


def test_rotation_and_crop_box_give_displayed_coordinates() -> None:
    rotated = next(s for s in corpus() if s.layout == "rotated")
    doc = pdfium.PdfDocument(rotated.data)
    try:
        for index in (0, 1):  # /Rotate 90 and /Rotate 270
            page = doc[index]
            assert page.get_rotation() in (90, 270)
            text = recognition.page_text(page)
            number = next(w for w in text.words if w.text == rotated.sheets[index].number)
            # Displayed landscape, number in the bottom-right corner.
            assert text.width > text.height
            assert number.cx > text.width * 0.8 and number.cy > text.height * 0.8
    finally:
        doc.close()
    cropped = next(s for s in corpus() if s.layout == "cropped")
    doc = pdfium.PdfDocument(cropped.data)
    try:
        words = recognition.page_text(doc[0]).words
        assert "X-999" not in {w.text for w in words}  # printer's mark outside the crop box
    finally:
        doc.close()


def test_a_page_with_no_title_block_falls_back_to_the_file_name_flagged() -> None:
    blank = next(s for s in special_pages() if s.layout == "blank")
    [sheet] = _split(blank.data, "Tower set.pdf")
    assert sheet.number == "Tower set"
    assert sheet.evidence["recognised"] is False
    assert sheet.evidence["number"]["source"] == recognition.FILE_NAME


def test_an_image_only_page_is_flagged_for_ocr_not_refused() -> None:
    scan = next(s for s in special_pages() if s.layout == "scan")
    sheets = _split(scan.data + b"", "scan.pdf")
    assert sheets[0].evidence["has_text"] is False
    assert sheets[0].evidence["recognised"] is False


def test_duplicate_numbers_in_one_upload_are_found() -> None:
    assert recognition.duplicates(["A-101", "a-101", "A-102", ""]) == {"A-101"}


def test_set_consensus_settles_a_page_whose_number_is_ambiguous() -> None:
    """A page whose corner holds two numbers takes the one where the set's numbers are."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(1224, 792))
    for k in range(4):
        c.setFont("Helvetica-Bold", 20)
        c.drawString(1100, 40, f"A-10{k + 1}")
        c.setFont("Helvetica-Bold", 12)
        c.drawString(900, 40, "FLOOR PLAN")
        if k == 3:
            # A big keyed note near the corner that also looks like a number.
            c.setFont("Helvetica-Bold", 22)
            c.drawString(1150, 120, "C-3")
        c.showPage()
    c.save()
    sheets = _split(buffer.getvalue())
    assert [s.number for s in sheets] == ["A-101", "A-102", "A-103", "A-104"]


def test_recognition_is_bounded_on_a_page_full_of_text() -> None:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(1224, 792))
    c.setFont("Helvetica", 4)
    for row in range(180):
        c.drawString(10, 780 - row * 4.3, "NOTE A-501 " * 40)
    c.setFont("Helvetica-Bold", 24)
    c.drawString(1100, 30, "G-001")
    c.showPage()
    c.save()
    doc = pdfium.PdfDocument(buffer.getvalue())
    try:
        text = recognition.page_text(doc[0])
    finally:
        doc.close()
    assert text.truncated
    assert len("".join(w.text for w in text.words)) <= recognition.MAX_CHARS
    result = recognition.recognize_page(text)
    assert result.number is not None and result.number.value == "G-001"


def test_past_the_time_budget_pages_are_split_unrecognised_not_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pdf, "RECOGNITION_SECONDS", 0.0)
    sample = next(s for s in corpus() if s.layout == "boxed")
    sheets = _split(sample.data, "boxed.pdf")
    assert [s.number for s in sheets] == [f"boxed-{i + 1}" for i in range(len(sample.sheets))]
    assert all(s.evidence["recognised"] is False for s in sheets)
    assert all(s.evidence["has_text"] is True for s in sheets)  # not sent to OCR
