"""The sync lease: short, renewed by each window, and a runner that lost it writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sheetflow.connections.engine.runner import (
    LostLease,
    _apply_one_window,
    claim_lease,
    sync_connection,
)
from sheetflow.connections.models import Connection
from sheetflow.drawings import sequence
from sheetflow.drawings.models import Revision
from sheetflow.drawings.services import revisions_unpublish
from tests.cast import Cast
from tests.connections.sync_helpers import connect, copies_in, published_upstream, sync
from tests.drawings.factories import publish_sheets


def test_each_window_renews_the_lease_for_a_few_seconds(cast: Cast, settings) -> None:
    settings.SYNC_LEASE_SECONDS = 5
    settings.SYNC_INITIAL_WINDOW = 2
    publish_sheets(cast.gc_project, cast.gc_pm, 5)
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    assert claim_lease(connection.pk, "runner-a")
    assert not claim_lease(connection.pk, "runner-b")
    high = sequence.current_seq(cast.gc_project.pk)
    before = timezone.now()
    _apply_one_window(connection.pk, "runner-a", high)
    connection.refresh_from_db()
    assert connection.lease_owner == "runner-a"
    assert before + dt.timedelta(seconds=4) < connection.lease_until
    assert connection.lease_until <= timezone.now() + dt.timedelta(seconds=5)


def test_a_runner_paused_past_its_lease_loses_it_and_writes_nothing(cast: Cast, settings) -> None:
    settings.SYNC_INITIAL_WINDOW = 2
    publish_sheets(cast.gc_project, cast.gc_pm, 6)
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    high = sequence.current_seq(cast.gc_project.pk)
    assert claim_lease(connection.pk, "runner-a")
    _apply_one_window(connection.pk, "runner-a", high)
    # Runner A stops here (paused) and its lease runs out; runner B takes over and finishes.
    Connection.objects.filter(pk=connection.pk).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert sync_connection(connection.pk).claimed
    connection.refresh_from_db()
    cursor, copies = connection.synced_seq, Revision.objects.filter(project=cast.sub_project)
    assert cursor == high and copies.count() == 6
    # A resumes: its next window fails the lease check before applying anything.
    revisions_unpublish(
        user=cast.gc_pm, revisions=list(Revision.objects.filter(project=cast.gc_project)[:1])
    )
    with pytest.raises(LostLease):
        _apply_one_window(connection.pk, "runner-a", sequence.current_seq(cast.gc_project.pk))
    connection.refresh_from_db()
    assert connection.synced_seq == cursor
    assert not Revision.objects.filter(
        project=cast.sub_project, withdrawn_upstream_at__isnull=False
    ).exists()
    sync(connection)
    assert copies_in(cast.sub_project) == published_upstream(cast.gc_project)


def _progress(api, connection: Connection) -> tuple[int, int]:
    data = api.get(f"/connections/{connection.pk}").json()["sync"]
    connection.refresh_from_db()
    # The API and the row agree, and done never exceeds the total.
    assert (data["initial_copied"], data["initial_total"]) == (
        connection.initial_copied,
        connection.initial_total,
    )
    assert connection.initial_copied <= connection.initial_total
    return connection.initial_copied, connection.initial_total


def test_progress_adds_up_while_the_upstream_changes_during_the_initial_copy(
    cast: Cast, settings, api_as
) -> None:
    settings.SYNC_INITIAL_WINDOW = 4
    api = api_as(cast.sub_pm)
    first = publish_sheets(cast.gc_project, cast.gc_pm, 12)
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    assert _progress(api, connection) == (0, 12)
    while _progress(api, connection)[0] == 0:  # windows count changes, not revisions
        sync_connection(connection.pk, max_windows=1)
    assert connection.initial_done_at is None
    # More is published, and some of what is not copied yet is withdrawn, mid-copy.
    publish_sheets(cast.gc_project, cast.gc_pm, 6, numbers=[f"B-{i}" for i in range(6)])
    revisions_unpublish(user=cast.gc_pm, revisions=first[-3:])
    sync_connection(connection.pk, max_windows=1)
    copied, total = _progress(api, connection)
    assert copied < total
    publish_sheets(cast.gc_project, cast.gc_pm, 2, numbers=["C-1", "C-2"])
    while connection.initial_done_at is None:
        assert not sync_connection(connection.pk, max_windows=1).error
        _progress(api, connection)
    copied, total = _progress(api, connection)
    assert copied == total == Revision.objects.filter(project=cast.sub_project).count()
    assert connection.initial_percent == 100
    sync(connection)
    assert copies_in(cast.sub_project) == published_upstream(cast.gc_project)


def test_the_lease_of_a_dead_worker_of_this_host_is_taken_over_at_once(cast: Cast) -> None:
    import socket
    import subprocess
    import sys

    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = socket.gethostname()[:30]
    try:
        for holder, taken in ((f"{host}:{alive.pid}:a", False), (f"{host}:{dead.pid}:b", True)):
            Connection.objects.filter(pk=connection.pk).update(
                lease_owner=holder, lease_until=timezone.now() + dt.timedelta(seconds=30)
            )
            assert claim_lease(connection.pk, "runner-c") is taken
        # A holder on another host is waited out: its process cannot be checked from here.
        Connection.objects.filter(pk=connection.pk).update(
            lease_owner=f"elsewhere:{dead.pid}:d",
            lease_until=timezone.now() + dt.timedelta(seconds=30),
        )
        assert not claim_lease(connection.pk, "runner-d")
    finally:
        alive.kill()
        alive.wait()
