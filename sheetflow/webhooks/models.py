"""Webhook endpoints of a project, the events they receive, and each delivery's state."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from sheetflow.connections.models import Connection
from sheetflow.projects.models import Project


class EventType(models.TextChoices):
    CONNECTION_REQUESTED = "connection.requested", "Connection requested"
    CONNECTION_APPROVED = "connection.approved", "Connection approved"
    CONNECTION_REJECTED = "connection.rejected", "Connection rejected"
    CONNECTION_CANCELLED = "connection.cancelled", "Connection request cancelled"
    CONNECTION_UNDONE = "connection.undone", "Connection undone"
    CONNECTION_DISCONNECTED = "connection.disconnected", "Connection disconnected"
    SYNC_INITIAL_COMPLETE = "sync.initial_complete", "Initial sync complete"
    REVISIONS_COPIED = "revisions.copied", "Revisions copied"
    REVISIONS_PUBLISHED_DOWNSTREAM = (
        "revisions.published_downstream",
        "Revisions published downstream",
    )
    SYNC_FAILING = "sync.failing", "Sync failing"


# The test event is sent to one endpoint on request; endpoints never subscribe to it.
PING = "ping"


class Endpoint(models.Model):
    """A URL that receives a project's chosen events, signed with the endpoint's secret."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    # Kept readable: the worker signs each body with it. Shown to people only once.
    secret = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # The first failure of the current run of failures (cleared by a success).
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    secret_rotated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["project", "is_active"], name="webhook_endpoint_project")]

    def __str__(self) -> str:
        return self.url


class Event(models.Model):
    """Something that happened, as sent: the body is built once, in the event's transaction."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The project whose endpoints receive it (each side of a connection gets its own event).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.type} {self.uuid}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"


class Delivery(models.Model):
    """One event for one endpoint: tried until delivered or given up, claimed by a lease."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    attempts = models.IntegerField(default=0)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.IntegerField(null=True, blank=True)
    duration_ms = models.IntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # Bodies are purged after WEBHOOK_BODY_DAYS; the rest of the log stays.
    request_body = models.TextField(blank=True)
    response_body = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
            # The periodic pick-up reads only deliveries still to send.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"


class PublishCursor(models.Model):
    """How far the downstream publishes of a connection have been announced."""

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, primary_key=True)
    # The downstream's change_seq up to which publishes were looked at.
    seq = models.BigIntegerField(default=0)
    # The latest publish time announced (older publishes seen again are edits, not news).
    published_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.connection_id}: {self.seq}"
