"""The log's bulk Publish publishes each ticked drawing's pending revision and says so."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from sheetflow.drawings import views
from sheetflow.drawings.models import Drawing
from tests.cast import Cast
from tests.drawings.factories import publish_sheets, upload_sheets


def test_ticking_a_drawing_with_a_pending_revision_publishes_the_new_revision(
    page: Page,
    cast: Cast,
    sign_in: Callable[..., None],
    site_url: str,
    shot: Callable[..., Any],
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["A-201"], revision="1")
    [pending] = upload_sheets(
        cast.gc_project, cast.gc_pm, ["A-201"], revision="2", drawing_date=dt.date(2026, 3, 1)
    )
    sign_in(page, cast.gc_pm)
    page.goto(f"{site_url}/projects/{cast.gc_project.pk}/drawings/")
    log = page.locator("#drawing-log")
    expect(log).to_contain_text("Rev 2 pending")
    page.get_by_label("Select A-201").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("1 revision(s) published: A-201 rev 2.")).to_be_visible()
    expect(page.locator(".msg-success")).to_have_count(1)
    expect(log).not_to_contain_text("pending")
    assert Drawing.objects.get().current_revision_id == pending.pk
    shot(page, "published")

    # Ticking it again publishes nothing, and says why instead of a green banner.
    page.get_by_label("Select A-201").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".msg-warning")).to_contain_text("Nothing was published")
    expect(page.locator(".msg-success")).to_have_count(0)


def test_select_all_offers_every_matching_drawing_not_just_the_page(
    page: Page,
    cast: Cast,
    sign_in: Callable[..., None],
    site_url: str,
    shot: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-101", "A-102", "A-103"])
    sign_in(page, cast.gc_pm)
    page.goto(f"{site_url}/projects/{cast.gc_project.pk}/drawings/")
    offer = page.get_by_role("button", name="Select all 3 matching drawings")
    expect(offer).to_be_hidden()
    page.get_by_label("Select all").check()
    expect(page.get_by_text("All 2 drawings on this page are selected.")).to_be_visible()
    offer.click()
    expect(
        page.get_by_text("drawings matching these filters are selected, on every page")
    ).to_be_visible()
    shot(page, "all-matching")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".msg-success")).to_contain_text("3 revision(s) published:")
    assert Drawing.objects.filter(current_revision__isnull=False).count() == 3
