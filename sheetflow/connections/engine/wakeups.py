"""Which connections need a sync (behind their upstream) and which have failed for long.

The wake-ups themselves (after each upstream commit, and the periodic sweep) are queued by
``connections.tasks``.

Wake-ups are cheap and may be lost or doubled: the lease makes a duplicate a no-op and the
sweep catches a lost one.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sheetflow.connections.engine.runner import holder_is_dead
from sheetflow.connections.models import Connection, State
from sheetflow.connections.notices import announce_failing
from sheetflow.drawings.models import ProjectSequence

FAILING_AFTER = dt.timedelta(minutes=10)


def behind_connections() -> list[int]:
    """Connected connections behind their upstream whose lease is free."""
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


def queued_upstreams() -> set[int]:
    """Upstreams with a sync task waiting in the queue (not yet started)."""
    queued = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path__endswith=".sync_upstream_task"
    ).values_list("args_kwargs", flat=True)
    return {int(call["args"][0]) for call in queued if call.get("args")}


def behind_upstreams() -> list[int]:
    """Upstreams with connections behind whose sync is not already waiting in the queue.

    One wake-up per upstream, not per connection: its runner syncs them together. An upstream
    whose sync is queued and not started yet needs no second one (at a thousand downstreams,
    a wake-up per connection per sweep piled up tens of thousands of no-op tasks).
    """
    behind = behind_connections()
    if not behind:
        return []
    upstreams = set(
        Connection.objects.filter(pk__in=behind).values_list("upstream_id", flat=True).distinct()
    )
    return sorted(upstreams - queued_upstreams())


def has_downstreams(upstream_id: int) -> bool:
    return Connection.objects.filter(upstream_id=upstream_id, state=State.CONNECTED).exists()


def report_failing() -> None:
    """Tell the downstream once about a connection whose sync has failed for a while."""
    cutoff = timezone.now() - FAILING_AFTER
    for connection in Connection.objects.filter(
        state=State.CONNECTED, failing_since__lt=cutoff, failing_notified_at__isnull=True
    ).select_related("upstream", "downstream"):
        announce_failing(connection)
        Connection.objects.filter(pk=connection.pk).update(failing_notified_at=timezone.now())
