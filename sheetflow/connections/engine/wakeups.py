"""Who is woken when: after each upstream commit, and by the periodic sweep.

Wake-ups are cheap and may be lost or doubled: the lease makes a duplicate a no-op and the
sweep catches a lost one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sheetflow.connections.models import Connection, State
from sheetflow.drawings.models import ProjectSequence
from sheetflow.drawings.signals import drawings_changed

FAILING_AFTER = dt.timedelta(minutes=10)


@receiver(drawings_changed, dispatch_uid="sync-wake-downstreams")
def wake_downstreams(sender: Any, project_id: int, **kwargs: Any) -> None:
    """An upstream project committed a change: wake its connected downstreams, as one task."""
    if Connection.objects.filter(upstream_id=project_id, state=State.CONNECTED).exists():
        wake_upstream(project_id)


def wake_upstream(upstream_id: int) -> bool:
    """Queue a sync of the upstream's connections unless one is already waiting to start."""
    from sheetflow.connections.tasks import sync_upstream_task

    if upstream_id in _queued_upstreams():
        return False
    sync_upstream_task.enqueue(upstream_id)
    return True


def behind_connections() -> list[int]:
    """Connected connections behind their upstream whose lease is free."""
    from sheetflow.connections.engine.runner import holder_is_dead

    head = ProjectSequence.objects.filter(project_id=OuterRef("upstream_id")).values("last_seq")
    now = timezone.now()
    behind = (
        Connection.objects.filter(state=State.CONNECTED)
        .annotate(head=Subquery(head))
        .filter(Q(synced_seq__lt=Subquery(head)) | Q(initial_done_at__isnull=True))
    )
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    ids = list(behind.filter(free).values_list("pk", flat=True))
    # Leases of workers of this host that died are taken over without waiting them out.
    held = behind.exclude(free).values_list("pk", "lease_owner")
    return ids + [pk for pk, owner in held if holder_is_dead(owner)]


def _queued_upstreams() -> set[int]:
    """Upstreams with a sync task waiting in the queue (not yet started)."""
    queued = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path__endswith=".sync_upstream_task"
    ).values_list("args_kwargs", flat=True)
    return {int(call["args"][0]) for call in queued if call.get("args")}


def sweep() -> int:
    """Queue a sync of every upstream with connections behind, and report long failures.

    One task per upstream, not per connection: its runner syncs them together. An upstream
    whose sync is queued and not started yet needs no second one (at a thousand downstreams,
    a wake-up per connection per sweep piled up tens of thousands of no-op tasks).
    """
    from sheetflow.connections.notices import announce_failing
    from sheetflow.connections.tasks import sync_upstream_task

    behind = behind_connections()
    upstreams = (
        set(
            Connection.objects.filter(pk__in=behind)
            .values_list("upstream_id", flat=True)
            .distinct()
        )
        if behind
        else set()
    )
    ids = sorted(upstreams - _queued_upstreams())
    for upstream_id in ids:
        sync_upstream_task.enqueue(upstream_id)
    cutoff = timezone.now() - FAILING_AFTER
    for connection in Connection.objects.filter(
        state=State.CONNECTED, failing_since__lt=cutoff, failing_notified_at__isnull=True
    ).select_related("upstream", "downstream"):
        announce_failing(connection)
        Connection.objects.filter(pk=connection.pk).update(failing_notified_at=timezone.now())
    return len(ids)
