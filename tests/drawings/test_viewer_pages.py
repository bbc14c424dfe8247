"""The viewer and compare pages: who sees them, previous/next in the log's order, states."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from sheetflow.drawings.services import revisions_publish
from tests.cast import Cast
from tests.drawings.factories import publish_sheets, upload_sheets
from tests.drawings.real_sheets import real_a010

pytestmark = pytest.mark.django_db


def base(cast: Cast) -> str:
    return f"/projects/{cast.gc_project.pk}/drawings/"


def test_the_viewer_loads_the_pdf_inline_with_pdfjs_and_keeps_the_png_as_fallback(
    cast: Cast, page_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    (rev,) = publish_sheets(cast.gc_project, cast.gc_pm, 1)
    drain_tasks()
    page = page_as(cast.gc_reader).get(f"{base(cast)}revisions/{rev.pk}/view/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-pdf="{base(cast)}revisions/{rev.pk}/sheet/?inline=1"' in html
    assert re.search(r'data-pdfjs="/static/vendor/pdfjs/pdf\.min[^"]*\.mjs"', html)
    assert re.search(r'data-worker="/static/vendor/pdfjs/pdf\.worker\.min[^"]*\.mjs"', html)
    assert f'class="vw-fallback" src="{base(cast)}revisions/{rev.pk}/image/"' in html
    assert "<script>" not in html and " style=" not in html
    inline = page_as(cast.gc_reader).get(f"{base(cast)}revisions/{rev.pk}/sheet/?inline=1")
    assert inline.status_code == 200
    assert inline["Content-Type"] == "application/pdf"
    assert inline["Content-Disposition"].startswith("inline")


def test_only_those_who_may_see_the_revision_open_it_in_the_viewer(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    (draft,) = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    url = f"{base(cast)}revisions/{draft.pk}/view/"
    assert page_as(cast.gc_pm).get(url).status_code == 200
    assert page_as(cast.gc_reader).get(url).status_code == 404  # unpublished
    assert page_as(cast.outsider).get(url).status_code == 404
    revisions_publish(user=cast.gc_pm, revisions=[draft])
    assert page_as(cast.gc_reader).get(url).status_code == 200
    assert page_as(cast.outsider).get(url).status_code == 404


def test_previous_and_next_follow_the_logs_filters_and_sort(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    revs = publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=["A-101", "A-102", "S-101"])
    a101, a102, s101 = revs
    client = page_as(cast.gc_reader)

    def links(rev: Any, query: str = "") -> tuple[str | None, str | None]:
        html = client.get(f"{base(cast)}revisions/{rev.pk}/view/{query}").content.decode()
        found = dict(re.findall(r'data-rel="(prev|next)" rel="\w+" href="([^"]+)"', html))
        return found.get("prev"), found.get("next")

    assert links(a102) == (
        f"{base(cast)}revisions/{a101.pk}/view/",
        f"{base(cast)}revisions/{s101.pk}/view/",
    )
    assert links(a101)[0] is None
    # Sorted by number descending, S-101 comes first and A-102 follows it.
    assert links(s101, "?sort=-number") == (
        None,
        f"{base(cast)}revisions/{a102.pk}/view/?sort=-number",
    )
    # Filtered to "A-1", S-101 is not a neighbour.
    assert links(a102, "?q=A-1")[1] is None


def test_the_revision_switcher_lists_the_history_the_user_may_see(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    (rev0,) = publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["A-101"])
    (rev1,) = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"], revision="1")
    url = f"{base(cast)}revisions/{rev0.pk}/view/"
    admin_html = page_as(cast.gc_pm).get(url).content.decode()
    reader_html = page_as(cast.gc_reader).get(url).content.decode()
    assert f"revisions/{rev1.pk}/view/" in admin_html
    assert f"revisions/{rev1.pk}/view/" not in reader_html
    assert f'revisions/{rev0.pk}/view/" aria-current="page"' in reader_html


def test_the_compare_page_polls_while_computing_then_outlines_and_lists_the_changes(
    cast: Cast, page_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    first, second = real_a010(cast.gc_project, cast.gc_pm)
    client = page_as(cast.gc_reader)
    url = f"{base(cast)}{first.drawing_id}/compare/?a={first.pk}&b={second.pk}"
    html = client.get(url).content.decode()
    assert "Computing the differences" in html
    assert 'hx-trigger="every 1s"' in html
    drain_tasks()
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in partial
    count = int(re.search(r"(\d+) areas changed", partial).group(1))  # type: ignore[union-attr]
    assert count >= 3
    assert partial.count('class="cmp-box"') == count
    assert "08/08/2019" in partial
    side = client.get(url + "&mode=side").content.decode()
    assert side.count('class="cmp-box"') == 2 * count
    image = client.get(
        f"{base(cast)}{first.drawing_id}/compare/overlay.png?a={first.pk}&b={second.pk}"
    )
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_the_compare_page_refuses_outsiders_and_revisions_of_another_drawing(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    first, second = real_a010(cast.gc_project, cast.gc_pm)
    (other,) = publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["A-900"])
    url = f"{base(cast)}{first.drawing_id}/compare/"
    assert page_as(cast.outsider).get(f"{url}?a={first.pk}&b={second.pk}").status_code == 404
    assert page_as(cast.gc_pm).get(f"{url}?a={other.pk}&b={second.pk}").status_code == 404
    # Without a choice, the newest revision is compared with the one before.
    html = page_as(cast.gc_pm).get(url).content.decode()
    assert f'<option value="{first.pk}" selected>' in html
    assert f'<option value="{second.pk}" selected>' in html
