"""New sheets at scale: the windows of one engine call are announced by one task, one message
per downstream, exactly once even when the announcing worker dies mid-batch."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection as db
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sheetflow.accounts.models import User
from sheetflow.accounts.services import company_create, user_create
from sheetflow.common.workers import beat, requeue_abandoned
from sheetflow.connections import notices, signals, tasks
from sheetflow.connections.engine.applied import NewCopies
from sheetflow.connections.models import Connection, NewSheetsNotice
from sheetflow.connections.tasks import announce_new_copies_task
from sheetflow.drawings import review
from sheetflow.drawings.models import Revision
from sheetflow.drawings.services import revisions_publish
from sheetflow.notifications.models import Notification
from sheetflow.projects.models import Level
from sheetflow.projects.services import member_add, project_create
from sheetflow.webhooks import hooks as webhook_hooks
from sheetflow.webhooks.models import Event
from tests.cast import PASSWORD, Cast
from tests.connections.sync_helpers import connect, settle, sync
from tests.drawings.factories import publish_sheets
from tests.webhooks.conftest import endpoint_on, loopback_allowed, receiver

__all__ = ["endpoint_on", "loopback_allowed", "receiver"]

TRADES = 8
NEW = ["E-1", "E-2", "E-3"]


def connect_trades(cast: Cast, count: int) -> list[tuple[Connection, User]]:
    """``count`` projects of other companies connected downstream of the contractor's, each
    with its own drawings admin; their initial copies done."""
    trades = []
    for i in range(count):
        company = company_create(name=f"Trade {i}")
        admin = user_create(
            email=f"t{i}@trade.test", full_name=f"Tess Trade{i}", company=company,
            password=PASSWORD, is_company_admin=True,
        )  # fmt: skip
        project = project_create(company=company, name=f"Trade job {i}", code=f"T{i}")
        member_add(
            project=project, user=admin, drawings=Level.ADMIN, connection_manager=Level.ADMIN
        )
        member_add(project=cast.gc_project, user=admin, drawings=Level.READ_ONLY)
        connection = connect(admin, project, cast.gc_project)
        sync(connection)
        trades.append((connection, admin))
    return trades


def announce_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path__endswith="announce_new_copies_task"))


@contextmanager
def windows_heard(*, announced: bool) -> Iterator[list[list[NewCopies]]]:
    """The engine's reports of windows that made copies, one list per report; with
    ``announced`` False the tasks module does not hear them (nothing is recorded)."""
    calls: list[list[NewCopies]] = []

    def hear(sender: object, items: list[NewCopies], **kwargs: object) -> None:
        calls.append(items)

    uid = "sync-announce-new-copies"
    if not announced:
        signals.copies_applied.disconnect(dispatch_uid=uid)
    signals.copies_applied.connect(hear, dispatch_uid="test-hear")
    try:
        yield calls
    finally:
        signals.copies_applied.disconnect(dispatch_uid="test-hear")
        if not announced:
            signals.copies_applied.connect(tasks.announce_new_copies, dispatch_uid=uid)


def one_call_for_all(trades: list[tuple[Connection, User]]) -> list[NewCopies]:
    """Sync every trade, but report their windows the way one window over all of them does:
    a single call carrying every downstream's new copies, inside one transaction."""
    with windows_heard(announced=False) as calls:
        for connection, _ in trades:
            sync(connection)
    items = [item for call in calls for item in call]
    assert len(items) == len(trades)
    with transaction.atomic():
        tasks.announce_new_copies(sender=None, items=items)
    return items


def assert_one_message_each(cast: Cast, trades: list[tuple[Connection, User]]) -> None:
    for connection, admin in trades:
        [note] = Notification.objects.filter(user=admin, event="sync_new_sheets")
        assert note.project_id == connection.downstream_id
        assert "Riverside Medical Center" in note.body and "3 new sheets" in note.subject
        assert all(number in note.body for number in NEW)
        first = Revision.objects.get(project_id=connection.downstream_id, drawing__number="E-1")
        queue = f"/projects/{connection.downstream_id}/drawings/review-queue/"
        assert note.link == f"{queue}?batch={review.batch_key(first.created_at)}"
        assert [m.to for m in mail.outbox].count([admin.email]) == 1
    assert not NewSheetsNotice.objects.exists()
    assert Notification.objects.filter(event="sync_new_sheets").count() == len(trades)


@pytest.mark.django_db
def test_one_call_for_many_downstreams_queues_one_task_and_tells_each_downstream_once(
    cast: Cast, drain_tasks: Callable[..., int]
) -> None:
    trades = connect_trades(cast, TRADES)
    drain_tasks()
    DBTaskResult.objects.all().delete()
    publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=NEW)
    one_call_for_all(trades)
    [task] = announce_tasks()
    assert task.status == TaskResultStatus.READY
    assert len(task.args_kwargs["args"][0]) == TRADES
    assert NewSheetsNotice.objects.count() == TRADES
    mail.outbox.clear()
    drain_tasks()
    assert_one_message_each(cast, trades)


