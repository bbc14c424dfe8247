"""The sync engine's notifications (SPEC §4): initial sync complete, new sheets, failing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from sheetflow.connections.engine.applied import NewCopies
from sheetflow.connections.engine.copy import Window
from sheetflow.connections.models import Connection
from sheetflow.connections.notices import connection_path
from sheetflow.drawings import review
from sheetflow.drawings.models import Revision
from sheetflow.notifications.selectors import connection_list, drawings_list
from sheetflow.notifications.services import notify
from sheetflow.webhooks import hooks as webhooks

LISTED = 50  # sheets named in one message; the rest are counted


def _review_link(connection: Connection, batch: dt.datetime | None = None) -> str:
    # The downstream review queue, narrowed to the batch the message is about when there is one.
    queue = reverse("drawings:queue", kwargs={"project_id": connection.downstream_id})
    return f"{queue}?batch={review.batch_key(batch)}" if batch is not None else queue


def _tell(
    connection: Connection, event: str, recipients: list[Any], link: str, **extra: Any
) -> None:
    """Notify downstream people about their connection (the upstream side hears nothing)."""
    notify(
        event=event,
        recipients=recipients,
        context={
            "connection": connection,
            "upstream": connection.upstream,
            "downstream": connection.downstream,
            **extra,
        },
        link=link,
        project=connection.downstream,
    )


def announce_initial_complete(connection: Connection) -> None:
    """Tell the downstream drawings list that the initial copy is complete."""
    _tell(
        connection,
        "sync_initial_complete",
        drawings_list(connection.downstream),
        _review_link(connection),
        copied=connection.initial_copied,
    )
    webhooks.initial_sync_complete(connection)


def new_copies_applied(items: list[NewCopies]) -> None:
    """Windows created copies (called inside their transaction): tell each downstream once."""
    from sheetflow.connections.engine.tasks import announce_new_sheets_task

    for item in items:
        # Rendering the message is left to a task, off the path to the next downstream.
        announce_new_sheets_task.enqueue(item.connection_id, item.revision_ids, item.total)
        webhooks.revisions_copied(Connection.objects.get(pk=item.connection_id), item)


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
    """One message per applied batch, listing the new sheets (never one per sheet).

    Each listed sheet says whether it is a new drawing here or a new revision of one this
    project already has; the link opens the batch in the review queue.
    """
    if not total:
        return
    listed = list(
        Revision.objects.filter(pk__in=revision_ids, project_id=connection.downstream_id)
        .select_related("drawing")
        .order_by("drawing__number", "revision_number")
    )
    older = set(
        Revision.objects.filter(
            drawing_id__in={r.drawing_id for r in listed}, deleted_at__isnull=True
        )
        .exclude(pk__in=revision_ids)
        .values_list("drawing_id", flat=True)
    )
    sheets = [
        {
            "number": r.drawing.number,
            "title": r.drawing.title,
            "revision": r.revision_number,
            "new_revision": r.drawing_id in older,
        }
        for r in listed
    ]
    revisions = sum(1 for s in sheets if s["new_revision"])
    _tell(
        connection,
        "sync_new_sheets",
        drawings_list(connection.downstream),
        _review_link(connection, listed[0].created_at if listed else None),
        sheets=sheets,
        total=total,
        more=max(0, total - len(sheets)),
        # Counted over the listed sheets (all of them up to LISTED): what the subject says.
        new_revisions=revisions,
        new_sheets=len(sheets) - revisions,
    )


def announce_failing(connection: Connection) -> None:
    """Tell the downstream connection list that sync has failed for a while."""
    _tell(
        connection,
        "sync_failing",
        connection_list(connection.downstream),
        connection_path(connection, "downstream"),
        error=connection.last_error,
        since=connection.failing_since,
    )
    webhooks.sync_failing(connection)
