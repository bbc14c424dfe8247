"""What connections and the sync engine report, turned into events for both sides' endpoints.

Each function is cheap when nobody listens (one query for subscribers) and builds the body
(the same shapes as the API) only for projects with a subscribed endpoint.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sheetflow.connections.api import ConnectionOut, EventOut
from sheetflow.connections.distribution import copies_of
from sheetflow.connections.engine.applied import NewCopies
from sheetflow.connections.models import Connection, ConnectionEvent, EventKind, State
from sheetflow.connections.selectors import with_projects
from sheetflow.drawings import sequence
from sheetflow.drawings.models import Revision
from sheetflow.drawings.schemas import RevisionOut
from sheetflow.webhooks.events import emit, subscribers
from sheetflow.webhooks.models import Endpoint, EventType, PublishCursor

# Revisions listed in one event; more are counted in ``total``.
LISTED = 1000

TRANSITIONS = {
    EventKind.REQUESTED: EventType.CONNECTION_REQUESTED,
    EventKind.AUTO_APPROVED: EventType.CONNECTION_APPROVED,
    EventKind.APPROVED: EventType.CONNECTION_APPROVED,
    EventKind.REJECTED: EventType.CONNECTION_REJECTED,
    EventKind.CANCELLED: EventType.CONNECTION_CANCELLED,
    EventKind.UNDONE: EventType.CONNECTION_UNDONE,
    EventKind.APPROVAL_UNDONE: EventType.CONNECTION_UNDONE,
    EventKind.DISCONNECTED: EventType.CONNECTION_DISCONNECTED,
}


def connection_data(connection_id: int) -> dict[str, Any]:
    """The connection exactly as GET /api/v1/connections/{id} shows it."""
    conn = with_projects(Connection.objects.filter(pk=connection_id)).get()
    return ConnectionOut.from_orm(conn).model_dump(mode="json")


def revisions_data(revisions: list[Revision]) -> list[dict[str, Any]]:
    """Revisions as the API shows them, with their drawing's number and title."""
    out = []
    for revision in revisions:
        item = RevisionOut.from_orm(revision).model_dump(mode="json")
        item["drawing_number"] = revision.drawing.number
        item["drawing_title"] = revision.drawing.title
        out.append(item)
    return out


def _both(connection: Connection) -> tuple[int, int]:
    return connection.upstream_id, connection.downstream_id


def on_transition(event: ConnectionEvent) -> None:
    """A connection changed state (called in the transition's transaction)."""
    event_type = TRANSITIONS.get(EventKind(event.kind))
    if event_type is None:
        return
    conn = event.connection

    def data() -> dict[str, Any]:
        transition = EventOut.from_orm(event).model_dump(mode="json")
        return {"connection": connection_data(conn.pk), "transition": transition}

    emit(event_type, dict.fromkeys(_both(conn), data))


def initial_sync_complete(connection: Connection) -> None:
    """The initial copy finished (called in the window's transaction)."""

    def data() -> dict[str, Any]:
        return {"connection": connection_data(connection.pk)}

    emit(EventType.SYNC_INITIAL_COMPLETE, dict.fromkeys(_both(connection), data))


def sync_failing(connection: Connection) -> None:
    """Sync has failed for a while (the downstream people are told at the same time)."""

    def data() -> dict[str, Any]:
        return {
            "connection": connection_data(connection.pk),
            "error": connection.last_error,
            "failing_since": connection.failing_since.isoformat()
            if connection.failing_since
            else None,
        }

    emit(EventType.SYNC_FAILING, dict.fromkeys(_both(connection), data))


def revisions_copied_many(windows: list[tuple[Connection, NewCopies]]) -> None:
    """Live sync windows created copies: one event per window, listing the revisions.

    One query finds who listens for all the windows, so a batch nobody listens to costs one.
    """
    projects = {project for connection, _ in windows for project in _both(connection)}
    listening = subscribers(projects, EventType.REVISIONS_COPIED)
    for connection, window in windows:
        if any(project in listening for project in _both(connection)):
            revisions_copied(connection, window)


