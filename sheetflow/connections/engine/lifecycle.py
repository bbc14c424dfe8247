"""What connecting, undoing and disconnecting do to the copies.

Each function is called by the lifecycle service (``connections.services``) inside the
transaction that makes the transition, with the connection already saved in its new state.
They stay cheap: the copy itself runs in the worker, queued with the transition.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from sheetflow.connections.engine.runner import count_published
from sheetflow.connections.models import Connection, State
from sheetflow.connections.tasks import sync_connection_task
from sheetflow.drawings import sequence
from sheetflow.drawings.models import Area, Drawing, DrawingSet, Revision
from sheetflow.drawings.services.revisions import drawing_refresh


def start(connection: Connection) -> None:
    """Becoming connected: start the initial copy from the beginning of upstream history."""
    Connection.objects.filter(pk=connection.pk).update(
        synced_seq=0,
        initial_total=count_published(connection.upstream_id),
        initial_copied=0,
        initial_done_at=None,
        last_error="",
        last_error_at=None,
        failing_since=None,
        failing_notified_at=None,
    )
    # Enqueued in the caller's transaction: the database backend commits it with the state.
    sync_connection_task.enqueue(connection.pk)


def remove_unpublished_copies(connection: Connection) -> None:
    """Undo: copies still unpublished downstream were shared by mistake and go; published stay.

    Connected drawings, sets and areas left without any revision go too. What stays becomes
    an ordinary downstream drawing (editable), keeping its provenance.
    """
    down = connection.downstream_id
    sequence.hold(down)  # before the copies' rows: the lock order of sequence.py
    Revision.objects.filter(
        project_id=down, upstream_uuid__isnull=False, is_published=False
    ).delete()
    Drawing.objects.filter(project_id=down, upstream_uuid__isnull=False).exclude(
        Exists(Revision.objects.filter(drawing=OuterRef("pk")))
    ).delete()
    # Few are left (only what a downstream admin published within the undo window).
    kept = list(Drawing.objects.filter(project_id=down, upstream_uuid__isnull=False))
    for drawing in kept:
        drawing_refresh(drawing)
        drawing.is_synced = False
    Drawing.objects.bulk_update(kept, ["current_revision", "latest_revision", "is_synced"])
    DrawingSet.objects.filter(project_id=down, upstream_uuid__isnull=False).exclude(
        Exists(Revision.objects.filter(drawing_set=OuterRef("pk")))
    ).delete()
    Area.objects.filter(project_id=down, upstream_uuid__isnull=False).exclude(
        Exists(Drawing.objects.filter(area=OuterRef("pk")))
    ).delete()
    reset = {"synced_seq": 0, "initial_total": 0, "initial_copied": 0, "initial_done_at": None}
    if connection.state == State.PENDING:
        # The upstream undid its approval: a later approval copies again from the start.
        Connection.objects.filter(pk=connection.pk).update(**reset)


def release_copies(connection: Connection) -> None:
    """Disconnect: copying stops; the copies become ordinary downstream drawings."""
    sequence.hold(connection.downstream_id)
    Drawing.objects.filter(project_id=connection.downstream_id, upstream_uuid__isnull=False).update(
        is_synced=False
    )
    Connection.objects.filter(pk=connection.pk).update(
        lease_owner="", lease_until=None, failing_since=None
    )
