"""Nothing is lost when a worker dies: tasks it left RUNNING run again, each effect once."""

from __future__ import annotations

import os
import random
import signal
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sheetflow.common.models import WorkerHeartbeat
from sheetflow.common.workers import MAX_CLAIMS, beat, requeue_abandoned
from sheetflow.drawings.models import Revision
from sheetflow.notifications.models import Notification
from sheetflow.notifications.services import notify
from sheetflow.testing.workers import wait_until
from tests.cast import Cast
from tests.drawings.factories import upload_sheets
from tests.worker_processes import start_worker, stop

# Workers that beat every second, are dead after two silent seconds, and reap every second.
QUICK = {"WORKER_HEARTBEAT_SECONDS": "1", "WORKER_DEAD_SECONDS": "2", "WORKER_REAPER_SECONDS": "1"}


def claim_next(worker_id: str) -> DBTaskResult:
    result = DBTaskResult.objects.ready().first()
    assert result is not None
    result.claim(worker_id)
    return result


def test_a_task_left_running_by_a_dead_worker_is_queued_again(
    cast: Cast, drain_tasks: Callable[..., int]
) -> None:
    [revision] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        beat("alive")
        beat("dead")
        claim_next("dead")
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        beat("alive")  # still beating; "dead" stopped a minute ago
        assert requeue_abandoned() == 1
        assert requeue_abandoned() == 0
    drain_tasks()
    revision.refresh_from_db()
    assert revision.thumbnail_id and revision.image_id
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()


def test_a_task_of_a_live_worker_is_left_alone(cast: Cast) -> None:
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        beat("busy")
        claim_next("busy")
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        beat("busy")  # a long task, but its worker is alive
        assert requeue_abandoned() == 0
    assert DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count() == 1


def test_a_task_whose_workers_keep_dying_fails_instead_of_looping(cast: Cast) -> None:
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    # One task (the sheet's rendering), taken again and again by workers that die.
    doomed = DBTaskResult.objects.get(task_path__endswith="render_revision")
    DBTaskResult.objects.exclude(pk=doomed.pk).delete()
    start = timezone.now()
    for attempt in range(MAX_CLAIMS):
        with time_machine.travel(start + timedelta(minutes=attempt), tick=False):
            claim_next(f"doomed-{attempt}")
        with time_machine.travel(start + timedelta(minutes=attempt, seconds=59), tick=False):
            requeue_abandoned()
    result = DBTaskResult.objects.get(pk=doomed.pk)
    assert result.status == TaskResultStatus.FAILED
    assert "died 10 times" in result.traceback


class Inbox:
    """An aiosmtpd handler counting the messages of each notification."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        self.received[message["X-Sheetflow-Notification"]] += 1
        return "250 Message accepted"


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def all_done() -> bool:
    return (
        not Revision.objects.filter(thumbnail__isnull=True).exists()
        and not Notification.objects.filter(email_sent_at__isnull=True).exists()
        and not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()
    )


@pytest.mark.django_db(transaction=True)
def test_workers_killed_at_random_instants_lose_no_thumbnail_and_send_each_email_once(
    cast: Cast, smtp_inbox: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_inbox
    rng = random.Random(1234)
    revisions = upload_sheets(cast.gc_project, cast.gc_pm, [f"A-{101 + i}" for i in range(12)])
    people = [cast.gc_admin, cast.gc_pm, cast.gc_reader, cast.sub_admin, cast.sub_pm]
    notes = []
    for round_ in range(3):
        notes += notify(
            event="connection_request_sent",
            recipients=people,
            context={"upstream": cast.gc_project, "downstream": cast.sub_project},
            link=f"/round/{round_}",
        )
    env = {**QUICK, "EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    kills = 0
    while kills < 10:
        worker = start_worker(**env)
        try:
            # Once it has started work (its heartbeat is up), kill it at a random instant.
            assert wait_until(lambda: WorkerHeartbeat.objects.exists(), 60, 0.05, reconnect=True)
            time.sleep(rng.uniform(0.0, 0.4))
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        WorkerHeartbeat.objects.all().delete()  # (so the next wait sees the next worker)
        kills += 1
    assert not all_done(), "everything finished before the kills were done"
    worker = start_worker(**env)
    try:
        assert wait_until(all_done, 90, 0.05, reconnect=True), list(
            DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).values_list(
                "task_path", "status", "worker_ids", "traceback"
            )
        )
    finally:
        stop(worker)
    assert kills >= 10
    assert len(revisions) == 12
    assert not Revision.objects.filter(render_failed=True).exists()
    assert inbox.received == Counter({str(n.pk): 1 for n in notes})
