"""Tasks of the connections app (the worker imports this module): the sync engine's passes,
the new-sheets announcements and the sweep. Thin, take ids, idempotent."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django_tasks import task

from sheetflow.common.periodic import every
from sheetflow.connections import notices, signals
from sheetflow.connections.engine import runner, wakeups
from sheetflow.connections.engine.applied import NewCopies
from sheetflow.connections.models import Connection
from sheetflow.drawings.signals import drawings_changed


@receiver(drawings_changed, dispatch_uid="sync-wake-downstreams")
def wake_downstreams(sender: Any, project_id: int, **kwargs: Any) -> None:
    """An upstream project committed a change: wake its connected downstreams, as one task."""
    if wakeups.has_downstreams(project_id):
        wake_upstream(project_id)


@receiver(signals.copies_applied, dispatch_uid="sync-announce-new-copies")
def announce_new_copies(sender: Any, items: list[NewCopies], **kwargs: Any) -> None:
    """Windows created copies: record them and queue one task that tells each downstream.

    Called inside the windows' transaction; rendering the messages and webhook bodies is left
    to the task, off the sync path, and the database task backend commits the task with the
    notices it names (or neither).
    """
    if items:
        announce_new_copies_task.enqueue(notices.record_new_copies(items))


def wake_upstream(upstream_id: int) -> bool:
    """Queue a sync of the upstream's connections unless one is already waiting to start."""
    if upstream_id in wakeups.queued_upstreams():
        return False
    sync_upstream_task.enqueue(upstream_id)
    return True


def _sync(upstream_id: int) -> int:
    results = runner.sync_upstream(upstream_id, wake=wake_upstream)
    return sum(result.created for result in results.values())


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
    return _sync(upstream_id)


@task(priority=50, queue_name="sync")
def sync_upstream_task(upstream_id: int) -> int:
    """Bring the upstream's connections up to date as groups; skips those another holds."""
    return _sync(upstream_id)


@task()
def announce_new_copies_task(notice_ids: list[int]) -> int:
    """Tell every downstream of these recorded windows about its new sheets (and webhooks)."""
    return notices.announce_notices(notice_ids)


def sweep() -> int:
    """Wake every upstream with connections behind, and report long failures."""
    upstreams = wakeups.behind_upstreams()
    for upstream_id in upstreams:
        sync_upstream_task.enqueue(upstream_id)
    wakeups.report_failing()
    return len(upstreams)


@every(1.0)
def sweep_behind_connections() -> None:
    sweep()
