"""A connection's sync status as people and the API see it (SPEC §5, "Status per connection")."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from sheetflow.connections.models import Connection, State, SyncRun
from sheetflow.drawings import sequence

RUNS_SHOWN = 10


@dataclass
class SyncStatus:
    behind_changes: int
    behind_seconds: float
    # Still moving: the page refreshes itself while this is true.
    live: bool
    runs: list[SyncRun] = field(default_factory=list)


def sync_status(connection: Connection, *, with_runs: bool = True) -> SyncStatus:
    """How far behind upstream the connection is, in changes and seconds, and recent runs."""
    behind = 0
    seconds = 0.0
    if connection.state == State.CONNECTED:
        head = getattr(connection, "upstream_head", None)  # annotated by the selectors
        if head is None:
            head = sequence.current_seq(connection.upstream_id)
        behind = max(0, head - connection.synced_seq)
        if behind:
            since = connection.last_synced_at or connection.connected_at or timezone.now()
            seconds = max(0.0, (timezone.now() - since).total_seconds())
    live = connection.state == State.CONNECTED and (
        behind > 0 or connection.initial_done_at is None
    )
    runs = list(connection.sync_runs.order_by("-pk")[:RUNS_SHOWN]) if with_runs else []
    return SyncStatus(behind_changes=behind, behind_seconds=seconds, live=live, runs=runs)
