"""The sheet viewer and revision compare in Chromium, on the two real issues of sheet A010."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.cast import Cast
from tests.drawings.factories import publish_sheets
from tests.drawings.real_sheets import real_a010

# The real A010 sheet holds 179,000 vector paths: pdf.js needs seconds on a busy machine
# (the PNG is shown meanwhile). Waits are generous; speed is measured in the bench.
READY = 60_000


def state(page: Page) -> dict[str, float]:
    """What the viewer drew: the canvas's pixels against its size on screen, and the scales."""
    return page.evaluate(
        """() => {
          const root = document.getElementById('viewer');
          const canvas = root.querySelector('.vw-canvas');
          const box = canvas.getBoundingClientRect();
          const stage = root.querySelector('.vw-stage');
          return {
            pixels: canvas.width, rows: canvas.height, shown: box.width,
            zoom: Number(root.dataset.zoom),
            scale: Number(root.dataset.renderScale),
            detail: Number(root.dataset.detailScale || 0),
            left: stage.scrollLeft, top: stage.scrollTop,
          };
        }"""
    )


def rendered_at(page: Page, zoom: float) -> None:
    """Wait until the canvas holds a drawing made for ``zoom`` (not a stretched old one)."""
    page.wait_for_function(
        """(zoom) => {
          const root = document.getElementById('viewer');
          const canvas = root.querySelector('.vw-canvas');
          return Math.abs(Number(root.dataset.zoom) - zoom) < 1e-3
            && Math.abs(Number(canvas.dataset.scale) - zoom * devicePixelRatio) < 1e-3;
        }""",
        arg=zoom,
    )


def test_the_viewer_zooms_by_redrawing_pans_switches_revision_and_goes_to_the_next_sheet(
    page: Page,
    cast: Cast,
    sign_in: Callable[..., None],
    site_url: str,
    shot: Callable[..., Any],
    drain_tasks: Callable[..., int],
) -> None:
    first, second = real_a010(cast.gc_project, cast.gc_pm)
    (before,) = publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["A-009"])
    drain_tasks()
    sign_in(page, cast.gc_reader)
    base = f"{site_url}/projects/{cast.gc_project.pk}/drawings"
    page.goto(f"{base}/revisions/{before.pk}/view/")
    expect(page.locator("#viewer.vw-ready")).to_be_attached(timeout=READY)
    expect(page.locator(".vw-fallback")).to_be_hidden()

    page.keyboard.press("ArrowRight")  # the next sheet in the log: A010, rev 2 (current)
    page.wait_for_url(f"{base}/revisions/{second.pk}/view/")
    expect(page.locator("#viewer.vw-ready")).to_be_attached(timeout=READY)
    fitted = state(page)
    assert abs(fitted["pixels"] - fitted["shown"]) <= 1  # one canvas pixel per screen pixel
    shot(page, "fitted")

    for _ in range(4):
        page.get_by_role("button", name="Zoom in").click()
    zoomed = fitted["zoom"] * 1.25**4
    rendered_at(page, zoomed)
    after = state(page)
    # Redrawn at the new scale: more canvas pixels, still one per screen pixel.
    assert after["pixels"] > fitted["pixels"] * 2
    assert abs(after["pixels"] - after["shown"]) <= 1
    assert after["scale"] > fitted["scale"] * 2

    stage = page.locator(".vw-stage")
    box = stage.bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx - 200, cy - 120, steps=5)
    page.mouse.up()
    panned = state(page)
    assert panned["left"] - after["left"] >= 150 and panned["top"] - after["top"] >= 80

    page.mouse.move(cx, cy)
    page.mouse.wheel(0, -400)  # wheel zoom around the pointer
    page.wait_for_function(f"Number(document.getElementById('viewer').dataset.zoom) > {zoomed}")
    wheel = state(page)
    rendered_at(page, wheel["zoom"])
    assert state(page)["pixels"] > after["pixels"]

    for _ in range(12):  # far past the whole-page canvas cap: the visible part is drawn sharp
        page.keyboard.press("+")
    page.wait_for_function(
        "() => { const r = document.getElementById('viewer').dataset;"
        " return Math.abs(Number(r.detailScale) - Number(r.zoom) * devicePixelRatio) < 1e-3; }"
    )
    deep = state(page)
    assert deep["pixels"] * deep["rows"] <= 16_777_216  # the whole page stays capped
    assert deep["detail"] > deep["scale"]
    shot(page, "deep-zoom")

    page.keyboard.press("0")  # back to the whole page
    page.wait_for_function(f"Number(document.getElementById('viewer').dataset.zoom) < {zoomed}")

    page.locator(".vw-revs summary").click()
    page.get_by_role("link", name="Rev 1", exact=True).click()
    page.wait_for_url(f"{base}/revisions/{first.pk}/view/")
    expect(page.locator("#viewer.vw-ready")).to_be_attached(timeout=READY)
    expect(page.locator(".vw-revs summary")).to_have_text("Rev 1")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(f"{base}/revisions/{before.pk}/view/")


