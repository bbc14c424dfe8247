"""Set-based fan-out: one runner applies each upstream window to a group of downstreams."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
from typing import Any

import pytest
from django.db import connection as db_connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sheetflow.common.models import WorkerHeartbeat
from sheetflow.connections.engine import runner
from sheetflow.connections.engine.runner import sync_connection, sync_upstream
from sheetflow.connections.models import Connection, State, SyncRun
from sheetflow.connections.services import connection_disconnect
from sheetflow.connections.tasks import wake_upstream
from sheetflow.drawings import sequence
from sheetflow.drawings.models import Drawing, Revision
from sheetflow.drawings.services import (
    drawing_update,
    revision_update,
    revisions_publish,
    revisions_unpublish,
)
from sheetflow.projects.models import Level, Project
from sheetflow.projects.services import member_add, project_create
from sheetflow.testing.workers import wait_until
from tests.cast import Cast
from tests.connections.sync_helpers import connect, copies_in, published_upstream, sync
from tests.connections.test_sync_crash import SLOW
from tests.drawings.factories import publish_sheets, upload_sheets
from tests.worker_processes import start_worker, stop


def downstream_projects(cast: Cast, n: int) -> list[Project]:
    projects = []
    for i in range(n):
        project = project_create(company=cast.sub, name=f"Job {i}", code=f"J-{i}")
        member_add(project=project, user=cast.sub_pm, connection_manager=Level.ADMIN)
        projects.append(project)
    return projects


def cursors(connections: list[Connection]) -> dict[int, int]:
    return dict(
        Connection.objects.filter(pk__in=[c.pk for c in connections]).values_list(
            "pk", "synced_seq"
        )
    )


def assert_mirrors(upstream: Project, downstream: Project) -> None:
    wanted = published_upstream(upstream)
    assert copies_in(downstream) == wanted
    # Nothing twice (the database forbids it too), and no drawing without a revision.
    live = Revision.objects.filter(project=downstream, withdrawn_upstream_at__isnull=True)
    assert live.count() == len(wanted)
    assert not Drawing.objects.filter(project=downstream, revisions__isnull=True).exists()


def copied_up_to(upstream: Project, downstream: Project, cursor: int) -> None:
    """The downstream has exactly the upstream's published revisions numbered up to cursor."""
    expected = set(
        Revision.objects.filter(
            project=upstream, is_published=True, deleted_at__isnull=True, change_seq__lte=cursor
        ).values_list("uuid", flat=True)
    )
    got = set(Revision.objects.filter(project=downstream).values_list("upstream_uuid", flat=True))
    assert got == expected, (cursor, len(got), len(expected))


class Windows:
    """Wraps the engine's group window, to see each one and to act between two of them."""

    def __init__(self, monkeypatch: Any, before: dict[int, Any] | None = None) -> None:
        self.real = runner._apply_group_window
        self.groups: list[list[int]] = []
        self.before = before or {}
        monkeypatch.setattr(runner, "_apply_group_window", self)

    def __call__(self, upstream_id: int, owner: str, group: list[Any], *args: Any) -> Any:
        self.groups.append(sorted(m.connection_id for m in group))
        act = self.before.pop(len(self.groups), None)
        if act is not None:
            act()
        return self.real(upstream_id, owner, group, *args)


@pytest.mark.django_db
def test_a_group_at_different_cursors_converges_to_exactly_the_upstream(
    cast: Cast, settings, monkeypatch
) -> None:
    settings.SYNC_INITIAL_WINDOW = 3
    settings.SYNC_LIVE_WINDOW = 2
    first = publish_sheets(cast.gc_project, cast.gc_pm, 4, numbers=[f"A-{i}" for i in range(4)])
    projects = downstream_projects(cast, 4)
    early = connect(cast.sub_pm, projects[0], cast.gc_project)
    sync(early)
    publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=[f"B-{i}" for i in range(3)])
    middle = connect(cast.sub_pm, projects[1], cast.gc_project)
    sync(middle)
    # Changes after those two: edits, withdrawals, new sheets; two more connect now.
    drawing_update(drawing=first[0].drawing, title="Edited upstream")
    revisions_unpublish(user=cast.gc_pm, revisions=[first[1]])
    revision_update(revision=first[2], title="Retitled")
    later = upload_sheets(cast.gc_project, cast.gc_pm, [f"C-{i}" for i in range(5)])
    revisions_publish(user=cast.gc_pm, revisions=later)
    fresh = [connect(cast.sub_pm, p, cast.gc_project) for p in projects[2:]]
    connections = [early, middle, *fresh]
    head = sequence.current_seq(cast.gc_project.pk)
    assert len(set(cursors(connections).values())) == 3  # two behind, two not started

    windows = Windows(monkeypatch)
    results = sync_upstream(cast.gc_project.pk)

    assert sorted(results) == sorted(c.pk for c in connections)
    assert all(r.caught_up and not r.error for r in results.values())
    assert set(cursors(connections).values()) == {head}
    for project in projects:
        assert_mirrors(cast.gc_project, project)
    # The laggards caught up to the others and the last windows went to all four at once.
    assert windows.groups[-1] == sorted(c.pk for c in connections)
    assert len(windows.groups) < sum(r.windows for r in results.values())
    withdrawn = Revision.objects.filter(project=projects[0], upstream_uuid=first[1].uuid).get()
    assert withdrawn.withdrawn_upstream_at is not None
    for connection in fresh:
        connection.refresh_from_db()
        assert connection.initial_done_at is not None
        assert connection.initial_copied == connection.initial_total == 11
    for connection in connections:
        [run] = SyncRun.objects.filter(connection=connection)[:1]
        assert run.ok and run.to_seq == head and run.finished_at is not None


