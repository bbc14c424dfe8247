"""Run the sync of an upstream's connections: claim leases, apply windows, advance cursors.

One runner per connection at a time, by a lease claimed with a compare-and-set UPDATE. A
runner claims a group of an upstream's connections at once (up to ``SYNC_GROUP_MAX``; a
second worker takes the rest) and applies each upstream window to every member at the same
cursor in one transaction, with the same statements whatever the group's size (see
``drawings.services.replicas``). Members behind the others are caught up first, window by
window, until their cursor meets the next member's and the two groups become one.

The lease is short (``SYNC_LEASE_SECONDS``, 5 s) and renewed by every window, so a killed
worker's leases are taken over within seconds. Each window is one transaction that first
renews the leases of its members on the condition that this runner still owns them; a member
whose lease was lost (the runner paused past it, the connection was disconnected) drops out
and gets nothing written. A crash loses at most the window in flight and the next pass redoes
it (replays are no-ops). ``sync_connection`` is the same pass over a group of one.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection as db
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from sheetflow.common.retry import retry_deadlocks
from sheetflow.connections import signals
from sheetflow.connections.engine.applied import NewCopies
from sheetflow.connections.models import Connection, State, SyncRun
from sheetflow.connections.notices import LISTED, announce_initial_complete
from sheetflow.drawings import sequence
from sheetflow.drawings.models import Revision
from sheetflow.drawings.services.replicas import Applied, GroupWindow, apply_window
from sheetflow.drawings.tasks import render_copies_later
from sheetflow.projects.models import Project

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


def _behind(head: int) -> Q:
    return Q(synced_seq__lt=head) | Q(initial_done_at__isnull=True)


def _claimable(upstream_id: int, head: int) -> Q:
    """The upstream's connections behind ``head`` whose lease is free, expired or dead."""
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    holders = (
        Connection.objects.filter(_behind(head), upstream_id=upstream_id, state=State.CONNECTED)
        .exclude(free)
        .values_list("lease_owner", flat=True)
        .distinct()
    )
    dead = [holder for holder in holders if holder and holder_is_dead(holder)]
    return free | Q(lease_owner__in=dead) if dead else free


def claim_group(upstream_id: int, owner: str, head: int) -> list[int]:
    """Claim up to ``SYNC_GROUP_MAX`` of the upstream's connections that are behind.

    One compare-and-set UPDATE over a locked, capped set; rows locked by another runner's
    window are skipped, not waited for (their runner is alive).
    """
    claimable = _claimable(upstream_id, head) & _behind(head)
    free = (
        Connection.objects.select_for_update(skip_locked=True)
        .filter(claimable, upstream_id=upstream_id, state=State.CONNECTED)
        .order_by("pk")
        .values("pk")[: max(1, int(settings.SYNC_GROUP_MAX))]
    )
    with transaction.atomic():
        Connection.objects.filter(claimable, pk__in=free).update(
            lease_owner=owner, lease_until=timezone.now() + _lease()
        )
    return list(
        Connection.objects.filter(upstream_id=upstream_id, lease_owner=owner).values_list(
            "pk", flat=True
        )
    )


def more_to_claim(upstream_id: int, head: int) -> bool:
    """Are some of the upstream's connections still behind with no runner (past the cap)?"""
    return (
        Connection.objects.filter(upstream_id=upstream_id, state=State.CONNECTED)
        .filter(_behind(head), _claimable(upstream_id, head))
        .exists()
    )


@dataclass
class _Member:
    """A connection held by this runner during a pass, as far as the pass has taken it."""

    connection_id: int
    downstream_id: int
    cursor: int
    initial: bool
    initial_copied: int
    result: PassResult = field(default_factory=PassResult)
    active: bool = True  # still being synced by this pass (not lost, not failed)


@dataclass
class _Step:
    """What one committed window did: which members were still ours, and per downstream."""

    live: set[int]  # connection ids
    applied: dict[int, Applied]  # by downstream project id


def _names(upstream_id: int) -> tuple[str, str]:
    name, company = (
        Project.objects.filter(pk=upstream_id).values_list("name", "company__name").get()
    )
    return str(company), str(name)


