"""Where the sync engine reacts to the lifecycle.

Each function is called by the lifecycle service inside the transaction that makes the
transition, with the connection already saved in its new state. They are no-ops until the
sync engine fills them in; keep them cheap (enqueue work with ``transaction.on_commit``
or a task) so the web request is not held up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sheetflow.connections.models import Connection


def on_connected(connection: Connection) -> None:
    """The connection just became `connected` (approved or auto-approved): start the copy.

    The sync engine reacts here.
    """


def on_undone(connection: Connection) -> None:
    """The connection was undone within the quick-undo window.

    ``connection.state`` is ``undone`` when the downstream undid it, or ``pending`` again
    when the upstream undid its approval. Either way copies still unpublished downstream
    are to be removed and copying stops (SPEC §3.4). The sync engine reacts here.
    """


def on_disconnected(connection: Connection) -> None:
    """The connection was disconnected: copying stops, copies stay. The sync engine reacts here."""
