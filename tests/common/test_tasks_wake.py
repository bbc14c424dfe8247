"""A new task wakes the workers (NOTIFY on PostgreSQL); polling stays as the fallback.

Every test runs on both databases: on PostgreSQL it checks the wake-up, on SQLite (where
polling is the only mechanism) the same steps check the polling path.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from django.db import connection, transaction

from sheetflow.common.tasks_wake import APPLICATION_NAME, Waiter
from sheetflow.drawings.models import Revision
from sheetflow.drawings.tasks import render_revision
from sheetflow.testing.workers import wait_until
from tests.cast import Cast
from tests.connections.sync_helpers import connect, copies_in, published_upstream
from tests.drawings.factories import publish_sheets, upload_sheets
from tests.worker_processes import ROOT, stop, worker_env

# Generous limits for the machine to do the work; on PostgreSQL still far below the worker's
# poll interval, so only a wake-up can have run the tasks in time.
LIMIT = 20.0
LONG_POLL = 60.0
# A wait that a notification would cut short; on PostgreSQL none must arrive in it.
QUIET = 0.5


def postgres() -> bool:
    return connection.vendor == "postgresql"


def listening_pids() -> set[int]:
    """The server processes of this database's LISTEN connections (none on SQLite)."""
    if not postgres():
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [APPLICATION_NAME],
        )
        return {row[0] for row in cursor.fetchall()}


def allow_connections(allow: bool) -> None:
    """Let clients connect to the test database, or not (as while a server restarts)."""
    database = connection.ops.quote_name(connection.settings_dict["NAME"])
    # Said from another database: PostgreSQL refuses it from the database itself.
    params = {**connection.get_connection_params(), "dbname": "postgres", "autocommit": True}
    with psycopg.Connection.connect(**params) as other:
        other.execute(f"ALTER DATABASE {database} ALLOW_CONNECTIONS {str(allow).lower()}")


def terminate(pids: set[int]) -> None:
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def waiters() -> Iterator[Callable[[Callable[[str], bool]], Waiter]]:
    made: list[Waiter] = []

    def make(wanted: Callable[[str], bool]) -> Waiter:
        waiter = Waiter("default", wanted)
        waiter.start()
        made.append(waiter)
        return waiter

    yield make
    for waiter in made:
        waiter.close()


@pytest.mark.django_db(transaction=True)
def test_a_committed_task_wakes_the_waiters_of_its_queue_only(
    cast: Cast, waiters: Callable[[Callable[[str], bool]], Waiter]
) -> None:
    [revision] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    main = waiters(lambda queue: queue != "sync")
    sync = waiters(lambda queue: queue == "sync")
    with pytest.raises(RuntimeError), transaction.atomic():
        render_revision.enqueue(revision.pk)
        raise RuntimeError("rolled back")
    assert main.wait(QUIET) is False  # a rolled-back task is never announced
    render_revision.enqueue(revision.pk)
    # PostgreSQL: woken early. SQLite: no wake-up, the wait is the poll interval.
    assert main.wait(LONG_POLL if postgres() else QUIET) is postgres()
    assert sync.wait(QUIET) is False  # not one of its queues


@pytest.mark.django_db(transaction=True)
def test_a_dropped_listen_connection_falls_back_to_polling_and_reconnects(
    cast: Cast, waiters: Callable[[Callable[[str], bool]], Waiter]
) -> None:
    [revision] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    waiter = waiters(lambda queue: True)
    before = listening_pids()
    assert len(before) == (1 if postgres() else 0)
    if postgres():
        # The server goes away and, for a while, refuses new connections.
        allow_connections(False)
        terminate(before)
    try:
        # Polling: each wait lasts its interval, without an error, however often it is retried.
        assert waiter.wait(QUIET) is False
        assert waiter.wait(QUIET) is False
        deadline = time.monotonic() + LIMIT  # (the terminated server process may linger)
        while listening_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listening_pids() == set()  # it did not reconnect
    finally:
        if postgres():
            allow_connections(True)
    # Back: it listens again (and polls at once, for what was missed meanwhile).
    assert waiter.wait(LONG_POLL if postgres() else QUIET) is postgres()
    after = listening_pids()
    assert len(after) == len(before) and not after & before
    render_revision.enqueue(revision.pk)
    assert waiter.wait(LONG_POLL if postgres() else QUIET) is postgres()


def start_worker(interval: float) -> subprocess.Popen[bytes]:
    command = ["worker", "--no-periodic", f"--interval={interval}"]
    return subprocess.Popen(
        [sys.executable, "-m", "sheetflow.cli", *command],
        cwd=ROOT,
        env=worker_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def publish_and_wait(cast: Cast, number: str) -> bool:
    """Publish a sheet upstream; True once the downstream shows it, rendered.

    The copy is the sync queue's work, the rendering the main queue's: both threads ran.
    """
    publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=[number])

    def shown() -> bool:
        expected = published_upstream(cast.gc_project)
        return (
            copies_in(cast.sub_project) == expected
            and not Revision.objects.filter(
                project=cast.sub_project, thumbnail__isnull=True
            ).exists()
        )

    return wait_until(shown, LIMIT, 0.05, reconnect=True)


@pytest.mark.django_db(transaction=True)
def test_a_waiting_worker_runs_new_tasks_without_sleeping_out_its_poll_interval(
    cast: Cast,
) -> None:
    connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    # PostgreSQL: a poll interval longer than the test waits. SQLite: polling is the mechanism.
    worker = start_worker(LONG_POLL if postgres() else 0.2)
    try:
        listeners = 2 if postgres() else 0  # the sync thread's and the main thread's
        assert wait_until(lambda: len(listening_pids()) == listeners, LIMIT, 0.05, reconnect=True)
        first = listening_pids()
        # The worker has polled (it ran these): the next publish finds it waiting.
        assert publish_and_wait(cast, "A-101"), "the first sheet did not arrive"
        assert publish_and_wait(cast, "A-102"), "a sheet published to a waiting worker"
        # The LISTEN connections drop: the worker connects again and is woken as before.
        terminate(first)

        def reconnected() -> bool:
            pids = listening_pids()
            return len(pids) == listeners and not pids & first

        assert wait_until(reconnected, LIMIT, 0.05, reconnect=True)
        assert publish_and_wait(cast, "A-103"), "a sheet published after the reconnection"
    finally:
        stop(worker)
    assert len(copies_in(cast.sub_project)) == 3