@pytest.mark.django_db
def test_a_member_whose_lease_was_taken_or_that_was_disconnected_gets_nothing_more(
    cast: Cast, settings, monkeypatch
) -> None:
    settings.SYNC_LIVE_WINDOW = 2
    projects = downstream_projects(cast, 3)
    connections = [connect(cast.sub_pm, p, cast.gc_project) for p in projects]
    for connection in connections:
        sync(connection)
    publish_sheets(cast.gc_project, cast.gc_pm, 6, numbers=[f"N-{i}" for i in range(6)])
    head = sequence.current_seq(cast.gc_project.pk)
    taken, cut, kept = connections

    def take_over_and_disconnect() -> None:
        # Between two windows: another runner holds one member, the other is disconnected.
        Connection.objects.filter(pk=taken.pk).update(
            lease_owner="another-runner", lease_until=timezone.now() + dt.timedelta(seconds=60)
        )
        connection_disconnect(
            user=cast.sub_pm,
            side="downstream",
            connection=cut,
            reason="Job ended",
            acknowledged=True,
        )

    windows = Windows(monkeypatch, before={2: take_over_and_disconnect})
    results = sync_upstream(cast.gc_project.pk)
    after_first = cursors([taken])[taken.pk]
    assert 0 < after_first < head
    assert windows.groups[0] == sorted(c.pk for c in connections)
    assert all(group == [kept.pk] for group in windows.groups[2:])
    assert results[kept.pk].caught_up and cursors([kept])[kept.pk] == head
    assert_mirrors(cast.gc_project, projects[2])
    for connection, project in ((taken, projects[0]), (cut, projects[1])):
        assert cursors([connection])[connection.pk] == after_first
        copied_up_to(cast.gc_project, project, after_first)
        assert not results[connection.pk].caught_up
        run = SyncRun.objects.filter(connection=connection).first()
        assert run is not None and run.error.startswith("stopped")
    # The other runner's lease is left alone.
    assert Connection.objects.get(pk=taken.pk).lease_owner == "another-runner"
    assert Connection.objects.get(pk=cut.pk).state == State.DISCONNECTED
    Connection.objects.filter(pk=taken.pk).update(lease_owner="", lease_until=None)
    sync(Connection.objects.get(pk=taken.pk))
    assert_mirrors(cast.gc_project, projects[0])


@pytest.mark.django_db
def test_a_connection_synced_alone_still_gets_exactly_its_window(cast: Cast, settings) -> None:
    """``sync_connection`` is a group of one: it never writes another downstream."""
    settings.SYNC_LIVE_WINDOW = 2
    projects = downstream_projects(cast, 2)
    one, other = (connect(cast.sub_pm, p, cast.gc_project) for p in projects)
    publish_sheets(cast.gc_project, cast.gc_pm, 3)
    assert sync_connection(one.pk).caught_up
    assert_mirrors(cast.gc_project, projects[0])
    assert not Revision.objects.filter(project=projects[1]).exists()
    assert cursors([other])[other.pk] == 0


