"""Bulk publish from the log and the API: each ticked drawing's pending revision, with a report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.messages import get_messages

from sheetflow.drawings.models import Drawing, Revision
from tests.cast import Cast
from tests.drawings.factories import publish_sheets, upload_sheets

LATER = dt.date(2026, 3, 1)


def a201_with_rev_2_pending(cast: Cast) -> tuple[Revision, Revision]:
    [first] = publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["A-201"], revision="1")
    [second] = upload_sheets(
        cast.gc_project, cast.gc_pm, ["A-201"], revision="2", drawing_date=LATER
    )
    return first, second


def log_url(cast: Cast) -> str:
    return f"/projects/{cast.gc_project.pk}/drawings/"


def test_ticking_a_drawing_with_a_pending_revision_publishes_that_revision(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    first, second = a201_with_rev_2_pending(cast)
    client = page_as(cast.gc_pm)
    log = client.get(log_url(cast)).content.decode()
    assert "Rev 2 pending" in log
    # The row's box names the drawing, whatever revision the row shows.
    assert f'name="drawing" value="{first.drawing_id}"' in log
    response = client.post(
        f"{log_url(cast)}publish/", {"drawing": [first.drawing_id], "action": "publish"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.is_published
    assert Drawing.objects.get().current_revision_id == second.pk
    said = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert said == [("success", "1 revision(s) published: A-201 rev 2.")]


def test_a_drawing_with_nothing_pending_is_reported_skipped_without_a_success_banner(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    [revision] = publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["A-101"], revision="3")
    client = page_as(cast.gc_pm)
    response = client.post(
        f"{log_url(cast)}publish/", {"drawing": [revision.drawing_id], "action": "publish"}
    )
    said = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert said == [
        (
            "warning",
            "Nothing was published. Skipped A-101 rev 3: nothing waits to be published "
            "(rev 3 is already the current revision).",
        )
    ]


def test_publishing_nothing_says_so(cast: Cast, page_as: Callable[..., Any]) -> None:
    response = page_as(cast.gc_pm).post(f"{log_url(cast)}publish/", {"action": "publish"})
    said = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert said == [("warning", "Nothing was published: select at least one drawing first.")]


def test_the_api_publishes_pending_revisions_and_reports_each_drawing(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    first, second = a201_with_rev_2_pending(cast)
    [current] = publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["S-101"])
    [withdrawn] = upload_sheets(cast.gc_project, cast.gc_pm, ["E-101"])
    Revision.objects.filter(pk=withdrawn.pk).update(withdrawn_upstream_at="2026-02-01T00:00Z")
    [elsewhere] = publish_sheets(cast.sub_project, cast.sub_pm, 1, numbers=["X-1"])
    ids = [first.drawing_id, current.drawing_id, withdrawn.drawing_id, elsewhere.drawing_id]
    response = api_as(cast.gc_pm).post(
        f"/projects/{cast.gc_project.pk}/drawings/publish", {"drawing_ids": ids}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == 1
    assert [(c["number"], c["revision_number"]) for c in body["changed"]] == [("A-201", "2")]
    assert [(s["number"], s["code"]) for s in body["skipped"]] == [
        # An id of another project is not found, and says nothing about that drawing.
        ("", "not_found"),
        ("S-101", "nothing_pending"),
        ("E-101", "withdrawn_upstream"),
    ]
    second.refresh_from_db()
    withdrawn.refresh_from_db()
    assert second.is_published and not withdrawn.is_published


def test_the_api_unpublishes_current_revisions_and_reports_drawings_with_none(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    first, _ = a201_with_rev_2_pending(cast)
    [never] = upload_sheets(cast.gc_project, cast.gc_pm, ["E-101"])
    response = api_as(cast.gc_pm).post(
        f"/projects/{cast.gc_project.pk}/drawings/unpublish",
        {"drawing_ids": [first.drawing_id, never.drawing_id]},
    )
    body = response.json()
    assert [(c["number"], c["revision_number"]) for c in body["changed"]] == [("A-201", "1")]
    assert [(s["number"], s["code"]) for s in body["skipped"]] == [("E-101", "not_published")]
    assert Drawing.objects.get(pk=first.drawing_id).current_revision_id is None


def test_publishing_revisions_reports_those_already_published(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    first, second = a201_with_rev_2_pending(cast)
    response = api_as(cast.gc_pm).post(
        f"/projects/{cast.gc_project.pk}/revisions/publish",
        {"revision_ids": [first.pk, second.pk]},
    )
    body = response.json()
    assert body["count"] == 1
    assert [(s["revision_number"], s["code"]) for s in body["skipped"]] == [
        ("1", "already_published")
    ]
    assert Drawing.objects.get().current_revision_id == second.pk
