"""The periodic pick-up: lost wake-ups and expired leases are sent, without flooding."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from sheetflow.webhooks import delivery
from sheetflow.webhooks.models import Delivery
from sheetflow.webhooks.services import endpoint_send_test
from sheetflow.webhooks.tasks import deliver_task
from tests.cast import Cast
from tests.webhooks.helpers import send_all


@pytest.mark.django_db
def test_a_delivery_whose_task_was_lost_is_picked_up_once_after_the_grace(
    cast: Cast, receiver, endpoint_on, drain_tasks
) -> None:
    endpoint, _ = endpoint_on(cast.gc_project, receiver.url, ["sync.failing"])
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        endpoint_send_test(user=cast.gc_pm, endpoint=endpoint)
        DBTaskResult.objects.filter(task_path__endswith="deliver_task").delete()
        (lost,) = Delivery.objects.all()
        assert delivery.due_ids() == []  # its own task may still be on the way
        clock.shift(delivery.PICKUP_GRACE + dt.timedelta(seconds=1))
        assert delivery.due_ids() == [lost.pk]
        deliver_task.enqueue(lost.pk)  # what the periodic job does with what it picked
        assert delivery.due_ids() == []  # picked: not handed out again right away
        send_all(drain_tasks)
    lost.refresh_from_db()
    assert lost.status == "delivered" and len(receiver.received) == 1


@pytest.mark.django_db
def test_a_held_lease_keeps_others_off_until_it_expires(
    cast: Cast, receiver, endpoint_on, settings
) -> None:
    endpoint, _ = endpoint_on(cast.gc_project, receiver.url, ["sync.failing"])
    endpoint_send_test(user=cast.gc_pm, endpoint=endpoint)
    (held,) = Delivery.objects.all()
    assert delivery.claim(held.pk, "a dead worker")
    assert not delivery.claim(held.pk, "another worker")
    assert delivery.due_ids() == []
    with time_machine.travel(dt.timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS + 1), tick=False):
        assert delivery.due_ids() == [held.pk]
        assert delivery.deliver(held.pk) == "delivered"