def test_compare_outlines_the_changed_areas_of_two_real_revisions(
    page: Page,
    cast: Cast,
    sign_in: Callable[..., None],
    site_url: str,
    shot: Callable[..., Any],
    drain_tasks: Callable[..., int],
) -> None:
    _, second = real_a010(cast.gc_project, cast.gc_pm)
    drain_tasks()
    sign_in(page, cast.gc_reader)
    page.goto(f"{site_url}/projects/{cast.gc_project.pk}/drawings/revisions/{second.pk}/view/")
    page.get_by_role("link", name="Compare with rev 1").click()
    expect(page.get_by_text("Computing the differences")).to_be_visible()
    drain_tasks()  # the worker computes it; the page polls and shows it
    heading = page.locator("#cmp-count")
    expect(heading).to_have_text(re.compile(r"^\d+ areas changed$"), timeout=10_000)
    count = int(heading.inner_text().split()[0])
    assert count >= 3
    expect(page.locator("svg rect.cmp-box")).to_have_count(count)
    expect(page.locator(".cmp-added")).to_contain_text("08/08/2019")
    expect(page.locator(".cmp-removed")).to_contain_text("07/11/2019")
    loaded = page.evaluate(
        "() => [...document.querySelectorAll('svg image')].every(i => i.getBBox().width > 0)"
    )
    assert loaded
    shot(page, "overlay")
    page.get_by_role("link", name="Side by side").click()
    expect(page.locator("figure")).to_have_count(2)
    expect(page.locator("svg rect.cmp-box")).to_have_count(2 * count)
    shot(page, "side-by-side")


def test_on_a_phone_the_viewer_goes_full_screen(
    page: Page,
    cast: Cast,
    sign_in: Callable[..., None],
    site_url: str,
    shot: Callable[..., Any],
    drain_tasks: Callable[..., int],
) -> None:
    (revision,) = publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["A-101"])
    drain_tasks()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, cast.gc_reader)
    page.goto(f"{site_url}/projects/{cast.gc_project.pk}/drawings/revisions/{revision.pk}/view/")
    expect(page.locator("#viewer.vw-ready")).to_be_attached(timeout=READY)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    page.get_by_role("button", name="Full screen").click()
    expect(page.locator("#viewer.vw-full")).to_be_attached()
    expect(page.get_by_role("button", name="Exit full screen")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.wait_for_timeout(300)
    stage = page.locator(".vw-stage").bounding_box()
    assert stage is not None
    assert stage["width"] >= 370 and stage["height"] >= 700
    shot(page, "phone-full-screen")
    before = state(page)
    page.get_by_role("button", name="Zoom in").click()
    rendered_at(page, before["zoom"] * 1.25)
    assert state(page)["pixels"] > before["pixels"]


def test_a_sheet_pdfjs_cannot_read_stays_on_its_png(
    page: Page,
    cast: Cast,
    sign_in: Callable[..., None],
    site_url: str,
    drain_tasks: Callable[..., int],
) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from sheetflow.drawings.blobs import blob_path

    (revision,) = publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["A-101"])
    drain_tasks()  # the PNG is made from the good file; then the stored file is damaged
    default_storage.delete(blob_path(revision.sheet_id))
    default_storage.save(blob_path(revision.sheet_id), ContentFile(b"%PDF-1.7 damaged\n%%EOF"))
    sign_in(page, cast.gc_reader)
    page.goto(f"{site_url}/projects/{cast.gc_project.pk}/drawings/revisions/{revision.pk}/view/")
    expect(page.locator("#viewer.vw-failed")).to_be_attached(timeout=READY)
    expect(page.get_by_role("status")).to_have_text(
        "The sheet could not be drawn here; showing its image instead."
    )
    expect(page.locator(".vw-fallback")).to_be_visible()
    assert page.evaluate("document.querySelector('.vw-fallback').naturalWidth") > 0