def _upstream_with_downstreams(cast: Cast, drain_tasks: Any, sheets: int, n: int) -> list[Any]:
    publish_sheets(cast.gc_project, cast.gc_pm, sheets, numbers=[f"K-{i}" for i in range(sheets)])
    drain_tasks()  # thumbnails rendered now, so the upstream stands still during the copy
    projects = downstream_projects(cast, n)
    return [connect(cast.sub_pm, p, cast.gc_project) for p in projects]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_group_leaves_every_cursor_true_and_the_rerun_is_exact(
    cast: Cast, drain_tasks
) -> None:
    connections = _upstream_with_downstreams(cast, drain_tasks, 60, 4)
    projects = {c.pk: c.downstream for c in connections}
    head = sequence.current_seq(cast.gc_project.pk)
    rng = random.Random(20261129)
    for kill in range(4):
        low = min(cursors(connections).values())
        target = low + rng.randint(1, max(1, (head - low) // (6 - kill)))
        worker = start_worker(**SLOW)
        try:
            assert wait_until(
                lambda t=target: max(cursors(connections).values()) >= t, timeout=60, every=0.002
            )
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        # Whatever the window in flight had done is gone with it: each member has exactly
        # what its cursor says.
        for pk, cursor in cursors(connections).items():
            copied_up_to(cast.gc_project, projects[pk], cursor)
        assert min(cursors(connections).values()) < head, "done before the kills were"
    worker = start_worker(**SLOW)
    try:
        assert wait_until(lambda: min(cursors(connections).values()) >= head, timeout=120)
    finally:
        stop(worker)
    for connection in connections:
        assert_mirrors(cast.gc_project, projects[connection.pk])
        connection.refresh_from_db()
        assert connection.initial_copied == 60 and connection.initial_done_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_upstream_split_the_members_and_apply_nothing_twice(
    cast: Cast, drain_tasks
) -> None:
    connections = _upstream_with_downstreams(cast, drain_tasks, 40, 5)
    # The wake-ups queued by connecting are dropped: the upstream is woken once both workers
    # poll, so that neither can take every task before the other has started.
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).delete()
    head = sequence.current_seq(cast.gc_project.pk)
    holders: set[str] = set()
    most_held = 0

    def caught_up() -> bool:
        nonlocal most_held
        owners = list(
            Connection.objects.filter(pk__in=[c.pk for c in connections])
            .exclude(lease_owner="")
            .values_list("lease_owner", flat=True)
        )
        holders.update(owners)
        most_held = max([most_held, *(owners.count(o) for o in owners)])
        # Caught up, and every run has recorded what it did (a worker stopped before its
        # run's last write would leave that run unfinished).
        unfinished = SyncRun.objects.filter(connection__in=connections, finished_at__isnull=True)
        return min(cursors(connections).values()) >= head and not unfinished.exists()

    # At most two connections per runner: the others are left for a second task, which the
    # first runner queues itself.
    # No periodic sweep: it would start the first pass before the second worker is up.
    # One revision per window: a pass lasts long enough for the other worker, polling every
    # 50 ms, to take the task queued for the members left.
    one_at_a_time = {**SLOW, "SYNC_INITIAL_WINDOW": "1", "SYNC_LIVE_WINDOW": "1"}
    workers = [start_worker("--no-periodic", **one_at_a_time, SYNC_GROUP_MAX="2") for _ in range(2)]
    try:
        # Woken once both are polling, so that the task the first runner queues for the
        # members it left finds the second worker idle (not one that has not started yet).
        assert wait_until(lambda: WorkerHeartbeat.objects.count() >= 2, timeout=60)
        wake_upstream(cast.gc_project.pk)
        assert wait_until(caught_up, timeout=120, every=0.002)
    finally:
        for worker in workers:
            stop(worker)
    for connection in connections:
        assert_mirrors(cast.gc_project, connection.downstream)
        runs = SyncRun.objects.filter(connection=connection)
        # Every copy was created by exactly one applied window of one run.
        assert sum(run.applied for run in runs) == 40
    assert most_held <= 2
    processes = {holder.split(":")[1] for holder in holders}  # the holder names the process
    if db_connection.vendor == "postgresql":
        # Both worker processes held members at once.
        assert len(processes) == 2
    else:
        # SQLite has one writer at a time and does not queue them fairly: the second worker's
        # claim may wait out the first one's whole pass, so only one of them may ever hold.
        assert 1 <= len(processes) <= 2


@pytest.mark.django_db
def test_a_group_cap_below_one_still_syncs_one_connection_at_a_time(
    cast: Cast, settings: Any
) -> None:
    settings.SYNC_GROUP_MAX = 0  # a mistyped setting must not stop every sync
    publish_sheets(cast.gc_project, cast.gc_pm, 2, numbers=["Z-1", "Z-2"])
    projects = downstream_projects(cast, 2)
    connections = [connect(cast.sub_pm, p, cast.gc_project) for p in projects]
    head = sequence.current_seq(cast.gc_project.pk)

    first = sync_upstream(cast.gc_project.pk)
    second = sync_upstream(cast.gc_project.pk)

    assert len(first) == 1 and len(second) == 1
    assert set(cursors(connections).values()) == {head}
