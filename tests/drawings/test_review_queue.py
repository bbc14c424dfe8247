"""The downstream review queue: connected copies waiting for review, by sync batch, published
one by one, by batch or all matching; the counts on the project home and the sync box."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.messages import get_messages
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from sheetflow.connections.models import Connection
from sheetflow.drawings import review
from sheetflow.drawings.models import Revision
from sheetflow.drawings.services import revisions_publish, revisions_unpublish
from sheetflow.notifications.models import Notification
from tests.cast import Cast
from tests.connections.sync_helpers import connect, sync
from tests.drawings.factories import publish_sheets

LATER = dt.date(2026, 3, 1)


def queue_url(cast: Cast) -> str:
    return f"/projects/{cast.sub_project.pk}/drawings/review-queue/"


def connected_with_two_batches(cast: Cast) -> Connection:
    """Initial copy of A-101 and A-201 (published here), then a batch of rev 1 of A-201 and
    a new drawing S-101."""
    publish_sheets(cast.gc_project, cast.gc_pm, 2, numbers=["A-101", "A-201"])
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    sync(connection)
    revisions_publish(user=cast.sub_pm, revisions=Revision.objects.filter(project=cast.sub_project))
    publish_sheets(
        cast.gc_project, cast.gc_pm, 1, numbers=["A-201"], revision="1", drawing_date=LATER
    )
    publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["S-101"], drawing_date=LATER)
    sync(connection)
    return connection


def waiting_numbers(cast: Cast) -> list[tuple[str, str]]:
    return [
        (r.drawing.number, r.revision_number)
        for r in review.waiting(project=cast.sub_project).select_related("drawing")
    ]


def test_the_queue_groups_waiting_copies_by_batch_and_says_what_changed(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    connected_with_two_batches(cast)
    page = page_as(cast.sub_pm).get(queue_url(cast))
    assert page.status_code == 200
    html = page.content.decode()
    assert sorted(waiting_numbers(cast)) == [("A-201", "1"), ("S-101", "0")]
    assert "2 sheets from Apex Builders, today" in html
    assert "New drawing" in html
    assert "rev 0 (published here) → rev 1" in html
    assert html.count('class="card queue-batch"') == 1


def test_withdrawn_copies_are_listed_apart_and_not_counted(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    connection = connected_with_two_batches(cast)
    s101 = Revision.objects.get(project=cast.gc_project, drawing__number="S-101")
    revisions_unpublish(user=cast.gc_pm, revisions=[s101])
    sync(connection)
    assert waiting_numbers(cast) == [("A-201", "1")]
    html = page_as(cast.sub_pm).get(queue_url(cast)).content.decode()
    withdrawn = html[html.index('id="withdrawn"') :]
    assert "S-101" in withdrawn and "S-101" not in html[: html.index('id="withdrawn"')]


def test_publishing_one_a_batch_or_all_matching_from_the_queue(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    connected_with_two_batches(cast)
    client = page_as(cast.sub_pm)
    a201 = Revision.objects.get(
        project=cast.sub_project, drawing__number="A-201", revision_number="1"
    )
    one = client.post(f"{queue_url(cast)}publish/", {"revision": a201.pk})
    assert one.status_code == 302
    assert [str(m) for m in get_messages(one.wsgi_request)] == [
        "1 revision(s) published: A-201 rev 1."
    ]
    assert waiting_numbers(cast) == [("S-101", "0")]
    # Everything matching: the confirmation counts across pages before anything happens.
    confirm = client.get(f"{queue_url(cast)}publish/")
    assert "Publish 1 sheet?" in confirm.content.decode()
    stale = client.post(f"{queue_url(cast)}publish/", {"expected": 5})
    [said] = [str(m) for m in get_messages(stale.wsgi_request)]
    assert said.startswith("The review queue changed: 1 sheet(s) match now, not 5.")
    assert waiting_numbers(cast) == [("S-101", "0")]
    done = client.post(f"{queue_url(cast)}publish/", {"expected": 1})
    assert done.status_code == 302
    assert waiting_numbers(cast) == []
    assert "Nothing is waiting for your review." in client.get(queue_url(cast)).content.decode()


def test_publishing_a_batch_leaves_other_batches_waiting(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    connection = connected_with_two_batches(cast)
    publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["E-101"], drawing_date=LATER)
    sync(connection)
    e101 = Revision.objects.get(project=cast.sub_project, drawing__number="E-101")
    key = review.batch_key(e101.created_at)
    client = page_as(cast.sub_pm)
    batch_page = client.get(queue_url(cast), {"batch": key}).content.decode()
    assert "E-101" in batch_page and "S-101" not in batch_page
    client.post(f"{queue_url(cast)}publish/", {"batch": key, "expected": 1})
    assert sorted(waiting_numbers(cast)) == [("A-201", "1"), ("S-101", "0")]


def test_the_queue_does_a_constant_number_of_queries(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    connection = connected_with_two_batches(cast)
    client = page_as(cast.sub_pm)
    with CaptureQueriesContext(db) as few:
        client.get(queue_url(cast))
    publish_sheets(cast.gc_project, cast.gc_pm, 6, numbers=[f"M-{i}" for i in range(6)])
    sync(connection)
    publish_sheets(
        cast.gc_project, cast.gc_pm, 1, numbers=["A-101"], revision="1", drawing_date=LATER
    )
    sync(connection)
    with CaptureQueriesContext(db) as many:
        html = client.get(queue_url(cast)).content.decode()
    assert html.count('class="queue-item"') == 9
    assert len(many.captured_queries) == len(few.captured_queries)


def test_readers_and_outsiders_cannot_open_the_queue(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    connected_with_two_batches(cast)
    gc_queue = f"/projects/{cast.gc_project.pk}/drawings/review-queue/"
    assert page_as(cast.gc_reader).get(gc_queue).status_code == 403
    assert page_as(cast.outsider).get(queue_url(cast)).status_code == 404
    assert (
        page_as(cast.outsider).post(f"{queue_url(cast)}publish/", {"expected": 2}).status_code
        == 404
    )
    assert len(waiting_numbers(cast)) == 2


def test_home_and_sync_box_say_how_many_sheets_wait_with_a_link(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    connection = connected_with_two_batches(cast)
    client = page_as(cast.sub_pm)
    home = client.get(f"/projects/{cast.sub_project.pk}/").content.decode()
    assert "2 sheets waiting for your review." in home and queue_url(cast) in home
    box = client.get(
        f"/projects/{cast.sub_project.pk}/connections/{connection.pk}/sync/"
    ).content.decode()
    assert "2 sheets waiting for your review." in box and queue_url(cast) in box
    upstream_box = (
        page_as(cast.gc_pm)
        .get(f"/projects/{cast.gc_project.pk}/connections/{connection.pk}/sync/")
        .content.decode()
    )
    assert "waiting for your review" not in upstream_box


def test_the_new_sheets_email_links_to_its_batch_and_tells_revisions_from_sheets(
    cast: Cast, drain_tasks: Callable[..., int]
) -> None:
    connected_with_two_batches(cast)
    drain_tasks()
    [message] = Notification.objects.filter(user=cast.sub_pm, event="sync_new_sheets")
    s101 = Revision.objects.get(project=cast.sub_project, drawing__number="S-101")
    assert message.link == f"{queue_url(cast)}?batch={review.batch_key(s101.created_at)}"
    assert "1 new sheet and 1 new revision" in message.subject


def test_the_api_lists_the_queue_and_its_batches_and_publishes_a_batch(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    connected_with_two_batches(cast)
    api = api_as(cast.sub_pm)
    base = f"/projects/{cast.sub_project.pk}/review-queue"
    items = api.get(base).json()["items"]
    assert sorted((i["number"], i["change"]["kind"]) for i in items) == [
        ("A-201", "new_revision"),
        ("S-101", "new_drawing"),
    ]
    [batch] = api.get(f"{base}/batches").json()["items"]
    assert batch["count"] == 2 and batch["upstream_company_name"] == "Apex Builders"
    assert batch["label"].startswith("2 sheets from Apex Builders, today")
    stale = api.post(f"{base}/publish", {"batch": batch["batch"], "expected_count": 3})
    assert stale.status_code == 409 and stale.json()["code"] == "queue_changed"
    done = api.post(f"{base}/publish", {"batch": batch["batch"], "expected_count": 2})
    assert done.status_code == 200 and done.json()["count"] == 2
    assert api.get(base).json()["count"] == 0
    assert (
        api_as(cast.gc_reader).get(f"/projects/{cast.gc_project.pk}/review-queue").status_code
        == 403
    )
    assert api_as(cast.outsider).post(f"{base}/publish", {}).status_code == 404


def test_a_batch_key_out_of_range_is_ignored_instead_of_failing(
    cast: Cast, api_as: Callable[..., Any], page_as: Callable[..., Any]
) -> None:
    connected_with_two_batches(cast)
    response = api_as(cast.sub_pm).get(
        f"/projects/{cast.sub_project.pk}/review-queue", {"batch": "9" * 18}
    )
    assert response.status_code == 200 and response.json()["count"] == 2
    assert page_as(cast.sub_pm).get(queue_url(cast), {"batch": "9" * 18}).status_code == 200
