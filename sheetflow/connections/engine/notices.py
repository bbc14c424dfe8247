"""The sync engine's notifications (SPEC §4): initial sync complete, new sheets, failing."""

from __future__ import annotations

from sheetflow.connections.engine.copy import Window
from sheetflow.connections.models import Connection
from sheetflow.connections.notices import connection_path
from sheetflow.drawings.models import Revision
from sheetflow.notifications.selectors import connection_list, drawings_list
from sheetflow.notifications.services import notify

LISTED = 50  # sheets named in one message; the rest are counted


def _review_link(connection: Connection) -> str:
    # The downstream drawing log, filtered to the connected revisions awaiting review.
    return f"/projects/{connection.downstream_id}/drawings/?source=connected&published=unpublished"


def announce_initial_complete(connection: Connection) -> None:
    """Tell the downstream drawings list that the initial copy is complete."""
    notify(
        event="sync_initial_complete",
        recipients=drawings_list(connection.downstream),
        context={
            "connection": connection,
            "upstream": connection.upstream,
            "downstream": connection.downstream,
            "copied": connection.initial_copied,
        },
        link=_review_link(connection),
        project=connection.downstream,
    )


def new_copy_ids(window: Window) -> list[int]:
    """Ids of the revision copies a window created (inside its transaction)."""
    return list(
        Revision.objects.filter(
            project_id=window.downstream_id, change_seq=window.seq, created_at=window.now
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:LISTED]
    )


def announce_published(connection: Connection, revision_ids: list[int], total: int) -> None:
    """One message per applied batch, listing the new sheets (never one per sheet)."""
    if not total:
        return
    listed = (
        Revision.objects.filter(pk__in=revision_ids, project_id=connection.downstream_id)
        .select_related("drawing")
        .order_by("drawing__number", "revision_number")
    )
    sheets = [
        {"number": r.drawing.number, "title": r.drawing.title, "revision": r.revision_number}
        for r in listed
    ]
    notify(
        event="sync_new_sheets",
        recipients=drawings_list(connection.downstream),
        context={
            "connection": connection,
            "upstream": connection.upstream,
            "downstream": connection.downstream,
            "sheets": sheets,
            "total": total,
            "more": max(0, total - len(sheets)),
        },
        link=_review_link(connection),
        project=connection.downstream,
    )


def announce_failing(connection: Connection) -> None:
    """Tell the downstream connection list that sync has failed for a while."""
    notify(
        event="sync_failing",
        recipients=connection_list(connection.downstream),
        context={
            "connection": connection,
            "upstream": connection.upstream,
            "downstream": connection.downstream,
            "error": connection.last_error,
            "since": connection.failing_since,
        },
        link=connection_path(connection, "downstream"),
        project=connection.downstream,
    )
