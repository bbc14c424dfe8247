"""Quick undo: inside and outside the window, from each side, and after an auto-approval."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from sheetflow.common.errors import Conflict
from sheetflow.connections.engine import lifecycle
from sheetflow.connections.models import Connection, EventKind, State
from sheetflow.connections.services import (
    connection_approve,
    connection_request,
    connection_undo,
)
from tests.cast import Cast

WINDOW = timedelta(minutes=5)


@pytest.fixture
def now(time_machine) -> Callable[[timedelta], None]:  # type: ignore[no-untyped-def]
    """Freeze the clock, and return a function that moves it forward."""
    start = timezone.now()
    time_machine.move_to(start, tick=False)

    def later(delta: timedelta) -> None:
        time_machine.move_to(start + delta, tick=False)

    return later


@pytest.fixture
def approved(cast: Cast, pending: Connection) -> Connection:
    return connection_approve(user=cast.gc_pm, connection=pending)


def test_the_downstream_undoes_an_auto_approved_connection_inside_the_window(
    cast: Cast, now: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    called: list[str] = []
    monkeypatch.setattr(lifecycle, "remove_unpublished_copies", lambda c: called.append(c.state))
    conn = connection_request(
        user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project
    )
    now(WINDOW - timedelta(seconds=1))
    undone = connection_undo(user=cast.sub_pm, side="downstream", connection=conn)
    assert undone.state == State.UNDONE and called == [State.UNDONE]
    assert [e.kind for e in undone.events.all()][-1] == EventKind.UNDONE


def test_the_downstream_cannot_undo_after_the_window(cast: Cast, now: Callable) -> None:
    conn = connection_request(
        user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project
    )
    now(WINDOW + timedelta(seconds=1))
    with pytest.raises(Conflict) as caught:
        connection_undo(user=cast.sub_pm, side="downstream", connection=conn)
    assert caught.value.code == "undo_window_passed"
    assert Connection.objects.get(pk=conn.pk).state == State.CONNECTED


def test_the_upstream_cannot_undo_an_auto_approval(cast: Cast, now: Callable) -> None:
    conn = connection_request(
        user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project
    )
    now(timedelta(seconds=10))
    with pytest.raises(Conflict) as caught:
        connection_undo(user=cast.gc_pm, connection=conn, side="upstream")
    assert caught.value.code == "auto_approved"


def test_the_upstream_undoes_its_approval_back_to_pending(
    cast: Cast, now: Callable, approved: Connection
) -> None:
    now(timedelta(minutes=4))
    back = connection_undo(user=cast.gc_pm, side="upstream", connection=approved)
    assert back.state == State.PENDING and back.connected_at is None
    assert back.events.last().kind == EventKind.APPROVAL_UNDONE  # type: ignore[union-attr]
    again = connection_approve(user=cast.gc_pm, connection=back)  # it can be decided again
    assert again.state == State.CONNECTED


def test_the_upstream_cannot_undo_its_approval_after_the_window(
    cast: Cast, now: Callable, approved: Connection
) -> None:
    now(WINDOW + timedelta(seconds=1))
    with pytest.raises(Conflict):
        connection_undo(user=cast.gc_pm, side="upstream", connection=approved)


def test_the_downstream_undoes_a_reviewed_connection(
    cast: Cast, now: Callable, approved: Connection
) -> None:
    now(timedelta(minutes=2))
    assert (
        connection_undo(user=cast.sub_pm, side="downstream", connection=approved).state
        == State.UNDONE
    )


def test_the_window_counts_from_the_approval_not_the_request(
    cast: Cast, now: Callable, pending: Connection
) -> None:
    now(timedelta(hours=3))
    approved = connection_approve(user=cast.gc_pm, connection=pending)
    now(timedelta(hours=3, minutes=4))
    assert (
        connection_undo(user=cast.sub_pm, side="downstream", connection=approved).state
        == State.UNDONE
    )


def test_the_api_refuses_a_late_undo_with_409(cast: Cast, now: Callable, api_as: Callable) -> None:
    conn = connection_request(
        user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project
    )
    client = api_as(cast.sub_pm)
    until = client.get(f"/connections/{conn.pk}").json()["undo_until"]
    assert until is not None
    now(WINDOW + timedelta(seconds=30))
    response = client.post(f"/connections/{conn.pk}/undo", {"side": "downstream"})
    assert response.status_code == 409
    assert response.json()["code"] == "undo_window_passed"
