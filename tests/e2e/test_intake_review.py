"""The upload review: thumbnails, title-block crops, marks, and one correction for all."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from reportlab.pdfgen.canvas import Canvas

from tests.cast import Cast

NUMBERS = ["K7-01", "K7-02", "K7-03", "K7-04"]
TITLES = ["GENERAL ARRANGEMENT", "PLATFORM PLAN", "CANOPY SECTIONS", "DRAINAGE DETAILS"]


def depot_set() -> bytes:
    """A set whose numbers are small at the top left: recognition cannot be sure of them."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(1224, 792))
    for number, title in zip(NUMBERS, TITLES, strict=True):
        c.setFont("Helvetica", 7)
        c.drawString(30, 770, f"DWG {number}")
        c.setLineWidth(1.5)
        c.rect(80, 120, 700, 560)
        c.line(80, 400, 780, 400)
        c.rect(934, 30, 260, 140)
        c.setFont("Helvetica-Bold", 10)
        c.drawString(944, 150, "BAYVIEW RAIL DEPOT UPGRADE")
        c.setFont("Helvetica-Bold", 13)
        c.drawString(944, 100, title)
        c.setFont("Helvetica", 6)
        c.drawString(944, 50, "SCALE 1:100   DRAWN RB   2025-04-02")
        c.showPage()
    c.save()
    return buffer.getvalue()


def test_an_uploader_reviews_pictures_and_marks_and_corrects_one_sheet_for_all(
    page: Page,
    cast: Cast,
    sign_in: Callable[..., None],
    site_url: str,
    shot: Callable[..., Any],
    drain_tasks: Callable[..., int],
    tmp_path: Path,
) -> None:
    pdf = tmp_path / "depot.pdf"
    pdf.write_bytes(depot_set())
    sign_in(page, cast.gc_pm)
    page.goto(f"{site_url}/projects/{cast.gc_project.pk}/drawings/upload/")
    page.get_by_label("PDF files").set_input_files(str(pdf))
    page.get_by_role("button", name="Upload and review").click()
    expect(page.get_by_role("heading", name="Review 4 sheets")).to_be_visible()
    expect(page.locator("#review")).to_contain_text("rendering…")

    assert drain_tasks() == 4  # the worker renders each page; the page polls for them
    review = page.locator("#review")
    expect(review.locator('img[data-mark="thumbnail"]')).to_have_count(4)
    expect(review.locator('img[data-mark="crop"]')).to_have_count(4)
    for img in review.locator("img").all():
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("i => i.naturalWidth") > 0
    expect(review.locator('[data-mark="new-drawing"]')).to_have_count(4)
    expect(review.locator('[data-mark="low-number"]').first).to_contain_text("file name")
    expect(review.locator('[data-mark="not-recognised"]')).to_have_count(4)
    expect(page.get_by_label("Title of sheet 2")).to_have_value("PLATFORM PLAN")
    shot(page, "review-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "review-390")
    page.set_viewport_size({"width": 1280, "height": 860})

    offer = page.get_by_role("button", name="Take every sheet's number from this place").first
    expect(offer).to_be_hidden()
    page.get_by_label("Number of sheet 1").fill("K7-01")
    expect(offer).to_be_visible()
    shot(page, "correction")
    offer.click()

    expect(page.locator("#rule-notice")).to_contain_text("3 other sheet(s)")
    for i, number in enumerate(NUMBERS, start=1):
        expect(page.get_by_label(f"Number of sheet {i}")).to_have_value(number)
    expect(review.locator('[data-mark="not-recognised"]')).to_have_count(0)
    expect(review.locator('[data-mark="low-number"]')).to_have_count(0)
    shot(page, "rule-applied")
    page.get_by_role("button", name="Add sheets").click()
    expect(page.get_by_text("4 sheet(s) added, unpublished")).to_be_visible()
    expect(page.locator("#drawing-log")).to_contain_text("K7-04")

    # The place was remembered; a drawings admin sees it and can reset it.
    page.goto(f"{site_url}/projects/{cast.gc_project.pk}/drawings/upload/layout/")
    expect(page.get_by_label("Number x %")).not_to_have_value("")
    shot(page, "layout-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "layout-390")
    page.get_by_role("button", name="Reset").click()
    expect(page.locator("#no-layout")).to_be_visible()


def test_a_scanned_page_shows_reading_then_fills_in_from_ocr(
    page: Page,
    cast: Cast,
    sign_in: Callable[..., None],
    site_url: str,
    shot: Callable[..., Any],
    drain_tasks: Callable[..., int],
    tmp_path: Path,
) -> None:
    from sheetflow.drawings.samples_titleblocks import special_pages

    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(next(s for s in special_pages() if s.layout == "scan").data)
    sign_in(page, cast.gc_pm)
    page.goto(f"{site_url}/projects/{cast.gc_project.pk}/drawings/upload/")
    page.get_by_label("PDF files").set_input_files(str(pdf))
    page.get_by_role("button", name="Upload and review").click()
    expect(page.locator('[data-mark="reading"]')).to_be_visible()
    expect(page.get_by_label("Number of sheet 1")).to_have_value("scan")
    shot(page, "reading")
    assert drain_tasks() == 1  # the worker renders and reads it; the page polls
    expect(page.get_by_label("Number of sheet 1")).to_have_value("A-501")
    expect(page.get_by_label("Title of sheet 1")).to_have_value("WALL SECTIONS")
    expect(page.locator('[data-mark="ocr"]')).to_be_visible()
    expect(page.locator('img[data-mark="crop"]')).to_be_visible()
    expect(page.locator('[data-mark="not-recognised"]')).to_have_count(0)
    expect(page.locator('[data-mark="low-number"]')).to_have_text("check · OCR")
    shot(page, "read")
