"""What connecting, undoing and disconnecting do to the copies.

Each function is called by the lifecycle service (``connections.services``) inside the
transaction that makes the transition, with the connection already saved in its new state.
They stay cheap: the copy itself runs in the worker, queued with the transition.
"""

from __future__ import annotations

from sheetflow.connections.engine.runner import count_published
from sheetflow.connections.models import Connection, State
from sheetflow.connections.tasks import sync_connection_task
from sheetflow.drawings.services import replicas


def start(connection: Connection) -> None:
    """Becoming connected: start the initial copy from the beginning of upstream history."""
    Connection.objects.filter(pk=connection.pk).update(
        synced_seq=0,
        initial_total=count_published(connection.upstream_id),
        initial_copied=0,
        initial_done_at=None,
        last_error="",
        last_error_at=None,
        failing_since=None,
        failing_notified_at=None,
    )
    # Enqueued in the caller's transaction: the database backend commits it with the state.
    sync_connection_task.enqueue(connection.pk)


def remove_unpublished_copies(connection: Connection) -> None:
    """Undo: the unpublished copies go (the drawings app's replicas service); a connection
    whose approval was undone (pending again) copies from the start if approved again."""
    replicas.remove_unpublished_copies(connection.downstream_id)
    reset = {"synced_seq": 0, "initial_total": 0, "initial_copied": 0, "initial_done_at": None}
    if connection.state == State.PENDING:
        Connection.objects.filter(pk=connection.pk).update(**reset)


def release_copies(connection: Connection) -> None:
    """Disconnect: copying stops; the copies become ordinary downstream drawings."""
    replicas.release_copies(connection.downstream_id)
    Connection.objects.filter(pk=connection.pk).update(
        lease_owner="", lease_until=None, failing_since=None
    )
