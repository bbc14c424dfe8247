"""Recording events: one Event per project, one Delivery per subscribed endpoint, in the
caller's transaction (so an event exists exactly when what it reports was committed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from sheetflow.webhooks import tasks
from sheetflow.webhooks.models import Delivery, Endpoint, Event


def subscribers(project_ids: Iterable[int], event_type: str) -> dict[int, list[Endpoint]]:
    """Active endpoints of these projects that chose this event type (one query)."""
    found: dict[int, list[Endpoint]] = {}
    for endpoint in Endpoint.objects.filter(project_id__in=list(project_ids), is_active=True):
        if event_type in endpoint.events:
            found.setdefault(endpoint.project_id, []).append(endpoint)
    return found


def record(event_type: str, endpoints: list[Endpoint], project_id: int, data: Any) -> Event:
    """The event and a pending delivery for each endpoint, and a wake-up for the worker."""
    with transaction.atomic():
        event = Event.objects.create(project_id=project_id, type=event_type, data=data)
        now = timezone.now()
        deliveries = Delivery.objects.bulk_create(
            [Delivery(endpoint=e, event=event, next_attempt_at=now) for e in endpoints]
        )
        # Enqueued in the same transaction (the database task backend commits it with the
        # rows); a lost wake-up is caught by the periodic pick-up of due deliveries.
        for delivery in deliveries:
            tasks.deliver_task.enqueue(delivery.pk)
    return event


def emit(event_type: str, per_project: Mapping[int, Any]) -> list[Event]:
    """Record an event for each project that has subscribers; ``per_project`` gives each
    project's data, or a callable building it (only called when someone listens)."""
    listening = subscribers(per_project, event_type)
    events = []
    for project_id, endpoints in listening.items():
        data = per_project[project_id]
        events.append(record(event_type, endpoints, project_id, data() if callable(data) else data))
    return events
