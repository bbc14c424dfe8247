"""Tasks of the connections app (the worker imports this module): the sync engine's."""

from sheetflow.connections.engine.tasks import sweep_behind_connections, sync_connection_task

__all__ = ["sweep_behind_connections", "sync_connection_task"]
