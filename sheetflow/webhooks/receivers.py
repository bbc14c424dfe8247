"""Listening to connections and drawings without them knowing about webhooks."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from sheetflow.connections import signals as sync_signals
from sheetflow.connections.models import Connection, ConnectionEvent, State
from sheetflow.drawings.signals import drawings_changed
from sheetflow.webhooks import hooks
from sheetflow.webhooks.events import subscribers
from sheetflow.webhooks.models import EventType
from sheetflow.webhooks.tasks import published_downstream_task


@receiver(post_save, sender=ConnectionEvent, dispatch_uid="webhooks-connection-event")
def _transition(sender: Any, instance: ConnectionEvent, created: bool, **kwargs: Any) -> None:
    # Saved inside the transition's transaction: the event and its deliveries commit with it.
    if created:
        hooks.on_transition(instance)


@receiver(sync_signals.initial_sync_complete, dispatch_uid="webhooks-initial-sync")
def _initial_sync_complete(sender: Any, connection: Connection, **kwargs: Any) -> None:
    hooks.initial_sync_complete(connection)


@receiver(sync_signals.revisions_copied, dispatch_uid="webhooks-revisions-copied")
def _revisions_copied(sender: Any, windows: list[Any], **kwargs: Any) -> None:
    hooks.revisions_copied_many(windows)


@receiver(sync_signals.sync_failing, dispatch_uid="webhooks-sync-failing")
def _sync_failing(sender: Any, connection: Connection, **kwargs: Any) -> None:
    hooks.sync_failing(connection)


@receiver(drawings_changed, dispatch_uid="webhooks-downstream-published")
def _drawings_changed(sender: Any, project_id: int, **kwargs: Any) -> None:
    """A project committed drawing changes: if it is a downstream, look for new publishes."""
    upstream = (
        Connection.objects.filter(downstream_id=project_id, state=State.CONNECTED)
        .values_list("upstream_id", flat=True)
        .first()
    )
    if upstream is None:
        return
    if subscribers([upstream, project_id], EventType.REVISIONS_PUBLISHED_DOWNSTREAM):
        published_downstream_task.enqueue(project_id)
