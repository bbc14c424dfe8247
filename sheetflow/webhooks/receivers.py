"""Listening to connections and drawings without them knowing about webhooks."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from sheetflow.connections.models import ConnectionEvent
from sheetflow.drawings.signals import drawings_changed


@receiver(post_save, sender=ConnectionEvent, dispatch_uid="webhooks-connection-event")
def _transition(sender: Any, instance: ConnectionEvent, created: bool, **kwargs: Any) -> None:
    # Saved inside the transition's transaction: the event and its deliveries commit with it.
    if created:
        from sheetflow.webhooks.hooks import on_transition

        on_transition(instance)


@receiver(drawings_changed, dispatch_uid="webhooks-downstream-published")
def _drawings_changed(sender: Any, project_id: int, **kwargs: Any) -> None:
    """A project committed drawing changes: if it is a downstream, look for new publishes."""
    from sheetflow.connections.models import Connection, State
    from sheetflow.webhooks.events import subscribers
    from sheetflow.webhooks.models import EventType
    from sheetflow.webhooks.tasks import published_downstream_task

    upstream = (
        Connection.objects.filter(downstream_id=project_id, state=State.CONNECTED)
        .values_list("upstream_id", flat=True)
        .first()
    )
    if upstream is None:
        return
    if subscribers([upstream, project_id], EventType.REVISIONS_PUBLISHED_DOWNSTREAM):
        published_downstream_task.enqueue(project_id)
