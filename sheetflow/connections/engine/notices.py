"""The sync engine's notifications (SPEC §4): initial sync complete, new sheets, failing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse

from sheetflow.connections.engine.applied import NewCopies
from sheetflow.connections.engine.copy import Window
from sheetflow.connections.models import Connection, NewSheetsNotice
from sheetflow.connections.notices import connection_path
from sheetflow.drawings import review
from sheetflow.drawings.models import Revision
from sheetflow.notifications.selectors import connection_list, drawings_list
from sheetflow.notifications.services import Message, notify_many
from sheetflow.webhooks import hooks as webhooks

LISTED = 50  # sheets named in one message; the rest are counted
# Windows announced per transaction by the announcing task: what a re-run after a crash redoes.
NOTICES_PER_TRANSACTION = 100


def _review_link(connection: Connection, batch: dt.datetime | None = None) -> str:
    # The downstream review queue, narrowed to the batch the message is about when there is one.
    queue = reverse("drawings:queue", kwargs={"project_id": connection.downstream_id})
    return f"{queue}?batch={review.batch_key(batch)}" if batch is not None else queue


def _message(
    connection: Connection, event: str, recipients: list[Any], link: str, **extra: Any
) -> Message:
    """A message to downstream people about their connection (the upstream side hears nothing)."""
    return Message(
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


def _tell(
    connection: Connection, event: str, recipients: list[Any], link: str, **extra: Any
) -> None:
    notify_many([_message(connection, event, recipients, link, **extra)])


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
    """Windows created copies (called inside their transaction): record them all at once and
    queue one task that tells each downstream."""
    from sheetflow.connections.engine.tasks import announce_new_copies_task

    if not items:
        return
    notices = NewSheetsNotice.objects.bulk_create(
        NewSheetsNotice(
            connection_id=item.connection_id,
            seq=item.seq,
            window_at=item.now,
            total=item.total,
            revision_ids=item.revision_ids,
        )
        for item in items
    )
    # Rendering messages and webhook bodies is left to the task, off the window's path; the
    # database task backend commits the task with the notices (or neither).
    announce_new_copies_task.enqueue([n.pk for n in notices])


def announce_notices(notice_ids: list[int]) -> int:
    """Announce recorded windows, a chunk per transaction; returns how many were announced.

    Each chunk's notices are claimed, their messages and webhook events recorded and the
    notices deleted in one transaction: a run that dies mid-way loses only its chunk in
    flight, which the re-run announces, and a run beside it skips what this one holds.
    """
    done = 0
    for start in range(0, len(notice_ids), NOTICES_PER_TRANSACTION):
        done += _announce_chunk(notice_ids[start : start + NOTICES_PER_TRANSACTION])
    return done


def _announce_chunk(notice_ids: list[int]) -> int:
    with transaction.atomic():
        notices = list(
            NewSheetsNotice.objects.select_for_update(skip_locked=True)
            .filter(pk__in=notice_ids)
            .order_by("pk")
        )
        if not notices:
            return 0
        connections = Connection.objects.select_related(
            "upstream__company", "downstream__company"
        ).in_bulk({n.connection_id for n in notices})
        windows = [
            (connections[n.connection_id], _window_of(n, connections[n.connection_id]))
            for n in notices
        ]
        notify_many(
            message
            for connection, window in windows
            if (message := new_sheets_message(connection, window.revision_ids, window.total))
        )
        webhooks.revisions_copied_many(windows)
        NewSheetsNotice.objects.filter(pk__in=[n.pk for n in notices]).delete()
    return len(notices)


def _window_of(notice: NewSheetsNotice, connection: Connection) -> NewCopies:
    return NewCopies(
        connection_id=notice.connection_id,
        downstream_id=connection.downstream_id,
        seq=notice.seq,
        now=notice.window_at,
        total=notice.total,
        revision_ids=notice.revision_ids,
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


def new_sheets_message(
    connection: Connection, revision_ids: list[int], total: int
) -> Message | None:
    """One message per applied batch, listing the new sheets (never one per sheet).

    Each listed sheet says whether it is a new drawing here or a new revision of one this
    project already has; the link opens the batch in the review queue.
    """
    if not total:
        return None
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
    return _message(
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