def revisions_copied(connection: Connection, window: NewCopies) -> None:
    """A live sync window created copies: one event per window, listing the revisions."""
    up, down = _both(connection)
    if not subscribers([up, down], EventType.REVISIONS_COPIED):
        return
    # The window's copies all carry its time: found by it, they are found even when edited or
    # published downstream (a new change number) before this runs, after the window's commit.
    copies = list(
        Revision.objects.filter(project_id=down, created_at=window.now, upstream_uuid__isnull=False)
        .select_related("drawing", "drawing_set")
        .order_by("pk")
    )
    if not copies:
        return
    listed = copies[:LISTED]
    sources = list(
        Revision.objects.filter(project_id=up, uuid__in=[c.upstream_uuid for c in listed])
        .select_related("drawing", "drawing_set")
        .order_by("pk")
    )
    conn = connection_data(connection.pk)
    base = {"connection": conn, "total": len(copies)}
    emit(
        EventType.REVISIONS_COPIED,
        {
            up: {**base, "revisions": revisions_data(sources)},
            down: {**base, "revisions": revisions_data(listed)},
        },
    )


def downstream_published(downstream_id: int) -> int:
    """Announce copies the downstream published since the last look; returns events made.

    A cursor per connection follows the downstream's change sequence (commit order), so each
    publish is looked at once; a publish older than the latest one announced is an edit of
    an already published copy and is not news.
    """
    made = 0
    for conn in Connection.objects.filter(downstream_id=downstream_id, state=State.CONNECTED):
        listening = subscribers(_both(conn), EventType.REVISIONS_PUBLISHED_DOWNSTREAM)
        if not listening:
            continue
        made += _announce_published(conn, listening)
    return made


def _announce_published(conn: Connection, listening: dict[int, list[Any]]) -> int:
    since = min(e.created_at for endpoints in listening.values() for e in endpoints)
    with transaction.atomic():
        cursor, _ = PublishCursor.objects.get_or_create(connection=conn)
        cursor = PublishCursor.objects.select_for_update().get(pk=cursor.pk)
        head = sequence.current_seq(conn.downstream_id)
        floor = max(since, cursor.published_at) if cursor.published_at else since
        found = list(
            copies_of(conn)
            .filter(
                change_seq__gt=cursor.seq,
                change_seq__lte=head,
                is_published=True,
                published_at__gt=floor,
            )
            .select_related("drawing", "drawing_set", "published_by")
            .order_by("published_at", "pk")[: LISTED + 1]
        )
        listed = found[:LISTED]
        if len(found) <= LISTED:
            cursor.seq = head
        else:
            # More than one event's worth: the rest is announced on the next look.
            cursor.seq = max(r.change_seq for r in listed) - 1
        if not listed:
            cursor.save()
            return 0
        cursor.published_at = listed[-1].published_at
        cursor.save()
        up, down = _both(conn)
        sources = {
            r.uuid: r
            for r in Revision.objects.filter(
                project_id=up, uuid__in=[c.upstream_uuid for c in listed]
            ).select_related("drawing", "drawing_set")
        }
        people = {c.pk: c.published_by.full_name if c.published_by else "" for c in listed}
        base = {"connection": connection_data(conn.pk)}

        def entries(revs: list[Revision], copies: list[Revision]) -> list[dict[str, Any]]:
            items = revisions_data(revs)
            for item, copy in zip(items, copies, strict=True):
                assert copy.published_at is not None  # found by published_at above
                item["published_downstream_at"] = copy.published_at.isoformat()
                item["published_downstream_by"] = people[copy.pk]
            return items

        shown = [c for c in listed if c.upstream_uuid in sources]
        originals = [sources[c.upstream_uuid] for c in shown if c.upstream_uuid]
        emit(
            EventType.REVISIONS_PUBLISHED_DOWNSTREAM,
            {
                up: {**base, "revisions": entries(originals, shown)},
                down: {**base, "revisions": entries(listed, listed)},
            },
        )
    return 1


def published_watch_targets() -> list[int]:
    """Downstream projects whose publishes someone listens to (for the periodic look)."""
    projects = set()
    for endpoint in Endpoint.objects.filter(is_active=True).only("project_id", "events"):
        if EventType.REVISIONS_PUBLISHED_DOWNSTREAM in endpoint.events:
            projects.add(endpoint.project_id)
    if not projects:
        return []
    rows = Connection.objects.filter(state=State.CONNECTED).filter(
        upstream_id__in=projects
    ) | Connection.objects.filter(state=State.CONNECTED, downstream_id__in=projects)
    return sorted(set(rows.values_list("downstream_id", flat=True)))
