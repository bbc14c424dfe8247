"""Which events are recorded: downstream publishes, sync failing, every transition."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sheetflow.connections.models import ApprovalMode, Connection
from sheetflow.connections.services import (
    company_setting_update,
    connection_approve,
    connection_cancel,
    connection_disconnect,
    connection_reject,
    connection_request,
    connection_undo,
)
from sheetflow.connections.tasks import sweep
from sheetflow.drawings.models import Revision
from sheetflow.drawings.services import revisions_publish, revisions_unpublish
from sheetflow.webhooks.models import Event
from sheetflow.webhooks.tasks import look_for_downstream_publishes
from tests.cast import Cast
from tests.connections.sync_helpers import connect, settle
from tests.drawings.factories import publish_sheets


def types_for(project) -> list[str]:
    return list(Event.objects.filter(project=project).order_by("pk").values_list("type", flat=True))


@pytest.mark.django_db
def test_the_upstream_hears_when_a_downstream_publishes_its_copies(
    cast: Cast, receiver, endpoint_on, drain_tasks
) -> None:
    revs = publish_sheets(cast.gc_project, cast.gc_pm, 2)
    endpoint_on(cast.gc_project, receiver.url, ["revisions.published_downstream"])
    connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    settle(drain_tasks)
    copies = list(Revision.objects.filter(project=cast.sub_project).order_by("pk"))
    revisions_publish(user=cast.sub_pm, revisions=copies[:1])
    look_for_downstream_publishes()  # in tests nothing commits: the periodic look stands in
    drain_tasks()
    look_for_downstream_publishes()
    drain_tasks()  # a second look finds nothing new
    (event,) = Event.objects.filter(project=cast.gc_project)
    (item,) = event.data["revisions"]
    assert item["id"] == revs[0].pk and item["published_downstream_by"] == "Bella Shaw"
    assert event.data["connection"]["downstream"]["id"] == cast.sub_project.pk
    # Unpublished, then published again later: that is news again.
    revisions_unpublish(user=cast.sub_pm, revisions=copies[:1])
    revisions_publish(user=cast.sub_pm, revisions=copies)
    look_for_downstream_publishes()
    drain_tasks()
    latest = Event.objects.filter(project=cast.gc_project).latest("pk")
    assert sorted(r["id"] for r in latest.data["revisions"]) == sorted(r.pk for r in revs)
    assert types_for(cast.gc_project) == ["revisions.published_downstream"] * 2


@pytest.mark.django_db
def test_every_transition_reaches_both_sides(cast: Cast, endpoint_on, receiver) -> None:
    company_setting_update(user=cast.gc_admin, company=cast.gc, approval_mode=ApprovalMode.REVIEW)
    endpoint_on(cast.gc_project, receiver.url)
    endpoint_on(cast.sub_project, receiver.url)
    ask = lambda: connection_request(  # noqa: E731
        user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project
    )
    connection_reject(user=cast.gc_pm, connection=ask(), reason="not yet")
    connection_cancel(user=cast.sub_pm, connection=ask())
    third = connection_approve(user=cast.gc_pm, connection=ask())
    connection_undo(user=cast.sub_pm, connection=third, side="downstream")
    fourth = connection_approve(user=cast.gc_pm, connection=ask())
    connection_disconnect(
        user=cast.gc_pm, side="upstream", connection=fourth, reason="done", acknowledged=True
    )
    expected = [
        "connection.requested",
        "connection.rejected",
        "connection.requested",
        "connection.cancelled",
        "connection.requested",
        "connection.approved",
        "connection.undone",
        "connection.requested",
        "connection.approved",
        "connection.disconnected",
    ]
    assert types_for(cast.gc_project) == expected
    assert types_for(cast.sub_project) == expected
    last = Event.objects.filter(project=cast.sub_project).latest("pk").data
    assert last["transition"]["details"]["reason"] == "done"
    assert last["connection"]["state"] == "disconnected"


@pytest.mark.django_db
def test_sync_failing_for_ten_minutes_is_an_event(
    cast: Cast, endpoint_on, receiver, drain_tasks
) -> None:
    endpoint_on(cast.sub_project, receiver.url, ["sync.failing"])
    conn = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    settle(drain_tasks)
    since = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    Connection.objects.filter(pk=conn.pk).update(failing_since=since, last_error="boom")
    with time_machine.travel(since + dt.timedelta(minutes=11), tick=False):
        sweep()
        sweep()  # told once
    (event,) = Event.objects.filter(project=cast.sub_project)
    assert event.type == "sync.failing" and event.data["error"] == "boom"
