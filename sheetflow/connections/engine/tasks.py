"""The sync engine's tasks: thin, take ids, idempotent."""

from __future__ import annotations

from django_tasks import task

from sheetflow.common.periodic import every
from sheetflow.connections.engine import notices, runner, wakeups
from sheetflow.connections.models import Connection


# On its own queue, served apart from emails and renderings: a publish must be visible
# downstream in a second whatever else the workers are doing.
@task(priority=50, queue_name="sync")
def sync_connection_task(connection_id: int) -> int:
    """Bring one connection up to date; a no-op if another worker holds its lease."""
    return runner.sync_connection(connection_id).created


@task(priority=50, queue_name="sync")
def sync_upstream_task(upstream_id: int) -> int:
    """Bring the upstream's connections up to date as groups; skips those another holds."""
    return sum(result.created for result in runner.sync_upstream(upstream_id).values())


@task()
def announce_new_sheets_task(connection_id: int, revision_ids: list[int], total: int) -> None:
    """Tell the downstream drawings list about one applied batch of new sheets."""
    connection = (
        Connection.objects.select_related("upstream__company", "downstream__company")
        .filter(pk=connection_id)
        .first()
    )
    if connection is not None:
        notices.announce_published(connection, revision_ids, total)


@every(1.0)
def sweep_behind_connections() -> None:
    wakeups.sweep()
