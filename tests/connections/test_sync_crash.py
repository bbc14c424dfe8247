"""Crash safety and concurrency: killed workers, several workers, concurrent upstream writers."""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import pytest
from django.db import close_old_connections

from sheetflow.connections.models import Connection, SyncRun
from sheetflow.drawings import sequence
from sheetflow.drawings.models import Drawing, Revision
from sheetflow.drawings.services import drawing_update, revisions_publish
from sheetflow.testing.workers import wait_until
from tests.cast import Cast
from tests.connections.sync_helpers import connect, copies_in, published_upstream, sync
from tests.drawings.factories import publish_sheets, upload_sheets
from tests.worker_processes import start_worker, stop

SHEETS = 160
# Tiny windows and a short lease make a copy of a few hundred sheets take many transactions,
# so kills land in the middle of it, and a killed worker's lease frees up quickly.
SLOW = {"SYNC_INITIAL_WINDOW": "3", "SYNC_LIVE_WINDOW": "3", "SYNC_LEASE_SECONDS": "1"}


def cursor_of(connection: Connection) -> int:
    return Connection.objects.values_list("synced_seq", flat=True).get(pk=connection.pk)


def assert_mirrors(cast: Cast) -> None:
    upstream = published_upstream(cast.gc_project)
    assert copies_in(cast.sub_project) == upstream
    copies = Revision.objects.filter(project=cast.sub_project)
    assert copies.count() == len(upstream)  # no duplicate (and the database forbids them)
    assert Drawing.objects.filter(project=cast.sub_project).count() == len(upstream)


@pytest.mark.django_db(transaction=True)
def test_workers_killed_mid_copy_again_and_again_leave_no_gap_and_no_duplicate(
    cast: Cast, drain_tasks
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, SHEETS, numbers=[f"A-{i}" for i in range(SHEETS)])
    drain_tasks()  # thumbnails rendered now, so the upstream stands still during the copy
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    head = sequence.current_seq(cast.gc_project.pk)
    rng = random.Random(20261128)
    kills = 0
    while kills < 12:
        cursor = cursor_of(connection)
        remaining = head - cursor
        # Kill once the copy has advanced a random part of what is left.
        target = cursor + rng.randint(1, max(1, remaining // (14 - kills)))
        worker = start_worker(**SLOW)
        try:
            # Watched closely: a fast machine copies many windows between two looks.
            assert wait_until(lambda t=target: cursor_of(connection) >= t, timeout=60, every=0.002)
            time.sleep(rng.uniform(0, 0.01))
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        kills += 1
        assert cursor_of(connection) < head, "the copy finished before the kills were done"
    worker = start_worker(**SLOW)
    try:
        assert wait_until(lambda: cursor_of(connection) >= head, timeout=120)
    finally:
        stop(worker)
    assert kills >= 10
    assert_mirrors(cast)
    connection.refresh_from_db()
    assert connection.initial_copied == SHEETS and connection.initial_done_at is not None


@pytest.mark.django_db(transaction=True)
def test_several_workers_at_once_apply_nothing_twice(cast: Cast, drain_tasks) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 120, numbers=[f"M-{i}" for i in range(120)])
    drain_tasks()
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    head = sequence.current_seq(cast.gc_project.pk)
    workers = [start_worker(**SLOW) for _ in range(3)]
    try:
        assert wait_until(lambda: cursor_of(connection) >= head, timeout=120)
    finally:
        for worker in workers:
            stop(worker)
    assert_mirrors(cast)
    runs = SyncRun.objects.filter(connection=connection)
    # Every copy was created by exactly one applied window of one run.
    assert sum(run.applied for run in runs) == 120
    connection.refresh_from_db()
    assert connection.initial_copied == 120


@pytest.mark.django_db(transaction=True)
def test_concurrent_upstream_writers_are_never_skipped(cast: Cast) -> None:
    """The ordering trap: writers commit while a sync runs; nothing may be skipped."""
    publish_sheets(cast.gc_project, cast.gc_pm, 4, numbers=["G-001", "G-002", "G-003", "G-004"])
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    sync(connection)
    waiting = upload_sheets(cast.gc_project, cast.gc_pm, [f"E-{i}" for i in range(40)])
    ids = [r.pk for r in waiting]
    errors: list[BaseException] = []
    done = threading.Event()

    def publisher(my_ids: list[int]) -> None:
        try:
            for pk in my_ids:
                revisions_publish(user=cast.gc_pm, revisions=[Revision.objects.get(pk=pk)])
                drawing = Drawing.objects.get(revisions__pk=pk)
                drawing_update(drawing=drawing, title=f"Edited {pk}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    def syncer() -> None:
        try:
            while not done.is_set():
                sync(Connection.objects.get(pk=connection.pk))
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=publisher, args=(ids[i::4],)) for i in range(4)]
    runner = threading.Thread(target=syncer)
    runner.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    runner.join()
    assert not errors, errors
    sync(connection)
    assert_mirrors(cast)
    titles = set(
        Drawing.objects.filter(project=cast.sub_project, number__startswith="E-").values_list(
            "title", flat=True
        )
    )
    assert titles == {f"Edited {pk}" for pk in ids}
