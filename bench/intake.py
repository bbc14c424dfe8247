"""Intake: how often recognition gets sheet numbers and titles right, and what it costs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench import Options, line, section

if TYPE_CHECKING:
    import pypdfium2 as pdfium

    from sheetflow.drawings.pdf import Sheet

REAL = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "real"


def _same(a: str, b: str) -> bool:
    return " ".join(a.upper().split()) == " ".join(b.upper().split())


def _split(data: bytes, name: str) -> list[Sheet]:
    from sheetflow.drawings import pdf

    doc = pdf.open_pdf(data, name)
    try:
        return pdf.split(doc, name)
    finally:
        doc.close()


def _accuracy(label: str, cases: list[tuple[bytes, str, list[tuple[str, str]]]]) -> None:
    numbers = titles = total = 0
    for data, name, expected in cases:
        for sheet, (number, title) in zip(_split(data, name), expected, strict=True):
            total += 1
            numbers += sheet.number == number
            titles += _same(sheet.title, title)
    line(f"{label}: numbers right", f"{numbers}/{total} ({100 * numbers / max(total, 1):.0f}%)")
    line(f"{label}: titles right", f"{titles}/{total} ({100 * titles / max(total, 1):.0f}%)")


def _text_seconds_per_sheet() -> float:
    import pypdfium2 as pdfium

    from sheetflow.drawings import recognition
    from sheetflow.drawings.samples_titleblocks import corpus

    pages = 0
    start = time.perf_counter()
    for sample in corpus():
        doc = pdfium.PdfDocument(sample.data)
        try:
            texts = []
            for i in range(len(doc)):
                page = doc[i]
                texts.append(recognition.page_text(page))
                page.close()
            recognition.recognize_set(list(texts))
            pages += len(texts)
        finally:
            doc.close()
    return (time.perf_counter() - start) / pages


def _split_cost(data: bytes) -> tuple[float, float]:
    """Seconds to split a PDF with text recognition and with the bounded text read before."""
    from unittest import mock

    from sheetflow.drawings import pdf

    def best_of(runs: int) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            _split(data, "set.pdf")
            times.append(time.perf_counter() - start)
        return min(times)

    def bounded_text_only(page: pdfium.PdfPage) -> None:
        # What split did before: the text page and the text of the bottom-right quarter.
        textpage = page.get_textpage()
        width, height = page.get_size()
        textpage.get_text_bounded(left=width * 0.55, bottom=0, right=width, top=height * 0.4)
        textpage.close()

    with_text = best_of(3)
    with mock.patch.object(pdf, "_page_text", bounded_text_only):
        without = best_of(3)
    return with_text, without


@section("intake", "title-block recognition: accuracy and cost")
def run(options: Options) -> None:
    from sheetflow.drawings.samples_titleblocks import corpus

    sets = corpus()
    _accuracy(
        f"corpus ({len(sets)} layouts)",
        [(s.data, s.name, [(x.number, x.title) for x in s.sheets]) for s in sets],
    )
    real = sorted(REAL.glob("*.pdf"))
    _accuracy("real sheets", [(p.read_bytes(), p.name, [("A010", "Site Plan")]) for p in real])
    line("text path: seconds per sheet", f"{_text_seconds_per_sheet():.4f} s")
    from sheetflow.drawings.samples import drawing_set_pdf

    hundred = drawing_set_pdf(tuple((f"A-{100 + i}", f"Plan {i}") for i in range(100)))
    with_text, without = _split_cost(hundred)
    line("split of 100 pages, bounded text only (before)", f"{without:.2f} s")
    line(
        "split of 100 pages with recognition",
        f"{with_text:.2f} s (+{100 * (with_text - without) / without:.0f}%, target <= +50%)",
    )
    with_text, without = _split_cost(real[0].read_bytes())
    line(
        "split of one real sheet (A010), before / with",
        f"{1000 * without:.0f} / {1000 * with_text:.0f} ms "
        f"(+{100 * (with_text - without) / without:.0f}%)",
    )
    _ocr_path()


def _ocr_path() -> None:
    """The worker's OCR of a scanned sheet: render, OCR of the title-block region, recognise."""
    import io
    from statistics import median

    from PIL import Image

    from sheetflow.drawings import pdfjobs, recognition
    from sheetflow.drawings.recognition import ocr
    from sheetflow.drawings.samples_titleblocks import special_pages
    from sheetflow.drawings.services.intake import DEFAULT_REGION

    if not ocr.available():
        line("OCR path", "tesseract not installed")
        return
    scan = next(s for s in special_pages() if s.layout == "scan")
    expected = scan.sheets[0]
    region = DEFAULT_REGION
    totals, ocr_only = [], []
    result = None
    for _ in range(3):
        start = time.perf_counter()
        images = pdfjobs.review_images(
            scan.data, 240, (region.x0, region.y0, region.x1, region.y1), 200
        )
        mid = time.perf_counter()
        image = Image.open(io.BytesIO(images.region_png))
        text = ocr.region_text(image, region, images.width, images.height, timeout=30)
        ocr_only.append(time.perf_counter() - mid)
        result = recognition.recognize_page(text)
        totals.append(time.perf_counter() - start)
    assert result is not None
    right = (
        result.number is not None
        and result.number.value == expected.number
        and result.title is not None
        and _same(result.title.value, expected.title)
    )
    line("OCR path: seconds per sheet (render + OCR)", f"{median(totals):.2f} s")
    line("OCR of one title block", f"{median(ocr_only):.2f} s (target < 2 s)")
    line("OCR: scanned sheet number and title right", "yes" if right else "no")
