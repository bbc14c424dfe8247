"""Writes: endpoints (create, edit, rotate the secret, delete), test events, disabling."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sheetflow.accounts.models import User
from sheetflow.common.errors import ServiceError
from sheetflow.notifications.selectors import connection_list
from sheetflow.notifications.services import notify
from sheetflow.projects.models import Project
from sheetflow.webhooks.events import record
from sheetflow.webhooks.models import PING, Endpoint, Event, EventType
from sheetflow.webhooks.transport import check_url

MAX_ENDPOINTS = 20
URL_MAX = 500


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def _clean(url: str, events: Iterable[str], description: str) -> tuple[str, list[str], str]:
    url = (url or "").strip()
    if not url or len(url) > URL_MAX:
        raise ServiceError(f"Give the endpoint's URL (at most {URL_MAX} characters).", code="url")
    check_url(url)
    chosen = sorted(set(events))
    unknown = [e for e in chosen if e not in EventType.values]
    if unknown:
        raise ServiceError(f"Unknown event type: {', '.join(unknown)}.", code="unknown_event")
    if not chosen:
        raise ServiceError("Choose at least one event.", code="no_events")
    return url, chosen, (description or "").strip()[:200]


def endpoint_create(
    *, user: User, project: Project, url: str, events: Iterable[str], description: str = ""
) -> tuple[Endpoint, str]:
    """Add an endpoint; returns it and its secret (shown this once).

    Needs ``webhooks.manage`` on the project, checked by the caller.
    """
    url, chosen, description = _clean(url, events, description)
    with transaction.atomic():
        if Endpoint.objects.filter(project=project).count() >= MAX_ENDPOINTS:
            raise ServiceError(
                f"A project has at most {MAX_ENDPOINTS} webhook endpoints.", code="too_many"
            )
        secret = new_secret()
        endpoint = Endpoint.objects.create(
            project=project,
            url=url,
            events=chosen,
            description=description,
            secret=secret,
            created_by=user,
        )
    return endpoint, secret


def endpoint_update(
    *,
    endpoint: Endpoint,
    url: str | None = None,
    events: Iterable[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> Endpoint:
    """Edit an endpoint; turning a disabled one back on clears its failure record.

    Needs ``webhooks.manage`` on the project, checked by the caller.
    """
    new_url, chosen, text = _clean(
        endpoint.url if url is None else url,
        endpoint.events if events is None else events,
        endpoint.description if description is None else description,
    )
    endpoint.url, endpoint.events, endpoint.description = new_url, chosen, text
    if is_active is not None and is_active != endpoint.is_active:
        endpoint.is_active = is_active
        endpoint.failing_since = None
        endpoint.disabled_at = None if is_active else timezone.now()
        endpoint.disabled_reason = "" if is_active else "Turned off by an admin."
    endpoint.save()
    return endpoint


def endpoint_rotate_secret(*, endpoint: Endpoint) -> str:
    """A new secret, effective for every delivery sent from now on; returned this once.

    Needs ``webhooks.manage`` on the project, checked by the caller.
    """
    secret = new_secret()
    Endpoint.objects.filter(pk=endpoint.pk).update(secret=secret, secret_rotated_at=timezone.now())
    endpoint.secret = secret
    return secret


def endpoint_delete(*, endpoint: Endpoint) -> None:
    """Remove the endpoint and its delivery log.

    Needs ``webhooks.manage`` on the project, checked by the caller.
    """
    endpoint.delete()


def endpoint_send_test(*, user: User, endpoint: Endpoint) -> Event:
    """Queue a `ping` event to this endpoint alone (sent by the worker, like any other).

    Needs ``webhooks.manage`` on the project, checked by the caller.
    """
    if not endpoint.is_active:
        raise ServiceError("Turn the endpoint on before sending a test event.", code="disabled")
    data = {
        "endpoint_id": endpoint.pk,
        "message": "A test event from Sheetflow.",
        "sent_by": user.full_name,
    }
    return record(PING, [endpoint], endpoint.project_id, data)


def announce_disabled(endpoint: Endpoint) -> None:
    """Tell the project's connection manager list that an endpoint was turned off."""
    link = reverse(
        "webhooks:detail", kwargs={"project_id": endpoint.project_id, "endpoint_id": endpoint.pk}
    )
    notify(
        event="webhook_disabled",
        recipients=connection_list(endpoint.project),
        context={"endpoint": endpoint, "project": endpoint.project},
        link=link,
        project=endpoint.project,
    )
