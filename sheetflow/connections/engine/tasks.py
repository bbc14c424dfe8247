"""The sync engine's tasks: thin, take ids, idempotent."""

from __future__ import annotations

from django_tasks import task

from sheetflow.common.periodic import every
from sheetflow.connections.engine import runner, wakeups


# Ahead of emails and thumbnails in the queue: a publish must be visible downstream in a second.
@task(priority=50)
def sync_connection_task(connection_id: int) -> int:
    """Bring one connection up to date; a no-op if another worker holds its lease."""
    return runner.sync_connection(connection_id).created


@every(2.0)
def sweep_behind_connections() -> None:
    wakeups.sweep()