def _apply_group_window(
    upstream_id: int, owner: str, group: list[_Member], lo: int, hi: int, high: int
) -> _Step:
    """Apply the upstream window ``(lo, hi]`` to every member of ``group`` (all at ``lo``)."""
    with transaction.atomic():
        _limit_idle_transaction()
        now = timezone.now()
        ids = [m.connection_id for m in group]
        # Holding the connection rows from here to commit serialises us with lifecycle
        # changes (a disconnect or undo waits for this window, or this window sees it and
        # leaves that member out). The rows renewed are the members still ours.
        mine = Connection.objects.filter(pk__in=ids, state=State.CONNECTED, lease_owner=owner)
        mine.update(lease_until=now + _lease())
        live = set(mine.values_list("pk", flat=True))
        if not live:
            raise LostLease()
        members = [m for m in group if m.connection_id in live]
        seqs = sequence.reserve_many([m.downstream_id for m in members])
        company, project = _names(upstream_id)
        window = GroupWindow(
            upstream_id=upstream_id,
            lo=lo,
            hi=hi,
            now=now,
            members=[(m.downstream_id, seqs[m.downstream_id]) for m in members],
            company_name=company,
            project_name=project,
        )
        applied = apply_window(window)
        Connection.objects.filter(pk__in=live).update(
            synced_seq=hi, last_synced_at=now, failing_since=None, failing_notified_at=None
        )
        initial = [m for m in members if m.initial]
        if initial:
            # The total is what is copied plus what is left, recounted each window: the
            # upstream keeps changing during a copy, and done never exceeds the total.
            left = _remaining(upstream_id, hi) if hi < high else 0
            progress = {}
            for m in initial:
                copied = m.initial_copied + applied[m.downstream_id].created
                progress[m.connection_id] = (copied, copied + left)
            for (copied, total), pks in _alike(progress).items():
                Connection.objects.filter(pk__in=pks).update(
                    initial_copied=copied, initial_total=total
                )
        if any(item.created for item in applied.values()):
            _render_missing_copies(window, [m.downstream_id for m in members])
        told = [
            NewCopies(
                connection_id=m.connection_id,
                downstream_id=m.downstream_id,
                seq=seqs[m.downstream_id],
                now=now,
                total=applied[m.downstream_id].created,
                revision_ids=applied[m.downstream_id].new_ids[:LISTED],
            )
            for m in members
            if not m.initial and applied[m.downstream_id].created
        ]
        if told:
            signals.copies_applied.send(sender=None, items=told)
        if initial and hi >= high:
            done = [m.connection_id for m in initial]
            Connection.objects.filter(pk__in=done).update(initial_done_at=now)
            for conn in Connection.objects.filter(pk__in=done).order_by("pk"):
                announce_initial_complete(conn)
    return _Step(live=live, applied=applied)


def _apply_one_window(connection_id: int, owner: str, high: int) -> tuple[Applied, int]:
    """Apply one connection's next window up to ``high`` (a group of one)."""
    member = _member(Connection.objects.get(pk=connection_id))
    upstream_id = Connection.objects.values_list("upstream_id", flat=True).get(pk=connection_id)
    hi = min(high, member.cursor + _window_size(member.initial))
    step = _apply_group_window(upstream_id, owner, [member], member.cursor, hi, high)
    return step.applied.get(member.downstream_id, Applied()), hi


def _member(conn: Connection) -> _Member:
    return _Member(
        connection_id=conn.pk,
        downstream_id=conn.downstream_id,
        cursor=conn.synced_seq,
        initial=conn.initial_done_at is None,
        initial_copied=conn.initial_copied,
    )


def _no_wake(upstream_id: int) -> None:
    """A direct call (tests, the shell) queues nothing: its caller runs the next pass."""


def sync_connection(connection_id: int, *, max_windows: int | None = None) -> PassResult:
    """Bring one connection up to date with its upstream, if no one else is doing it."""
    owner = _worker_id()
    if not claim_lease(connection_id, owner):
        return PassResult()
    upstream_id = Connection.objects.values_list("upstream_id", flat=True).get(pk=connection_id)
    return _pass(upstream_id, owner, [connection_id], max_windows)[connection_id]


