"""Events reach a real receiver, signed, with the API's shapes; retries; giving up."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sheetflow.connections.services import connection_disconnect
from sheetflow.notifications.models import Notification
from sheetflow.webhooks import delivery
from sheetflow.webhooks.models import Delivery, Endpoint
from tests.cast import Cast
from tests.connections.sync_helpers import connect, settle
from tests.drawings.factories import publish_sheets
from tests.webhooks.helpers import send_all, statuses


@pytest.mark.django_db
def test_connection_events_reach_both_sides_signed_and_shaped_like_the_api(
    cast: Cast, receiver, endpoint_on, drain_tasks, api_as
) -> None:
    _, up_secret = endpoint_on(cast.gc_project, receiver.url + "?side=up")
    _, down_secret = endpoint_on(cast.sub_project, receiver.url + "?side=down")
    conn = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    send_all(drain_tasks)
    by_side: dict[str, list] = {"up": [], "down": []}
    for item in receiver.received:
        by_side[item.path.rsplit("=", 1)[1]].append(item)
    for side, secret in (("up", up_secret), ("down", down_secret)):
        types = [r.json["type"] for r in by_side[side]]
        assert types[:2] == ["connection.requested", "connection.approved"], side
        assert all(r.signature_valid(secret) for r in by_side[side])
        assert not any(r.signature_valid("whsec_wrong") for r in by_side[side])
    approved = by_side["up"][1]
    body = approved.json
    assert approved.headers["Sheetflow-Event-Id"] == body["id"]
    assert body["project_id"] == cast.gc_project.pk
    api_view = api_as(cast.gc_pm).get(f"/connections/{conn.pk}").json()
    assert body["data"]["connection"]["id"] == api_view["id"]
    assert set(body["data"]["connection"]) == set(api_view)
    assert body["data"]["transition"]["kind"] == "auto_approved"
    assert set(statuses()) == {"delivered"}
    assert set(Delivery.objects.values_list("response_code", flat=True)) == {200}


@pytest.mark.django_db
def test_the_sync_reports_its_first_copy_and_each_window_of_new_revisions(
    cast: Cast, receiver, endpoint_on, drain_tasks
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 1)
    endpoint_on(cast.sub_project, receiver.url, ["sync.initial_complete", "revisions.copied"])
    connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    settle(drain_tasks)
    later = publish_sheets(cast.gc_project, cast.gc_pm, 2, numbers=["S-201", "S-202"])
    settle(drain_tasks)
    send_all(drain_tasks)
    types = [r.json["type"] for r in receiver.received]
    assert types == ["sync.initial_complete", "revisions.copied"]
    copied = receiver.received[1].json["data"]
    assert copied["total"] == 2
    assert sorted(r["drawing_number"] for r in copied["revisions"]) == ["S-201", "S-202"]
    assert {r["upstream_uuid"] for r in copied["revisions"]} == {str(r.uuid) for r in later}


@pytest.mark.django_db
def test_a_receiver_failing_three_times_gets_the_event_on_the_fourth_try(
    cast: Cast, receiver, endpoint_on, drain_tasks
) -> None:
    receiver.failures = 3
    endpoint_on(cast.gc_project, receiver.url, ["connection.approved"])
    connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    send_all(drain_tasks)
    assert len(receiver.received) == 4
    assert len({r.json["id"] for r in receiver.received}) == 1  # one event, four tries
    (sent,) = Delivery.objects.all()
    assert sent.status == "delivered" and sent.attempts == 4 and sent.response_code == 200
    assert Endpoint.objects.get().failing_since is None


def test_retries_back_off_and_never_wait_more_than_an_hour(settings) -> None:
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    delays = [delivery.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == 3600 and delays == sorted(delays)


@pytest.mark.django_db
def test_an_endpoint_failing_for_a_day_is_turned_off_and_its_admins_told(
    cast: Cast, receiver, endpoint_on, drain_tasks, settings
) -> None:
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.failures = 10_000
    endpoint, _ = endpoint_on(cast.gc_project, receiver.url, ["connection.disconnected"])
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        conn = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
        connection_disconnect(
            user=cast.sub_pm, side="downstream", connection=conn, reason="x", acknowledged=True
        )
        send_all(drain_tasks)
        assert statuses() == ["pending"]
        clock.shift(dt.timedelta(hours=12))
        send_all(drain_tasks)
        assert Endpoint.objects.get().is_active
        clock.shift(dt.timedelta(hours=12, seconds=1))
        send_all(drain_tasks)
    endpoint.refresh_from_db()
    assert statuses() == ["failed"]
    assert not endpoint.is_active and endpoint.disabled_at is not None
    told = Notification.objects.filter(event="webhook_disabled")
    assert {n.user_id for n in told} >= {cast.gc_pm.pk}
    assert len(receiver.received) == 3


@pytest.mark.django_db
def test_bodies_are_kept_seven_days_then_purged(
    cast: Cast, receiver, endpoint_on, drain_tasks
) -> None:
    endpoint_on(cast.gc_project, receiver.url, ["connection.approved"])
    with time_machine.travel(dt.datetime(2026, 3, 2, tzinfo=dt.UTC), tick=False) as clock:
        connect(cast.sub_pm, cast.sub_project, cast.gc_project)
        send_all(drain_tasks)
        (sent,) = Delivery.objects.all()
        assert '"connection.approved"' in sent.request_body and sent.response_body == "ok"
        clock.shift(dt.timedelta(days=6))
        assert delivery.purge_bodies() == 0
        clock.shift(dt.timedelta(days=1, seconds=1))
        assert delivery.purge_bodies() == 1
    sent.refresh_from_db()
    assert sent.request_body == "" and sent.status == "delivered" and sent.response_code == 200


@pytest.mark.django_db
def test_nothing_is_recorded_when_no_endpoint_listens(cast: Cast, drain_tasks) -> None:
    connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    settle(drain_tasks)
    assert not Delivery.objects.exists()
