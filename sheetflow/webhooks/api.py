"""API: a project's webhook endpoints, their secrets, test events and delivery logs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from sheetflow.accounts.authed import request_user
from sheetflow.common.api import Pagination, errors
from sheetflow.webhooks import selectors, services
from sheetflow.webhooks.models import EventType

router = Router(tags=["webhooks"])

EventName = Literal[tuple(EventType.values)]  # type: ignore[valid-type]


class EventTypeOut(Schema):
    type: str
    label: str


class EndpointOut(Schema):
    id: int
    project_id: int
    url: str
    description: str
    events: list[str]
    is_active: bool
    disabled_at: datetime | None
    disabled_reason: str
    failing_since: datetime | None
    created_at: datetime
    secret_rotated_at: datetime


class EndpointCreatedOut(EndpointOut):
    secret: str = Field(description="Signs every delivery; shown only now (rotate to replace).")


class SecretOut(Schema):
    secret: str = Field(description="The new secret, shown only now.")


class EndpointIn(Schema):
    url: str = Field(max_length=500, description="https:// address that receives POSTs")
    events: list[EventName] = Field(min_length=1, max_length=20)  # type: ignore[valid-type]
    description: str = Field("", max_length=200)


class EndpointPatch(Schema):
    url: str | None = Field(None, max_length=500)
    events: list[EventName] | None = Field(None, min_length=1, max_length=20)  # type: ignore[valid-type]
    description: str | None = Field(None, max_length=200)
    is_active: bool | None = Field(None, description="Turn a disabled endpoint back on")


class DeliveryOut(Schema):
    id: int
    event_id: Annotated[str, Field(description="The event's id, as sent (for de-duplication)")]
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    created_at: datetime
    attempts: int
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    response_code: int | None
    duration_ms: int | None
    error: str
    delivered_at: datetime | None

    @staticmethod
    def resolve_event_id(obj: object) -> str:
        return str(obj.event.uuid)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_event_type(obj: object) -> str:
        return obj.event.type  # type: ignore[attr-defined, no-any-return]


class DeliveryDetailOut(DeliveryOut):
    request_body: str = Field(description="As sent (kept for a few days, then emptied)")
    response_body: str = Field(description="The start of the answer (kept as long)")


ERRORS = errors(401, 403, 404, 422)


@router.get("/webhook-event-types", response={200: list[EventTypeOut], **errors(401)})
def event_types(request: HttpRequest) -> object:
    """The events an endpoint can subscribe to."""
    return [{"type": value, "label": label} for value, label in EventType.choices]


@router.get("/projects/{project_id}/webhooks", response={200: list[EndpointOut], **ERRORS})
@paginate(Pagination)
def endpoint_list(request: HttpRequest, project_id: int) -> object:
    """The project's webhook endpoints (Connection Manager admins)."""
    project = selectors.managed_project(user=request_user(request), project_id=project_id)
    return selectors.endpoints_of(project=project)


@router.post(
    "/projects/{project_id}/webhooks",
    response={201: EndpointCreatedOut, **errors(400, 401, 403, 404, 422)},
)
def endpoint_create(request: HttpRequest, project_id: int, payload: EndpointIn) -> object:
    """Add an endpoint; the answer carries its signing secret, shown this once."""
    user = request_user(request)
    project = selectors.managed_project(user=user, project_id=project_id)
    endpoint, secret = services.endpoint_create(
        user=user,
        project=project,
        url=payload.url,
        events=payload.events,
        description=payload.description,
    )
    out = EndpointOut.from_orm(endpoint).model_dump()
    return Status(201, {**out, "secret": secret})


@router.get("/projects/{project_id}/webhooks/{endpoint_id}", response={200: EndpointOut, **ERRORS})
def endpoint_detail(request: HttpRequest, project_id: int, endpoint_id: int) -> object:
    """One endpoint (never its secret)."""
    return selectors.endpoint_get(
        user=request_user(request), project_id=project_id, endpoint_id=endpoint_id
    )


@router.patch(
    "/projects/{project_id}/webhooks/{endpoint_id}",
    response={200: EndpointOut, **errors(400, 401, 403, 404, 422)},
)
def endpoint_update(
    request: HttpRequest, project_id: int, endpoint_id: int, payload: EndpointPatch
) -> object:
    """Change the URL, events or description, or turn the endpoint on or off."""
    endpoint = selectors.endpoint_get(
        user=request_user(request), project_id=project_id, endpoint_id=endpoint_id
    )
    return services.endpoint_update(
        endpoint=endpoint,
        url=payload.url,
        events=payload.events,
        description=payload.description,
        is_active=payload.is_active,
    )


@router.delete("/projects/{project_id}/webhooks/{endpoint_id}", response={204: None, **ERRORS})
def endpoint_delete(request: HttpRequest, project_id: int, endpoint_id: int) -> object:
    """Remove the endpoint and its delivery log."""
    endpoint = selectors.endpoint_get(
        user=request_user(request), project_id=project_id, endpoint_id=endpoint_id
    )
    services.endpoint_delete(endpoint=endpoint)
    return Status(204, None)


@router.post(
    "/projects/{project_id}/webhooks/{endpoint_id}/rotate-secret",
    response={200: SecretOut, **ERRORS},
)
def endpoint_rotate_secret(request: HttpRequest, project_id: int, endpoint_id: int) -> object:
    """Replace the signing secret; deliveries from now on are signed with the new one."""
    endpoint = selectors.endpoint_get(
        user=request_user(request), project_id=project_id, endpoint_id=endpoint_id
    )
    return {"secret": services.endpoint_rotate_secret(endpoint=endpoint)}


@router.post(
    "/projects/{project_id}/webhooks/{endpoint_id}/test",
    response={202: DeliveryOut, **errors(400, 401, 403, 404, 422)},
)
def endpoint_send_test(request: HttpRequest, project_id: int, endpoint_id: int) -> object:
    """Queue a `ping` event to this endpoint; the worker sends it like any other."""
    endpoint = selectors.endpoint_get(
        user=request_user(request), project_id=project_id, endpoint_id=endpoint_id
    )
    event = services.endpoint_send_test(user=request_user(request), endpoint=endpoint)
    return Status(202, selectors.deliveries_of(endpoint=endpoint).get(event=event))


@router.get(
    "/projects/{project_id}/webhooks/{endpoint_id}/deliveries",
    response={200: list[DeliveryOut], **ERRORS},
)
@paginate(Pagination)
def delivery_list(request: HttpRequest, project_id: int, endpoint_id: int) -> object:
    """The endpoint's delivery log, newest first."""
    endpoint = selectors.endpoint_get(
        user=request_user(request), project_id=project_id, endpoint_id=endpoint_id
    )
    return selectors.deliveries_of(endpoint=endpoint)


@router.get(
    "/projects/{project_id}/webhooks/{endpoint_id}/deliveries/{delivery_id}",
    response={200: DeliveryDetailOut, **ERRORS},
)
def delivery_detail(
    request: HttpRequest, project_id: int, endpoint_id: int, delivery_id: int
) -> object:
    """One delivery with the body sent and the start of the answer."""
    endpoint = selectors.endpoint_get(
        user=request_user(request), project_id=project_id, endpoint_id=endpoint_id
    )
    return selectors.delivery_get(endpoint=endpoint, delivery_id=delivery_id)