@pytest.mark.django_db
def test_the_engine_queues_one_announcing_task_per_call_and_nothing_for_the_upstream(
    cast: Cast, drain_tasks: Callable[..., int]
) -> None:
    trades = connect_trades(cast, 3)
    drain_tasks()
    DBTaskResult.objects.all().delete()
    with windows_heard(announced=True) as calls:
        publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=NEW)
        mail.outbox.clear()
        settle(drain_tasks)
    assert sum(map(len, calls)) == 3 and len(announce_tasks()) == len(calls)
    assert_one_message_each(cast, trades)
    assert not Notification.objects.filter(user=cast.gc_pm, event__startswith="sync_").exists()


@pytest.mark.django_db
def test_a_worker_dying_mid_batch_leaves_no_duplicate_and_no_gap(
    cast: Cast,
    drain_tasks: Callable[..., int],
    monkeypatch: pytest.MonkeyPatch,
    receiver: Any,
    endpoint_on: Callable[..., Any],
) -> None:
    trades = connect_trades(cast, TRADES)
    for connection, _ in trades:
        endpoint_on(connection.downstream, receiver.url, ["revisions.copied"])
    drain_tasks()
    DBTaskResult.objects.all().delete()
    publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=NEW)
    one_call_for_all(trades)
    mail.outbox.clear()

    # A worker takes the task and dies in its third transaction (three windows each).
    monkeypatch.setattr(notices, "NOTICES_PER_TRANSACTION", 3)
    real = webhook_hooks.revisions_copied_many
    chunks: list[int] = []

    def dies_on_the_third(windows: list[Any]) -> None:
        chunks.append(len(windows))
        real(windows)
        if len(chunks) == 3:
            raise SystemExit("killed")

    monkeypatch.setattr(webhook_hooks, "revisions_copied_many", dies_on_the_third)
    [task] = announce_tasks()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        beat("doomed")
        task.claim("doomed")
        with pytest.raises(SystemExit):
            announce_new_copies_task.call(*task.args_kwargs["args"])
    assert chunks == [3, 3, 2]
    told = Notification.objects.filter(event="sync_new_sheets")
    assert told.count() == 6  # two transactions committed, the third rolled back
    assert Event.objects.filter(type="revisions.copied").count() == 6
    assert NewSheetsNotice.objects.count() == 2

    # The reaper queues it again; the re-run announces only what is left.
    monkeypatch.setattr(webhook_hooks, "revisions_copied_many", real)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        assert requeue_abandoned() == 1
    drain_tasks()
    assert_one_message_each(cast, trades)
    events = Event.objects.filter(type="revisions.copied")
    assert sorted(e.project_id for e in events) == sorted(c.downstream_id for c, _ in trades)
    assert {e.data["total"] for e in events} == {3}
    announce_new_copies_task.call(*task.args_kwargs["args"])  # a duplicate run: nothing left
    assert told.count() == TRADES


@pytest.mark.django_db
def test_copies_published_downstream_before_the_announcement_are_still_in_it(
    cast: Cast,
    drain_tasks: Callable[..., int],
    receiver: Any,
    endpoint_on: Callable[..., Any],
) -> None:
    [(connection, admin)] = connect_trades(cast, 1)
    endpoint_on(connection.downstream, receiver.url, ["revisions.copied"])
    drain_tasks()
    publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=NEW)
    sync(connection)  # the announcing task waits in the queue
    first = Revision.objects.get(project_id=connection.downstream_id, drawing__number="E-1")
    revisions_publish(user=admin, revisions=[first])
    drain_tasks()
    [event] = Event.objects.filter(type="revisions.copied")
    assert event.data["total"] == 3
    assert sorted(r["drawing_number"] for r in event.data["revisions"]) == NEW
    [note] = Notification.objects.filter(user=admin, event="sync_new_sheets")
    assert "3 new sheets" in note.subject


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_announce_each_window_once(
    cast: Cast, drain_tasks: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    trades = connect_trades(cast, 4)
    drain_tasks()
    publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=NEW)
    one_call_for_all(trades)
    [task] = announce_tasks()
    ids = task.args_kwargs["args"][0]
    mail.outbox.clear()
    holding, second_done = threading.Event(), threading.Event()
    real = notices.new_sheets_messages

    def held(windows: list[Any]) -> Any:
        holding.set()
        if db.vendor == "postgresql":
            # Hold the claimed notices while the second run looks (SQLite's writers take
            # turns, so there the second run simply waits for this one).
            assert second_done.wait(30)
        return real(windows)

    monkeypatch.setattr(notices, "new_sheets_messages", held)
    done: dict[str, int] = {}

    def first_run() -> None:
        try:
            done["first"] = notices.announce_notices(ids)
        finally:
            db.close()  # this thread's own connection

    first = threading.Thread(target=first_run)
    first.start()
    assert holding.wait(30)
    monkeypatch.setattr(notices, "new_sheets_messages", real)
    done["second"] = notices.announce_notices(ids)
    second_done.set()
    first.join(60)
    assert done == {"first": 4, "second": 0}
    drain_tasks()
    assert_one_message_each(cast, trades)