def sync_upstream(
    upstream_id: int,
    *,
    max_windows: int | None = None,
    wake: Callable[[int], object] | None = None,
) -> dict[int, PassResult]:
    """Bring the upstream's connections that no one else is syncing up to date, as groups.

    Claims at most ``SYNC_GROUP_MAX`` of them; when more are waiting, ``wake`` (the task's
    ``wake_upstream``) queues another sync of the same upstream so that a second worker takes
    them, and again when the upstream moved on during the pass.
    """
    if wake is None:
        wake = _no_wake
    owner = _worker_id()
    head = sequence.current_seq(upstream_id)
    ids = claim_group(upstream_id, owner, head)
    if not ids:
        return {}
    if more_to_claim(upstream_id, head):
        wake(upstream_id)
    results = _pass(upstream_id, owner, ids, max_windows)
    if sequence.current_seq(upstream_id) > head:
        # Changes committed during the pass woke a task that found the members held: one
        # more pass now rather than at the next sweep.
        wake(upstream_id)
    return results


def _pass(
    upstream_id: int, owner: str, ids: list[int], max_windows: int | None
) -> dict[int, PassResult]:
    """Sync the claimed connections ``ids`` up to the upstream head, then release them."""
    # The committed upstream head: every change numbered up to it is visible now,
    # because numbers are taken under the counter's row lock until commit.
    high = sequence.current_seq(upstream_id)
    conns = list(Connection.objects.filter(pk__in=ids, lease_owner=owner).order_by("pk"))
    results = {pk: PassResult() for pk in ids}
    members = []
    for conn in conns:
        member = _member(conn)
        member.result = results[conn.pk]
        member.result.claimed = True
        if conn.synced_seq >= high and conn.initial_done_at is not None:
            # A duplicate wake-up: nothing to do, and no run worth recording.
            member.result.caught_up = True
        else:
            members.append(member)
    if not members:
        _release(ids, owner)
        return results
    runs = {
        run.connection_id: run
        for run in SyncRun.objects.bulk_create(
            SyncRun(
                connection_id=m.connection_id,
                kind=SyncRun.Kind.INITIAL if m.initial else SyncRun.Kind.LIVE,
                from_seq=m.cursor,
                to_seq=m.cursor,
            )
            for m in members
        )
    }
    try:
        _windows(upstream_id, owner, members, high, max_windows, runs)
        _finish_empty_initial_copies(owner, [m for m in members if m.active], high)
        for m in members:
            if m.active:
                m.result.caught_up = m.cursor >= high
                runs[m.connection_id].ok = True
    finally:
        _release(ids, owner)
        now = timezone.now()
        cursors = dict(
            Connection.objects.filter(pk__in=runs).values_list("pk", "synced_seq").iterator()
        )
        outcomes = {}
        for m in members:
            run = runs[m.connection_id]
            applied = m.result.created + m.result.updated
            to_seq = cursors.get(m.connection_id) or run.from_seq
            outcomes[run.pk] = (applied, to_seq, run.ok, run.error)
        for (applied, to_seq, ok, error), pks in _alike(outcomes).items():
            SyncRun.objects.filter(pk__in=pks).update(
                finished_at=now, applied=applied, to_seq=to_seq, ok=ok, error=error
            )
    return results


def _windows(
    upstream_id: int,
    owner: str,
    members: list[_Member],
    high: int,
    max_windows: int | None,
    runs: dict[int, SyncRun],
) -> None:
    """Apply windows until every member is at ``high``: lowest cursor first, groups merging."""
    while True:
        pending = [
            m
            for m in members
            if m.active
            and m.cursor < high
            and (max_windows is None or m.result.windows < max_windows)
        ]
        if not pending:
            return
        lo = min(m.cursor for m in pending)
        group = [m for m in pending if m.cursor == lo]
        # Up to the next member's cursor at most, so that the two groups meet there.
        higher = [m.cursor for m in pending if m.cursor > lo]
        hi = min([high, lo + _window_size(all(m.initial for m in group)), *higher])
        try:
            step = retry_deadlocks(
                functools.partial(_apply_group_window, upstream_id, owner, group, lo, hi, high)
            )
        except LostLease:
            _drop(group, runs, set())
            continue
        except Exception as exc:  # recorded on each member and retried by the sweep
            _failed(group, owner, exc, runs)
            continue
        _drop(group, runs, step.live)
        for m in group:
            if m.active:
                applied = step.applied[m.downstream_id]
                m.cursor = hi
                m.initial_copied += applied.created if m.initial else 0
                m.initial = m.initial and hi < high
                m.result.windows += 1
                m.result.created += applied.created
                m.result.updated += applied.updated
                m.result.withdrawn += applied.withdrawn


