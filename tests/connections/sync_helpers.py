"""Helpers for the sync engine's tests: connect through the real services, compare projects."""

from __future__ import annotations

from typing import Any

from sheetflow.accounts.models import User
from sheetflow.connections.engine.runner import sync_connection
from sheetflow.connections.models import Connection
from sheetflow.connections.services import connection_request
from sheetflow.drawings.models import Drawing, Revision
from sheetflow.projects.models import Project


def connect(user: User, downstream: Project, upstream: Project) -> Connection:
    """Request a connection (auto-approved by default) through the lifecycle service."""
    return connection_request(user=user, downstream=downstream, upstream=upstream)


def sync(connection: Connection) -> Any:
    """Run one sync pass now, as the worker's task would."""
    result = sync_connection(connection.pk)
    assert not result.error, result.error
    connection.refresh_from_db()
    return result


def published_upstream(project: Project) -> dict[str, tuple[Any, ...]]:
    """What a downstream must mirror: every published live revision of the upstream."""
    rows = Revision.objects.filter(
        project=project, is_published=True, deleted_at__isnull=True
    ).select_related("drawing__area", "drawing_set")
    return {str(r.uuid): _shape(r) for r in rows}


def copies_in(project: Project) -> dict[str, tuple[Any, ...]]:
    """The connected copies of a downstream, keyed by their upstream revision's uuid."""
    rows = Revision.objects.filter(
        project=project, upstream_uuid__isnull=False, withdrawn_upstream_at__isnull=True
    ).select_related("drawing__area", "drawing_set")
    return {str(r.upstream_uuid): _shape(r) for r in rows}


def _shape(r: Revision) -> tuple[Any, ...]:
    d: Drawing = r.drawing
    return (
        d.number,
        d.title,
        d.discipline,
        d.status,
        d.position,
        d.area.name,
        r.revision_number,
        r.revision_status,
        r.title,
        r.drawing_date,
        r.received_date,
        r.drawing_set.name if r.drawing_set else None,
        r.sheet_id,
        r.thumbnail_id,
    )


def settle(drain_tasks: Any) -> None:
    """Run queued tasks and sweeps until nothing is left to do.

    Inside a test transaction nothing commits, so the after-commit wake-ups never fire; the
    sweep stands in for them, exactly as it does for a lost wake-up in production.
    """
    from sheetflow.connections.tasks import sweep

    for _ in range(20):
        ran = drain_tasks()
        woken = sweep()
        if not ran and not woken:
            return
    raise AssertionError("tasks kept coming: the sync never settled")
