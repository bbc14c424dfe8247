"""Reads: a project's endpoints and their delivery logs, always behind the project check."""

from __future__ import annotations

from django.db.models import QuerySet

from sheetflow.accounts.models import User
from sheetflow.common.errors import NotFound
from sheetflow.projects.models import Project
from sheetflow.projects.permissions import Action, project_get
from sheetflow.webhooks.models import Delivery, Endpoint


def managed_project(*, user: User, project_id: int) -> Project:
    """The project, if the user manages its webhooks (404 outsiders, 403 other members)."""
    return project_get(user=user, project_id=project_id, action=Action.WEBHOOKS_MANAGE)


def endpoints_of(*, project: Project) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(project=project).order_by("created_at", "pk")


def endpoint_get(*, user: User, project_id: int, endpoint_id: int) -> Endpoint:
    project = managed_project(user=user, project_id=project_id)
    endpoint = Endpoint.objects.filter(pk=endpoint_id, project=project).first()
    if endpoint is None:
        raise NotFound("Webhook endpoint not found.")
    endpoint.project = project
    return endpoint


def deliveries_of(*, endpoint: Endpoint) -> QuerySet[Delivery]:
    """The endpoint's delivery log, newest first (the event comes along, no query per row)."""
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .order_by("-created_at", "-pk")
    )


def delivery_get(*, endpoint: Endpoint, delivery_id: int) -> Delivery:
    delivery = deliveries_of(endpoint=endpoint).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound("Delivery not found.")
    return delivery