def _drop(group: list[_Member], runs: dict[int, SyncRun], live: set[int]) -> None:
    """Members not renewed by a window: disconnected, or another runner has them now."""
    for m in group:
        if m.connection_id not in live:
            m.active = False
            runs[m.connection_id].ok = True
            runs[
                m.connection_id
            ].error = "stopped: the connection changed state or another worker took over"


def _failed(group: list[_Member], owner: str, exc: Exception, runs: dict[int, SyncRun]) -> None:
    logger.exception("Sync of connections %s failed", [m.connection_id for m in group])
    error = f"{type(exc).__name__}: {exc}"[:2000]
    # The database may have ended our session (stopped past the lease): start afresh.
    if not db.in_atomic_block and db.connection is not None and not db.is_usable():
        db.close()
    now = timezone.now()
    ids = [m.connection_id for m in group]
    for m in group:
        m.active = False
        m.result.error = error
        runs[m.connection_id].ok = False
        runs[m.connection_id].error = error
    # Only the lease holder speaks for a connection; a runner that lost it is silent.
    mine = Connection.objects.filter(pk__in=ids, lease_owner=owner)
    mine.update(last_error=error, last_error_at=now)
    mine.filter(failing_since__isnull=True).update(failing_since=now)


def _finish_empty_initial_copies(owner: str, members: list[_Member], high: int) -> None:
    """Initial copies with nothing to copy at all are complete at once."""
    for m in members:
        if not (m.initial and m.cursor >= high and m.result.windows == 0):
            continue
        with transaction.atomic():
            done = Connection.objects.filter(
                pk=m.connection_id,
                state=State.CONNECTED,
                initial_done_at__isnull=True,
                lease_owner=owner,
            ).update(
                initial_done_at=timezone.now(),
                last_synced_at=timezone.now(),
                initial_total=F("initial_copied"),
            )
            if done:
                announce_initial_complete(Connection.objects.get(pk=m.connection_id))


def _alike(values: dict[int, Any]) -> dict[Any, list[int]]:
    """Row ids by the values they get: members of a group mostly end alike, so a few UPDATEs
    write them all (``bulk_update`` builds a CASE per row, slow at hundreds of rows)."""
    alike: dict[Any, list[int]] = {}
    for pk, value in values.items():
        alike.setdefault(value, []).append(pk)
    return alike


def _release(ids: list[int], owner: str) -> None:
    Connection.objects.filter(pk__in=ids, lease_owner=owner).update(
        lease_owner="", lease_until=None
    )


def _render_missing_copies(window: GroupWindow, downstream_ids: list[int]) -> None:
    """New copies of sheets not rendered yet get the rendering when it exists (one task).

    Copies carry their upstream row's rendering, so only the window's unrendered upstream
    revisions are looked for downstream: usually none, and then nothing is asked of the
    copies at all.
    """
    unrendered = list(
        Revision.objects.filter(
            project_id=window.upstream_id,
            change_seq__gt=window.lo,
            change_seq__lte=window.hi,
            thumbnail__isnull=True,
        ).values_list("uuid", flat=True)
    )
    if not unrendered:
        return
    ids = list(
        Revision.objects.filter(
            project_id__in=downstream_ids,
            upstream_uuid__in=unrendered,
            created_at=window.now,
            thumbnail__isnull=True,
        ).values_list("pk", flat=True)
    )
    if ids:
        render_copies_later(ids)


def count_published(project_id: int) -> int:
    return Revision.objects.filter(
        project_id=project_id, is_published=True, deleted_at__isnull=True
    ).count()
