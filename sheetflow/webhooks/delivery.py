"""Sending deliveries: claim with a lease, send signed, record, retry with backoff, give up.

A delivery is claimed by a compare-and-set UPDATE that sets a lease; a worker killed while
sending leaves the lease to expire, and the periodic pick-up hands the delivery to another
worker (at-least-once: receivers de-duplicate by the event id).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sheetflow.webhooks import tasks
from sheetflow.webhooks.models import Delivery, DeliveryStatus, Endpoint
from sheetflow.webhooks.services import announce_disabled
from sheetflow.webhooks.transport import Refused, Response, post, sign

logger = logging.getLogger(__name__)

USER_AGENT = "Sheetflow-Webhooks/1"
# Backoff: 30 s, 1 min, 2 min … doubling, never more than an hour apart.
MAX_DELAY = dt.timedelta(hours=1)


def retry_delay(attempt: int) -> dt.timedelta:
    """How long to wait after the n-th failed attempt."""
    base = float(settings.WEBHOOK_RETRY_BASE_SECONDS)
    return min(MAX_DELAY, dt.timedelta(seconds=base * 2 ** max(0, attempt - 1)))


def _owner() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def body_of(delivery: Delivery) -> bytes:
    """The JSON body: event id, type, time, the project and the objects."""
    event = delivery.event
    payload = {
        "id": str(event.uuid),
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "project_id": event.project_id,
        "data": event.data,
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def headers_for(delivery: Delivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Sheetflow-Event-Id": str(delivery.event.uuid),
        "Sheetflow-Event-Type": delivery.event.type,
        "Sheetflow-Timestamp": str(timestamp),
        "Sheetflow-Signature": f"v1={sign(delivery.endpoint.secret, timestamp, body)}",
    }


def claim(delivery_id: int, owner: str) -> bool:
    """Take the delivery if it is due and nobody holds a live lease on it."""
    now = timezone.now()
    lease = dt.timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    return (
        Delivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_owner=owner, lease_until=now + lease, last_attempt_at=now)
        == 1
    )


def deliver(delivery_id: int) -> str:
    """Try one delivery now if it is due; returns its status afterwards ("" if not claimed)."""
    owner = _owner()
    if not claim(delivery_id, owner):
        return ""
    delivery = Delivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        return _finish(delivery, owner, Response(None, "", 0, "endpoint disabled"), give_up=True)
    body = body_of(delivery)
    timestamp = int(time.time())
    try:
        response = post(endpoint.url, body, headers_for(delivery, body, timestamp))
    except Refused as exc:
        response = Response(None, "", 0, f"refused: {exc.detail}"[:500])
    return _finish(delivery, owner, response, body=body)


def _finish(
    delivery: Delivery,
    owner: str,
    response: Response,
    *,
    body: bytes = b"",
    give_up: bool = False,
) -> str:
    """Record the attempt; schedule the retry, or give up and maybe disable the endpoint."""
    now = timezone.now()
    window = dt.timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    attempts = delivery.attempts + 1
    fields: dict[str, Any] = {
        "attempts": attempts,
        "response_code": response.status,
        "duration_ms": response.duration_ms,
        "error": response.error[:500],
        "response_body": response.body,
        "lease_owner": "",
        "lease_until": None,
    }
    if body and not delivery.request_body:
        fields["request_body"] = body.decode()
    if response.ok:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif give_up or now - delivery.created_at >= window:
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    else:
        fields.update(next_attempt_at=now + retry_delay(attempts))
    retry_at = fields.get("next_attempt_at") if fields.get("status") is None else None
    with transaction.atomic():
        # Only if still ours: a delivery whose lease expired meanwhile was handed on.
        Delivery.objects.filter(pk=delivery.pk, lease_owner=owner).update(**fields)
        if retry_at is not None:
            tasks.deliver_task.using(run_after=retry_at).enqueue(delivery.pk)
        if response.ok:
            Endpoint.objects.filter(pk=delivery.endpoint_id).update(failing_since=None)
        elif not give_up:
            _note_failure(delivery.endpoint_id, now, window)
    return str(fields.get("status", DeliveryStatus.PENDING))


def _note_failure(endpoint_id: int, now: dt.datetime, window: dt.timedelta) -> None:
    Endpoint.objects.filter(pk=endpoint_id, failing_since__isnull=True).update(failing_since=now)
    disabled = Endpoint.objects.filter(
        pk=endpoint_id, is_active=True, failing_since__lte=now - window
    ).update(
        is_active=False,
        disabled_at=now,
        disabled_reason=f"Every delivery failed for {settings.WEBHOOK_RETRY_HOURS} hours.",
    )
    if disabled:
        announce_disabled(Endpoint.objects.select_related("project__company").get(pk=endpoint_id))


# A due delivery normally has its own task queued (at creation, or with the retry); the
# pick-up only steps in after this grace, so a busy queue is not flooded with duplicates.
PICKUP_GRACE = dt.timedelta(seconds=30)


def due_ids(limit: int = 500) -> list[int]:
    """Deliveries whose worker died (lease expired) or whose task went missing.

    Each one picked is marked (no lease, due now) so the next pick-up leaves it alone for
    the grace period while the task enqueued for it waits its turn.
    """
    now = timezone.now()
    lost = Q(lease_until__lt=now) | Q(
        lease_until__isnull=True, next_attempt_at__lte=now - PICKUP_GRACE
    )
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(status=DeliveryStatus.PENDING)
            .filter(lost)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).filter(lost).update(
            lease_owner="", lease_until=None, next_attempt_at=now
        )
    return ids


def purge_bodies() -> int:
    """Forget request and response bodies older than WEBHOOK_BODY_DAYS (the log stays)."""
    cutoff = timezone.now() - dt.timedelta(days=settings.WEBHOOK_BODY_DAYS)
    return (
        Delivery.objects.filter(created_at__lt=cutoff)
        .exclude(request_body="", response_body="")
        .update(request_body="", response_body="")
    )
