"""Intake: how often recognition gets sheet numbers and titles right, and what it costs."""

from __future__ import annotations

import time
from pathlib import Path

from bench import Options, line, section

REAL = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "real"


def _same(a: str, b: str) -> bool:
    return " ".join(a.upper().split()) == " ".join(b.upper().split())


def _split(data: bytes, name: str) -> list:  # type: ignore[type-arg]
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


def _split_cost() -> tuple[float, float]:
    """Seconds to split a 100-page upload with and without text recognition."""
    from unittest import mock

    from sheetflow.drawings import pdf
    from sheetflow.drawings.samples import drawing_set_pdf

    data = drawing_set_pdf(tuple((f"A-{100 + i}", f"Plan {i}") for i in range(100)))

    def best_of(runs: int) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            _split(data, "set.pdf")
            times.append(time.perf_counter() - start)
        return min(times)

    def bounded_text_only(page: object) -> None:
        # What split did before: the text page and the text of the bottom-right quarter.
        textpage = page.get_textpage()  # type: ignore[attr-defined]
        width, height = page.get_size()  # type: ignore[attr-defined]
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
    with_text, without = _split_cost()
    line("split of 100 pages, bounded text only (before)", f"{without:.2f} s")
    line(
        "split of 100 pages with recognition",
        f"{with_text:.2f} s (+{100 * (with_text - without) / without:.0f}%, target <= +50%)",
    )
    line("OCR path: seconds per sheet", "not measured (OCR fallback not built yet)")
