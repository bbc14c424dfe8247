"""A subcontractor's drawings admin publishes a batch of new revisions from the review queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from sheetflow.drawings.models import Drawing, Revision
from sheetflow.drawings.services import revisions_publish
from tests.cast import Cast
from tests.connections.sync_helpers import connect, sync
from tests.drawings.factories import publish_sheets

NUMBERS = ["A-101", "A-102", "S-101"]


def test_the_queue_publishes_a_batch_of_new_revisions_of_existing_sheets(
    page: Page,
    cast: Cast,
    sign_in: Callable[..., None],
    site_url: str,
    shot: Callable[..., Any],
    drain_tasks: Callable[..., int],
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=NUMBERS)
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    sync(connection)
    revisions_publish(user=cast.sub_pm, revisions=Revision.objects.filter(project=cast.sub_project))
    publish_sheets(
        cast.gc_project,
        cast.gc_pm,
        3,
        numbers=NUMBERS,
        revision="1",
        drawing_date=dt.date(2026, 3, 1),
    )
    sync(connection)
    drain_tasks()  # thumbnails

    sign_in(page, cast.sub_pm)
    page.goto(f"{site_url}/projects/{cast.sub_project.pk}/")
    expect(page.locator("#review-waiting")).to_contain_text("3 sheets waiting for your review.")
    page.get_by_role("link", name="Open the review queue").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    batch = page.locator(".queue-batch")
    expect(batch).to_have_count(1)
    expect(batch.get_by_role("heading")).to_contain_text("3 sheets from Apex Builders, today")
    expect(batch.locator(".queue-item")).to_have_count(3)
    expect(batch.get_by_text("New revision")).to_have_count(3)
    expect(batch.locator("img.dw-thumb")).to_have_count(3)
    shot(page, "queue")

    batch.get_by_role("button", name="Publish these 3").click()
    expect(page.locator(".msg-success")).to_contain_text("3 revision(s) published:")
    expect(page.locator("#queue-empty")).to_have_text("Nothing is waiting for your review.")
    current = Drawing.objects.filter(project=cast.sub_project).values_list(
        "current_revision__revision_number", flat=True
    )
    assert sorted(current) == ["1", "1", "1"]
