"""How the engine is woken, who hears about it, and what the status shows."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from sheetflow.accounts.services import company_create, user_create
from sheetflow.connections.engine.runner import sync_upstream
from sheetflow.connections.engine.wakeups import behind_connections
from sheetflow.connections.models import Connection
from sheetflow.connections.tasks import sweep
from sheetflow.drawings.models import Revision
from sheetflow.drawings.services import (
    drawing_update,
    replicas,
    revisions_publish,
    revisions_unpublish,
)
from sheetflow.notifications.models import Notification
from sheetflow.projects.models import Level
from sheetflow.projects.services import member_add, project_create
from tests.cast import Cast
from tests.connections.sync_helpers import connect, copies_in, published_upstream, settle, sync
from tests.drawings.factories import publish_sheets, upload_sheets


def queued_syncs(task: str = "sync_connection_task") -> list[int]:
    rows = DBTaskResult.objects.filter(task_path__endswith=task, status="READY").values_list(
        "args_kwargs", flat=True
    )
    return sorted(row["args"][0] for row in rows)


def queued_upstream_syncs() -> list[int]:
    return queued_syncs("sync_upstream_task")


def events_of(user, event: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, event=event))


@pytest.mark.django_db
def test_connecting_queues_the_initial_copy_and_the_worker_runs_it(cast: Cast, drain_tasks) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 2)
    drain_tasks()  # thumbnails first, so the upstream is complete when the copy starts
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    assert queued_syncs() == [connection.pk]
    drain_tasks()
    assert copies_in(cast.sub_project) == published_upstream(cast.gc_project)
    connection.refresh_from_db()
    assert connection.initial_total == 2 and connection.initial_copied == 2


@pytest.mark.django_db(transaction=True)
def test_an_upstream_commit_wakes_every_connected_downstream_with_one_task(cast: Cast) -> None:
    # Real commits, so the drawings app's after-commit signal fires as in production.
    other = project_create(company=cast.sub, name="Second job", code="BE-2")
    member_add(project=other, user=cast.sub_pm, connection_manager=Level.ADMIN)
    first = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    second = connect(cast.sub_pm, other, cast.gc_project)
    DBTaskResult.objects.all().delete()
    waiting = upload_sheets(cast.gc_project, cast.gc_pm, ["A-900"])
    sync_upstream(cast.gc_project.pk)  # the initial copies, and the upload's wake-up
    DBTaskResult.objects.all().delete()
    revisions_publish(user=cast.gc_pm, revisions=waiting)
    # One task for the upstream (a second commit before it starts adds none), whose run
    # brings every connected downstream up to date.
    assert queued_upstream_syncs() == [cast.gc_project.pk]
    drawing_update(drawing=waiting[0].drawing, title="Renamed")
    assert queued_upstream_syncs() == [cast.gc_project.pk]
    results = sync_upstream(cast.gc_project.pk)
    assert sorted(results) == sorted([first.pk, second.pk])
    for project in (cast.sub_project, other):
        assert copies_in(project) == published_upstream(cast.gc_project)


@pytest.mark.django_db
def test_the_sweep_wakes_connections_that_are_behind_and_only_those(cast: Cast) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 1)
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    sync(connection)
    assert behind_connections() == []
    publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["S-300"])
    DBTaskResult.objects.all().delete()
    assert sweep() == 1
    assert queued_upstream_syncs() == [cast.gc_project.pk]
    assert sweep() == 0  # its wake-up is still waiting: no second one
    assert queued_upstream_syncs() == [cast.gc_project.pk]
    sync(connection)
    assert behind_connections() == []


@pytest.mark.django_db
def test_one_upstream_fans_out_to_many_downstreams(cast: Cast, drain_tasks) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 3)
    downstreams = []
    for i in range(6):
        company = company_create(name=f"Trade {i}")
        admin = user_create(
            email=f"t{i}@trade.test", full_name=f"Trade {i}", company=company,
            password="x-password-1", is_company_admin=True,
        )  # fmt: skip
        project = project_create(company=company, name=f"Trade job {i}", code=f"T{i}")
        member_add(project=cast.gc_project, user=admin, drawings=Level.READ_ONLY)
        downstreams.append(connect(admin, project, cast.gc_project))
    settle(drain_tasks)
    publish_sheets(cast.gc_project, cast.gc_pm, 2, numbers=["E-1", "E-2"])
    settle(drain_tasks)
    expected = published_upstream(cast.gc_project)
    assert len(expected) == 5
    for connection in downstreams:
        assert copies_in(connection.downstream) == expected


@pytest.mark.django_db
def test_initial_sync_complete_and_new_sheets_are_notified_once_per_batch(
    cast: Cast, drain_tasks
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 2)
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    drain_tasks()
    [complete] = events_of(cast.sub_pm, "sync_initial_complete")
    assert "2 revisions" in complete.body
    assert not events_of(cast.sub_pm, "sync_new_sheets")  # the initial copy is not "new"
    publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=["M-1", "M-2", "M-3"])
    sync(connection)
    drain_tasks()  # the batch's message is rendered by a task of its own
    [batch] = events_of(cast.sub_pm, "sync_new_sheets")
    assert "3 new sheets" in batch.body and "new revision" not in batch.body
    for number in ("M-1", "M-2", "M-3"):
        assert number in batch.body
    assert batch.link.startswith(f"/projects/{cast.sub_project.pk}/drawings/")
    # The upstream side hears nothing about the downstream's copies.
    assert not Notification.objects.filter(user=cast.gc_pm, event__startswith="sync_").exists()


@pytest.mark.django_db
def test_a_sync_failing_for_ten_minutes_is_reported_once_to_the_connection_list(
    cast: Cast, monkeypatch
) -> None:
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    sync(connection)
    publish_sheets(cast.gc_project, cast.gc_pm, 1)

    def broken(window):
        raise RuntimeError("storage unreachable")

    monkeypatch.setattr("sheetflow.connections.engine.runner.apply_window", broken)
    start = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        from sheetflow.connections.engine.runner import sync_connection

        assert "storage unreachable" in sync_connection(connection.pk).error
        sweep()
    assert not events_of(cast.sub_pm, "sync_failing")
    with time_machine.travel(start + dt.timedelta(minutes=11), tick=False):
        sync_connection(connection.pk)
        sweep()
        sweep()
    [failing] = events_of(cast.sub_pm, "sync_failing")
    assert "storage unreachable" in failing.body
    connection.refresh_from_db()
    assert connection.last_error.startswith("RuntimeError") and connection.failing_since == start
    monkeypatch.setattr("sheetflow.connections.engine.runner.apply_window", replicas.apply_window)
    sync(connection)
    assert connection.failing_since is None
    assert copies_in(cast.sub_project) == published_upstream(cast.gc_project)


@pytest.mark.django_db
def test_status_shows_lag_progress_and_runs_in_the_api_and_the_page(
    cast: Cast, api_as, page_as
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 2)
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    before = api_as(cast.sub_pm).get(f"/connections/{connection.pk}").json()["sync"]
    assert before["behind_changes"] > 0 and before["initial_total"] == 2
    sync(connection)
    after = api_as(cast.sub_pm).get(f"/connections/{connection.pk}").json()["sync"]
    assert after["behind_changes"] == 0 and after["initial_copied"] == 2
    runs = api_as(cast.gc_pm).get(f"/connections/{connection.pk}/sync-runs").json()
    assert runs["count"] == 1 and runs["items"][0]["applied"] == 2
    assert api_as(cast.outsider).get(f"/connections/{connection.pk}/sync-runs").status_code == 404
    box = page_as(cast.sub_pm).get(
        f"/projects/{cast.sub_project.pk}/connections/{connection.pk}/sync/"
    )
    html = box.content.decode()
    assert "Initial copy: 2 / 2 revisions" in html and "up to date" in html
    assert "hx-trigger" not in html  # nothing moving: the box stops polling
    outsider = page_as(cast.outsider).get(
        f"/projects/{cast.sub_project.pk}/connections/{connection.pk}/sync/"
    )
    assert outsider.status_code == 404


@pytest.mark.django_db
def test_copies_awaiting_review_are_published_downstream_in_bulk(cast: Cast) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 3)
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    sync(connection)
    copies = list(Revision.objects.filter(project=cast.sub_project))
    assert revisions_publish(user=cast.sub_pm, revisions=copies) == 3
    assert Revision.objects.filter(project=cast.sub_project, is_published=True).count() == 3
    assert Connection.objects.get(pk=connection.pk).state == "connected"


@pytest.mark.django_db
def test_the_review_queue_lists_connected_copies_with_provenance_but_not_withdrawn_ones(
    cast: Cast, page_as
) -> None:
    _first, second = publish_sheets(cast.gc_project, cast.gc_pm, 2, numbers=["A-1", "A-2"])
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    sync(connection)
    revisions_unpublish(user=cast.gc_pm, revisions=[second])
    sync(connection)
    client = page_as(cast.sub_pm)
    queue = client.get(
        f"/projects/{cast.sub_project.pk}/drawings/?source=connected&published=unpublished"
    ).content.decode()
    assert "A-1" in queue and "from Apex Builders · Riverside Medical Center" in queue
    assert "A-2" not in queue
    log = client.get(f"/projects/{cast.sub_project.pk}/drawings/").content.decode()
    assert "Withdrawn upstream" in log and "A-2" in log
