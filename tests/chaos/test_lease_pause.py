"""A worker paused (SIGSTOP) past its lease and resumed notices it lost the lease and writes
nothing, while another worker took over within seconds (PostgreSQL, `-m chaos`)."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.db import connection as db

from sheetflow.connections.models import Connection, SyncRun
from sheetflow.drawings import sequence
from sheetflow.testing.workers import wait_until
from tests.cast import Cast
from tests.connections.sync_helpers import connect, copies_in, published_upstream
from tests.drawings.factories import publish_sheets
from tests.worker_processes import start_worker, stop

pytestmark = [pytest.mark.chaos, pytest.mark.postgres]

SLOW = {
    "SYNC_INITIAL_WINDOW": "3",
    "SYNC_LEASE_SECONDS": "2",
    "DRAWINGS_THUMBNAIL_WIDTH": "100",
    "DRAWINGS_IMAGE_WIDTH": "200",
}


def cursor_of(connection: Connection) -> int:
    return Connection.objects.values_list("synced_seq", flat=True).get(pk=connection.pk)


@pytest.mark.django_db(transaction=True)
def test_a_worker_stopped_past_its_lease_is_replaced_and_when_resumed_writes_nothing(
    cast: Cast, capsys
) -> None:
    assert db.vendor == "postgresql", "this test stops a worker inside PostgreSQL sessions"
    publish_sheets(cast.gc_project, cast.gc_pm, 120, numbers=[f"A-{i}" for i in range(120)])
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    head = sequence.current_seq(cast.gc_project.pk)
    paused = start_worker(**SLOW)
    other = None
    try:
        assert wait_until(lambda: cursor_of(connection) >= head // 3, timeout=120)
        os.kill(paused.pid, signal.SIGSTOP)
        stopped_at = time.monotonic()
        stopped_cursor = cursor_of(connection)
        assert stopped_cursor < head, "the copy finished before the pause"
        [run] = SyncRun.objects.filter(connection=connection, finished_at__isnull=True)
        other = start_worker(**SLOW)
        assert wait_until(lambda: cursor_of(connection) > stopped_cursor, timeout=120)
        handover = time.monotonic() - stopped_at
        assert wait_until(lambda: cursor_of(connection) >= head, timeout=120)
        # New upstream work the paused worker could wrongly apply once it resumes.
        publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=["B-1", "B-2", "B-3"])
        head = sequence.current_seq(cast.gc_project.pk)
        assert wait_until(lambda: cursor_of(connection) >= head, timeout=120)
        os.kill(paused.pid, signal.SIGCONT)
        seen = []
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            seen.append(cursor_of(connection))
            time.sleep(0.01)
        run.refresh_from_db()
    finally:
        if paused.poll() is None:
            os.kill(paused.pid, signal.SIGCONT)
        stop(paused)
        if other is not None:
            stop(other)
    with capsys.disabled():
        print(f"\nlease handover after SIGSTOP: {handover:.2f} s (lease 2 s); resumed: {run.error}")
    # The cursor never went back: the resumed worker applied no stale window.
    assert seen == sorted(seen) and seen[-1] == head
    assert run.finished_at is not None and run.error, (run.ok, run.error)
    connection.refresh_from_db()
    assert connection.last_error == ""
    assert copies_in(cast.sub_project) == published_upstream(cast.gc_project)
