"""The sync engine's tasks: thin, take ids, idempotent."""

from __future__ import annotations

from django_tasks import task

from sheetflow.common.periodic import every
from sheetflow.connections import notices
from sheetflow.connections.engine import runner, wakeups


# On its own queue, served apart from emails and renderings: a publish must be visible
# downstream in a second whatever else the workers are doing.
@task(priority=50, queue_name="sync")
def sync_connection_task(connection_id: int) -> int:
    """Bring one connection up to date; a no-op if another worker holds its lease."""
    return runner.sync_connection(connection_id).created


@task()
def announce_new_copies_task(notice_ids: list[int]) -> int:
    """Tell every downstream of these recorded windows about its new sheets (and webhooks)."""
    return notices.announce_notices(notice_ids)


@every(1.0)
def sweep_behind_connections() -> None:
    wakeups.sweep()
