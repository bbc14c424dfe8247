"""A drawings admin uploads a multi-page set, corrects a number, publishes, sees the log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from sheetflow.drawings.samples import drawing_set_pdf
from tests.cast import Cast

SHEETS = (
    ("A-101", "Floor Plan - Level 1"),
    ("A-102", "Floor Plan - Level 2"),
    ("S-101", "Foundation Plan"),
    ("E-101", "Lighting Plan"),
)


def test_an_admin_uploads_reviews_publishes_and_sees_thumbnails(
    page: Page,
    cast: Cast,
    sign_in: Callable[..., None],
    site_url: str,
    shot: Callable[..., Any],
    drain_tasks: Callable[..., int],
    tmp_path: Path,
) -> None:
    pdf = tmp_path / "RMC IFC set.pdf"
    pdf.write_bytes(drawing_set_pdf(SHEETS, revision="0"))
    sign_in(page, cast.gc_pm)
    page.goto(f"{site_url}/projects/{cast.gc_project.pk}/")
    page.get_by_role("link", name="Drawings", exact=True).first.click()
    expect(page.get_by_role("heading", name="Drawing log")).to_be_visible()
    shot(page, "empty-log")

    page.get_by_role("link", name="Upload drawings").click()
    page.get_by_label("PDF files").set_input_files(str(pdf))
    page.get_by_label("…or a new set named").fill("IFC")
    page.get_by_label("Revision status").fill("For Construction")
    shot(page, "upload-form")
    page.get_by_role("button", name="Upload and review").click()

    expect(page.get_by_role("heading", name="Review 4 sheets")).to_be_visible()
    number = page.get_by_label("Number of sheet 2")
    expect(number).to_have_value("A-102")
    expect(page.get_by_label("Title of sheet 3")).to_have_value("FOUNDATION PLAN")
    number.fill("A-201")
    shot(page, "review")
    page.get_by_role("button", name="Add sheets").click()

    expect(page.get_by_text("4 sheet(s) added, unpublished")).to_be_visible()
    expect(page.locator("#drawing-log")).to_contain_text("A-201")
    expect(page.locator("#drawing-log")).not_to_contain_text("A-102")
    expect(page.get_by_text("Rendering…").first).to_be_visible()
    shot(page, "pending-log")

    # The review pictures of the confirmed upload (nothing left to do) and the thumbnails.
    assert drain_tasks() == 8
    page.reload()
    page.get_by_label("Select all").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("4 revision(s) published:")).to_be_visible()

    page.get_by_label("Published state").select_option("published")
    page.get_by_role("button", name="Filter").click()
    log = page.locator("#drawing-log")
    expect(log.locator("img.dw-thumb")).to_have_count(4)
    expect(log).to_contain_text("Structural")
    expect(log).not_to_contain_text("Unpublished")
    shot(page, "published-log")

    page.get_by_label("Discipline").select_option("Structural")
    page.get_by_role("button", name="Filter").click()
    expect(log.locator("tbody tr")).to_have_count(1)

    log.get_by_role("link", name="S-101", exact=True).click()
    expect(page.get_by_role("heading", name="S-101")).to_be_visible()
    expect(page.locator("#revisions")).to_contain_text("Current")
    shot(page, "history")
    page.locator("#revisions").get_by_role("link", name="0", exact=True).click()
    expect(page.locator(".dw-viewer img")).to_be_visible()
    shot(page, "viewer")
