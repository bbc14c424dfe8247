"""Phones and tablets: no main page scrolls sideways, the log becomes cards that keep numbers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.cast import Cast
from tests.e2e.pages import build_world

WIDTHS = {"phone": (390, 844), "tablet": (768, 1024)}


def test_no_main_page_scrolls_sideways_on_a_phone_or_a_tablet(
    page: Page, cast: Cast, sign_in: Callable[..., None], site_url: str, shot: Callable[..., Any]
) -> None:
    pages = build_world(cast)
    sign_in(page, cast.sub_pm)
    too_wide = []
    for width, height in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": height})
        for p in pages:
            page.goto(f"{site_url}{p.path}")
            scroll, inner = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            if scroll > inner:
                too_wide.append(f"{p.name} at {width}px: {scroll} > {inner}")
            if p.name in ("log", "review-queue", "drawing", "home", "connection"):
                shot(page, f"{p.name}-{width}")
    assert too_wide == []


def test_the_phone_log_is_cards_with_numbers_and_filters_behind_a_button(
    page: Page, cast: Cast, sign_in: Callable[..., None], site_url: str
) -> None:
    build_world(cast)
    sign_in(page, cast.sub_pm)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site_url}/projects/{cast.sub_project.pk}/drawings/")
    log = page.locator("#drawing-log")
    for number in ("A-101", "A-102", "S-101", "E-900"):
        expect(log.get_by_role("link", name=number, exact=True)).to_be_visible()
    card = log.locator("tr", has_text="A-101")
    expect(card.locator("img.dw-thumb")).to_be_visible()
    expect(card).to_contain_text("Rev 0")
    expect(card.get_by_text("Rev 1 pending")).to_be_visible()
    # Each drawing is a card: its number sits above its title, not beside it in a column.
    number = card.locator(".dw-c-number").bounding_box()
    title = card.locator(".dw-c-title").bounding_box()
    assert number and title and title["y"] >= number["y"] + number["height"] - 1
    filters = page.locator("#log-filters")
    expect(filters).to_be_hidden()
    page.get_by_role("button", name="Filters").click()
    expect(filters).to_be_visible()
    expect(page.get_by_role("button", name="Filters")).to_have_attribute("aria-expanded", "true")
    page.get_by_label("Search").fill("S-101")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(log.locator("tr.dw-row")).to_have_count(1)
