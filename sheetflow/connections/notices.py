"""Which notification each connection event sends, to whom (SPEC §4): the lifecycle's and
the sync engine's (initial copy complete, new sheets, failing)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.urls import reverse

from sheetflow.accounts.models import User
from sheetflow.connections import signals
from sheetflow.connections.engine.applied import NewCopies
from sheetflow.connections.models import Connection, NewSheetsNotice
from sheetflow.drawings import review
from sheetflow.drawings.models import Revision
from sheetflow.notifications.models import ListKind
from sheetflow.notifications.selectors import connection_list, drawings_list, lists_members
from sheetflow.notifications.services import Message, notify, notify_many


def connection_path(connection: Connection, side: str) -> str:
    """The connection's page seen from one side ("upstream" or "downstream")."""
    project_id = connection.upstream_id if side == "upstream" else connection.downstream_id
    return reverse(
        "connections:detail", kwargs={"project_id": project_id, "connection_id": connection.pk}
    )


def _context(connection: Connection, actor: User | None, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "connection": connection,
        "upstream": connection.upstream,
        "downstream": connection.downstream,
        "actor": actor,
        **extra,
    }


def announce(
    connection: Connection,
    event: str,
    *,
    actor: User | None,
    sides: tuple[str, ...] = ("upstream", "downstream"),
    **extra: Any,
) -> None:
    """Notify the distribution lists of the given sides; someone on both hears once."""
    told: set[int] = set()
    context = _context(connection, actor, extra)
    for side in sides:
        project = connection.upstream if side == "upstream" else connection.downstream
        recipients = [u for u in connection_list(project) if u.pk not in told]
        told.update(u.pk for u in recipients)
        notify(
            event=event,
            recipients=recipients,
            context={**context, "side": side, "project": project},
            link=connection_path(connection, side),
            project=project,
        )


def confirm_to_requester(connection: Connection, requester: User) -> None:
    """The requester's own confirmation that their request was sent."""
    notify(
        event="connection_request_sent",
        recipients=[requester],
        context={**_context(connection, requester, {}), "side": "downstream"},
        link=connection_path(connection, "downstream"),
        project=connection.downstream,
    )


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
    signals.initial_sync_complete.send(sender=None, connection=connection)


def record_new_copies(items: list[NewCopies]) -> list[int]:
    """Record windows that created copies, all at once (inside their transaction); returns
    the notices' ids for the task that announces them."""
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
    return [n.pk for n in notices]


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
        notify_many(new_sheets_messages(windows))
        signals.revisions_copied.send(sender=None, windows=windows)
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


def new_sheets_messages(windows: list[tuple[Connection, NewCopies]]) -> list[Message]:
    """One message per window that made copies, listing its new sheets (never one per sheet),
    for a batch of windows in a constant number of queries.

    Each listed sheet says whether it is a new drawing here or a new revision of one this
    project already has; the link opens the batch in the review queue.
    """
    windows = [(connection, window) for connection, window in windows if window.total]
    if not windows:
        return []
    wanted = {pk for _, window in windows for pk in window.revision_ids}
    by_project: dict[int, list[Revision]] = defaultdict(list)
    # In the order a message lists its sheets (the database's, as one query per window had it).
    for revision in (
        Revision.objects.filter(pk__in=wanted)
        .select_related("drawing")
        .order_by("drawing__number", "revision_number")
    ):
        by_project[revision.project_id].append(revision)
    drawings = {r.drawing_id for rows in by_project.values() for r in rows}
    older_elsewhere = set(
        Revision.objects.filter(drawing_id__in=drawings, deleted_at__isnull=True)
        .exclude(pk__in=wanted)
        .values_list("drawing_id", flat=True)
    )
    lists = lists_members(
        projects=[connection.downstream for connection, _ in windows], kind=ListKind.DRAWINGS
    )
    messages = []
    for connection, window in windows:
        ids = set(window.revision_ids)
        rows = by_project[connection.downstream_id]
        listed = [r for r in rows if r.pk in ids]
        # A drawing is not new if it has another live revision: one from before, or one that
        # another window of this batch brought.
        older = older_elsewhere | {
            r.drawing_id for r in rows if r.pk not in ids and r.deleted_at is None
        }
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
        messages.append(
            _message(
                connection,
                "sync_new_sheets",
                lists[connection.downstream_id],
                _review_link(connection, listed[0].created_at if listed else None),
                sheets=sheets,
                total=window.total,
                more=max(0, window.total - len(sheets)),
                # Counted over the listed sheets (all of them up to LISTED): what the subject says.
                new_revisions=revisions,
                new_sheets=len(sheets) - revisions,
            )
        )
    return messages


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
    signals.sync_failing.send(sender=None, connection=connection)
