"""Tasks of the connections app (the worker imports this module): the sync engine's passes,
the new-sheets announcements and the sweep. Thin, take ids, idempotent."""

from __future__ import annotations

from django_tasks import task

from sheetflow.common.periodic import every
from sheetflow.connections import notices
from sheetflow.connections.engine import runner, wakeups
from sheetflow.connections.models import Connection


# On its own queue, served apart from emails and renderings: a publish must be visible
# downstream in a second whatever else the workers are doing.
@task(priority=50, queue_name="sync")
def sync_connection_task(connection_id: int) -> int:
    """Bring one connection up to date, with the others of its upstream that are behind.

    Queued per connection when it becomes connected: when many connect at once, the first
    task copies to all of them as a group and the others find nothing left to claim.
    """
    upstream_id = (
        Connection.objects.filter(pk=connection_id).values_list("upstream_id", flat=True).first()
    )
    if upstream_id is None:
        return 0
    return sum(result.created for result in runner.sync_upstream(upstream_id).values())


@task(priority=50, queue_name="sync")
def sync_upstream_task(upstream_id: int) -> int:
    """Bring the upstream's connections up to date as groups; skips those another holds."""
    return sum(result.created for result in runner.sync_upstream(upstream_id).values())


@task()
def announce_new_copies_task(notice_ids: list[int]) -> int:
    """Tell every downstream of these recorded windows about its new sheets (and webhooks)."""
    return notices.announce_notices(notice_ids)


@every(1.0)
def sweep_behind_connections() -> None:
    wakeups.sweep()
