"""Run a connection's sync: claim its lease, apply windows in order, advance the cursor.

One runner per connection at a time, by a lease claimed with a compare-and-set UPDATE. The
lease is short (``SYNC_LEASE_SECONDS``, 5 s) and renewed by every window, so a killed
worker's lease is taken over within seconds. Each window is one transaction that first
renews the lease on the condition that this runner still owns it, then applies the upstream
changes and advances ``synced_seq``: a runner that lost its lease (paused past it, then
resumed) fails that condition and writes nothing. A crash loses at most the window in flight
and the next pass redoes it (replays are no-ops).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection as db
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from sheetflow.common.retry import retry_deadlocks
from sheetflow.connections.engine.applied import NewCopies
from sheetflow.connections.engine.copy import Applied, Window, apply_window
from sheetflow.connections.models import Connection, State, SyncRun
from sheetflow.connections.notices import (
    announce_initial_complete,
    new_copies_applied,
    new_copy_ids,
)
from sheetflow.drawings import sequence
from sheetflow.drawings.models import Revision

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


def holder_is_dead(holder: str) -> bool:
    """Is this lease holder a process of this host that no longer exists?

    A killed worker's lease need not be waited out when its process is known to be gone.
    Taking it over early is safe even if this guess were wrong: the holder's next window
    fails its compare-and-set on the owner and writes nothing.
    """
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:30] or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claim_lease(connection_id: int, owner: str) -> bool:
    """Compare-and-set: take the lease if it is free or expired. 0 rows means someone has it."""
    if _claim(
        connection_id, owner, Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now())
    ):
        return True
    holder = Connection.objects.filter(pk=connection_id).values_list("lease_owner", flat=True)
    dead = next(iter(holder), "")
    return bool(dead) and holder_is_dead(dead) and _claim(connection_id, owner, Q(lease_owner=dead))


def _claim(connection_id: int, owner: str, claimable: Q) -> bool:
    # A row locked by a window in progress is skipped, not waited for: its runner is alive.
    free = (
        Connection.objects.select_for_update(skip_locked=True)
        .filter(claimable, pk=connection_id, state=State.CONNECTED)
        .values("pk")
    )
    with transaction.atomic():
        return (
            Connection.objects.filter(claimable, pk__in=free).update(
                lease_owner=owner, lease_until=timezone.now() + _lease()
            )
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


def _limit_idle_transaction() -> None:
    # A runner stopped inside a window (SIGSTOP, a frozen VM) would hold the connection row,
    # and with it the lease, for as long as it is stopped: PostgreSQL ends such a session
    # after the lease's length, rolling the window back, and the lease expires as usual.
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('idle_in_transaction_session_timeout', %s, true)",
                [str(int(_lease().total_seconds() * 1000))],
            )


def _remaining(upstream_id: int, after: int) -> int:
    """Published live upstream revisions changed after ``after``: what is left to copy."""
    return Revision.objects.filter(
        project_id=upstream_id, change_seq__gt=after, is_published=True, deleted_at__isnull=True
    ).count()


def _apply_one_window(connection_id: int, owner: str, high: int) -> tuple[Applied, int]:
    """Apply the next window up to ``high``; returns what it did and the new cursor."""
    with transaction.atomic():
        _limit_idle_transaction()
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
            # The total is what is copied plus what is left, recounted each window: the
            # upstream keeps changing during a copy, and done never exceeds the total.
            copied = conn.initial_copied + applied.created
            updates["initial_copied"] = copied
            updates["initial_total"] = copied + (
                _remaining(conn.upstream_id, hi) if hi < high else 0
            )
        Connection.objects.filter(pk=connection_id).update(**updates)
        if applied.created:
            _render_missing_copies(window)
        if not initial and applied.created:
            new_copies_applied(
                [
                    NewCopies(
                        connection_id=connection_id,
                        downstream_id=window.downstream_id,
                        seq=window.seq,
                        now=window.now,
                        total=applied.created,
                        revision_ids=new_copy_ids(window),
                    )
                ]
            )
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
            applied, cursor = retry_deadlocks(lambda: _apply_one_window(connection_id, owner, high))
            result.windows += 1
            result.created += applied.created
            result.updated += applied.updated
            result.withdrawn += applied.withdrawn
        if cursor >= high and conn.initial_done_at is None and result.windows == 0:
            # Nothing to copy at all: the initial copy is complete at once.
            with transaction.atomic():
                done = Connection.objects.filter(
                    pk=connection_id,
                    state=State.CONNECTED,
                    initial_done_at__isnull=True,
                    lease_owner=owner,
                ).update(
                    initial_done_at=timezone.now(),
                    last_synced_at=timezone.now(),
                    initial_total=F("initial_copied"),
                )
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
        # The database may have ended our session (stopped past the lease): start afresh.
        if not db.in_atomic_block and db.connection is not None and not db.is_usable():
            db.close()
        now = timezone.now()
        # Only the lease holder speaks for the connection; a runner that lost it is silent.
        mine = Connection.objects.filter(pk=connection_id, lease_owner=owner)
        mine.update(last_error=result.error, last_error_at=now)
        mine.filter(failing_since__isnull=True).update(failing_since=now)
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


def _render_missing_copies(window: Window) -> None:
    """New copies of sheets not rendered yet get the rendering when it exists (one task)."""
    from sheetflow.drawings.tasks import render_copies_later

    ids = list(
        Revision.objects.filter(
            project_id=window.downstream_id, change_seq=window.seq, thumbnail__isnull=True
        ).values_list("pk", flat=True)
    )
    if ids:
        render_copies_later(ids)


def count_published(project_id: int) -> int:
    return Revision.objects.filter(
        project_id=project_id, is_published=True, deleted_at__isnull=True
    ).count()
