"""Run a connection's sync: claim its lease, apply windows in order, advance the cursor.

One runner per connection at a time, by a lease claimed with a compare-and-set UPDATE; a
killed worker's lease simply expires. Each window is one transaction that applies the
upstream changes and advances ``synced_seq`` together, so a crash loses at most the window in
flight and the next pass redoes it (replays are no-ops).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from sheetflow.connections.engine.copy import Applied, Window, apply_window
from sheetflow.connections.engine.notices import announce_initial_complete, new_copy_ids
from sheetflow.connections.models import Connection, State, SyncRun
from sheetflow.drawings import sequence
from sheetflow.drawings.models import Revision
from sheetflow.webhooks import hooks as webhooks

logger = logging.getLogger(__name__)


def _worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class PassResult:
    """What one call of ``sync_connection`` did."""

    claimed: bool = False
    windows: int = 0
    created: int = 0
    updated: int = 0
    withdrawn: int = 0
    caught_up: bool = False
    error: str = ""


class LostLease(Exception):
    """The connection changed state or another runner took over: stop without applying."""


def claim_lease(connection_id: int, owner: str) -> bool:
    """Compare-and-set: take the lease if it is free or expired. 0 rows means someone has it."""
    now = timezone.now()
    return (
        Connection.objects.filter(pk=connection_id, state=State.CONNECTED)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_owner=owner, lease_until=now + _lease())
        == 1
    )


def release_lease(connection_id: int, owner: str) -> None:
    Connection.objects.filter(pk=connection_id, lease_owner=owner).update(
        lease_owner="", lease_until=None
    )


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SYNC_LEASE_SECONDS)


def _window_size(initial: bool) -> int:
    return int(settings.SYNC_INITIAL_WINDOW if initial else settings.SYNC_LIVE_WINDOW)


def _apply_one_window(connection_id: int, owner: str, high: int) -> tuple[Applied, int]:
    """Apply the next window up to ``high``; returns what it did and the new cursor."""
    with transaction.atomic():
        now = timezone.now()
        # Holding the connection row from here to commit serialises us with lifecycle changes
        # (a disconnect or undo waits for this window, or this window sees it and stops).
        renewed = Connection.objects.filter(
            pk=connection_id, state=State.CONNECTED, lease_owner=owner
        ).update(lease_until=now + _lease())
        if renewed != 1:
            raise LostLease()
        conn = Connection.objects.select_related("upstream__company", "upstream").get(
            pk=connection_id
        )
        initial = conn.initial_done_at is None
        lo = conn.synced_seq
        hi = min(high, lo + _window_size(initial))
        window = Window(
            upstream_id=conn.upstream_id,
            downstream_id=conn.downstream_id,
            lo=lo,
            hi=hi,
            seq=sequence.next_seq(conn.downstream_id),
            now=now,
            company_name=conn.upstream.company.name,
            project_name=conn.upstream.name,
        )
        applied = apply_window(window)
        updates: dict[str, object] = {
            "synced_seq": hi,
            "last_synced_at": now,
            "failing_since": None,
            "failing_notified_at": None,
        }
        if initial:
            updates["initial_copied"] = F("initial_copied") + applied.created
        Connection.objects.filter(pk=connection_id).update(**updates)
        if not initial and applied.created:
            from sheetflow.connections.engine.tasks import announce_new_sheets_task

            # Rendering the message is left to a task, off the path to the next downstream.
            announce_new_sheets_task.enqueue(connection_id, new_copy_ids(window), applied.created)
            webhooks.revisions_copied(conn, window)
        if initial and hi >= high:
            Connection.objects.filter(pk=connection_id).update(initial_done_at=now)
            conn.refresh_from_db()
            announce_initial_complete(conn)
    return applied, hi


def sync_connection(connection_id: int, *, max_windows: int | None = None) -> PassResult:
    """Bring one connection up to date with its upstream, if no one else is doing it."""
    result = PassResult()
    owner = _worker_id()
    if not claim_lease(connection_id, owner):
        return result
    result.claimed = True
    conn = Connection.objects.get(pk=connection_id)
    # The committed upstream head: every change numbered up to it is visible now,
    # because numbers are taken under the counter's row lock until commit.
    high = sequence.current_seq(conn.upstream_id)
    if conn.synced_seq >= high and conn.initial_done_at is not None:
        # A duplicate wake-up: nothing to do, and no run worth recording.
        release_lease(connection_id, owner)
        result.caught_up = True
        return result
    run = SyncRun.objects.create(
        connection=conn,
        kind=SyncRun.Kind.INITIAL if conn.initial_done_at is None else SyncRun.Kind.LIVE,
        from_seq=conn.synced_seq,
        to_seq=conn.synced_seq,
    )
    try:
        cursor = conn.synced_seq
        while cursor < high and (max_windows is None or result.windows < max_windows):
            applied, cursor = _apply_one_window(connection_id, owner, high)
            result.windows += 1
            result.created += applied.created
            result.updated += applied.updated
            result.withdrawn += applied.withdrawn
        if cursor >= high and conn.initial_done_at is None and result.windows == 0:
            # Nothing to copy at all: the initial copy is complete at once.
            with transaction.atomic():
                done = Connection.objects.filter(
                    pk=connection_id, state=State.CONNECTED, initial_done_at__isnull=True
                ).update(initial_done_at=timezone.now(), last_synced_at=timezone.now())
                if done:
                    announce_initial_complete(Connection.objects.get(pk=connection_id))
        result.caught_up = cursor >= high
        run.ok = True
    except LostLease:
        run.ok = True
        run.error = "stopped: the connection changed state or another worker took over"
    except Exception as exc:  # recorded on the connection and retried by the sweep
        logger.exception("Sync of connection %s failed", connection_id)
        result.error = f"{type(exc).__name__}: {exc}"[:2000]
        run.ok = False
        run.error = result.error
        now = timezone.now()
        Connection.objects.filter(pk=connection_id).update(
            last_error=result.error, last_error_at=now
        )
        Connection.objects.filter(pk=connection_id, failing_since__isnull=True).update(
            failing_since=now
        )
    finally:
        release_lease(connection_id, owner)
        run.finished_at = timezone.now()
        run.applied = result.created + result.updated
        run.to_seq = (
            Connection.objects.filter(pk=connection_id).values_list("synced_seq", flat=True).first()
            or run.from_seq
        )
        run.save()
    return result


def count_published(project_id: int) -> int:
    return Revision.objects.filter(
        project_id=project_id, is_published=True, deleted_at__isnull=True
    ).count()
