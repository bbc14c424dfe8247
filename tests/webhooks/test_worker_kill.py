"""A worker killed (SIGKILL) in the middle of sending loses no delivery: its lease expires
and the periodic pick-up of another worker sends it again (at least once, same event id)."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from sheetflow.testing.workers import wait_until
from sheetflow.webhooks.models import Delivery
from sheetflow.webhooks.services import endpoint_send_test
from tests.cast import Cast
from tests.webhooks.receiver import Receiver
from tests.worker_processes import start_worker, stop

WORKER = {
    "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
    "WEBHOOK_ALLOW_HTTP": "1",
    "WEBHOOK_LEASE_SECONDS": "2",
    "WEBHOOK_TIMEOUT_SECONDS": "30",
}


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_loses_no_delivery(
    cast: Cast, endpoint_on, loopback_allowed
) -> None:
    receiver = Receiver(hold=threading.Event()).start()
    try:
        endpoint, secret = endpoint_on(cast.gc_project, receiver.url, ["sync.failing"])
        endpoint_send_test(user=cast.gc_pm, endpoint=endpoint)
        (queued,) = Delivery.objects.all()
        worker = start_worker(**WORKER)
        try:
            # The first worker is inside the request (the receiver holds its answer): kill it.
            assert receiver.got_one.wait(60), "the worker never sent the delivery"
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        finally:
            stop(worker)
        queued.refresh_from_db()
        assert queued.status == "pending" and queued.lease_until is not None
        assert queued.attempts == 0  # the killed attempt never got to record anything
        receiver.hold.set()  # type: ignore[union-attr]
        second = start_worker(**WORKER)
        try:
            assert wait_until(
                lambda: Delivery.objects.get(pk=queued.pk).status == "delivered", timeout=60
            ), "the delivery was lost with the killed worker"
        finally:
            stop(second)
    finally:
        receiver.stop()
    queued.refresh_from_db()
    assert queued.response_code == 200 and queued.attempts == 1
    assert len(receiver.received) == 2
    assert len({r.json["id"] for r in receiver.received}) == 1  # receivers de-duplicate by id
    assert all(r.signature_valid(secret) for r in receiver.received)
