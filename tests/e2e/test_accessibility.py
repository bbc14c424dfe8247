"""Accessibility: axe-core finds no serious or critical violation on any main page, and the
skip link leads past the navigation to the content."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.cast import Cast
from tests.e2e.pages import build_world

# axe-core, vendored with its version and licence (see vendor/README.md); evaluated through
# the browser's debugging protocol, so the pages' Content-Security-Policy does not block it.
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
SERIOUS = {"serious", "critical"}


def axe_violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [v for v in result["violations"] if v["impact"] in SERIOUS]


def describe(name: str, violations: list[dict[str, Any]]) -> list[str]:
    return [
        f"{name}: {v['id']} ({v['impact']}) {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
    ]


def test_no_main_page_has_a_serious_or_critical_axe_violation(
    page: Page, cast: Cast, sign_in: Callable[..., None], site_url: str
) -> None:
    pages = build_world(cast)
    found: list[str] = []
    page.goto(f"{site_url}/accounts/sign-in/")
    found += describe("sign-in", axe_violations(page))
    sign_in(page, cast.sub_pm)
    for p in pages:
        page.goto(f"{site_url}{p.path}")
        found += describe(p.name, axe_violations(page))
    # The same pages on a phone, where the log is laid out as cards.
    page.set_viewport_size({"width": 390, "height": 844})
    for p in pages[:6]:
        page.goto(f"{site_url}{p.path}")
        found += describe(f"{p.name} (phone)", axe_violations(page))
    assert not found, "\n".join(found)


def test_the_skip_link_is_the_first_tab_stop_and_reaches_the_content(
    page: Page, cast: Cast, sign_in: Callable[..., None], site_url: str
) -> None:
    build_world(cast)
    sign_in(page, cast.sub_pm)
    page.goto(f"{site_url}/projects/{cast.sub_project.pk}/drawings/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    from_main = tab_stops_to(page, "A-101")
    page.goto(f"{site_url}/projects/{cast.sub_project.pk}/drawings/")
    from_top = tab_stops_to(page, "A-101")
    # The skip link saves every stop of the site and project navigation.
    assert from_main + 10 <= from_top, (from_main, from_top)


def tab_stops_to(page: Page, text: str) -> int:
    for stops in range(1, 80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == text:
            return stops
    raise AssertionError(f"{text} is not reachable with Tab")
