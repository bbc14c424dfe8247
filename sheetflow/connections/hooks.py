"""Where the sync engine reacts to the lifecycle.

Each function is called by the lifecycle service inside the transaction that makes the
transition, with the connection already saved in its new state. They stay cheap: the copy
itself runs in the worker, enqueued with the transition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sheetflow.connections.engine import lifecycle

if TYPE_CHECKING:
    from sheetflow.connections.models import Connection


def on_connected(connection: Connection) -> None:
    """The connection just became `connected` (approved or auto-approved): start the copy."""
    lifecycle.start(connection)


def on_undone(connection: Connection) -> None:
    """The connection was undone within the quick-undo window.

    ``connection.state`` is ``undone`` when the downstream undid it, or ``pending`` again
    when the upstream undid its approval. Either way copies still unpublished downstream are
    removed, published ones stay, and copying stops (SPEC §3.4).
    """
    lifecycle.remove_unpublished_copies(connection)


def on_disconnected(connection: Connection) -> None:
    """The connection was disconnected: copying stops, copies stay and become editable."""
    lifecycle.release_copies(connection)
