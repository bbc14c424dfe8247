"""Tasks of the connections app (the worker imports this module): the sync engine's."""

from sheetflow.connections.engine.tasks import (
    announce_new_copies_task,
    sweep_behind_connections,
    sync_connection_task,
)

__all__ = ["announce_new_copies_task", "sweep_behind_connections", "sync_connection_task"]
