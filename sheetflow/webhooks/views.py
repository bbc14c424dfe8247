"""Pages: a project's webhook endpoints, the secret shown once, test sends, delivery logs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sheetflow.accounts.authed import request_user
from sheetflow.common.errors import ServiceError
from sheetflow.webhooks import selectors, services
from sheetflow.webhooks.models import Endpoint, EventType

PAGE_SIZE = 50


def _form(request: HttpRequest, endpoint: Endpoint | None = None) -> dict[str, Any]:
    """What the endpoint form shows: posted values first, else the endpoint's own."""
    if request.method == "POST":
        return {
            "url": request.POST.get("url", ""),
            "description": request.POST.get("description", ""),
            "events": request.POST.getlist("events"),
        }
    if endpoint is not None:
        return {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events}
    return {"url": "", "description": "", "events": list(EventType.values)}


def _base(project: Any) -> dict[str, Any]:
    return {"project": project, "tab": "connections", "event_types": EventType.choices}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def index(request: HttpRequest, project_id: int) -> HttpResponse:
    user = request_user(request)
    project = selectors.managed_project(user=user, project_id=project_id)
    error = ""
    if request.method == "POST":
        try:
            endpoint, secret = services.endpoint_create(
                user=user,
                project=project,
                url=request.POST.get("url", ""),
                events=request.POST.getlist("events"),
                description=request.POST.get("description", ""),
            )
        except ServiceError as exc:
            error = exc.detail
        else:
            # The secret is shown on this answer only; it is never shown again.
            return render(
                request,
                "webhooks/secret.html",
                {**_base(project), "endpoint": endpoint, "secret": secret, "created": True},
            )
    return render(
        request,
        "webhooks/index.html",
        {
            **_base(project),
            "endpoints": selectors.endpoints_of(project=project)[:100],
            "form": _form(request),
            "error": error,
        },
        status=422 if error else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def detail(request: HttpRequest, project_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get(
        user=request_user(request), project_id=project_id, endpoint_id=endpoint_id
    )
    error = ""
    if request.method == "POST":
        active = request.POST.get("is_active")
        try:
            if active is not None:
                services.endpoint_update(endpoint=endpoint, is_active=active == "1")
            else:
                services.endpoint_update(
                    endpoint=endpoint,
                    url=request.POST.get("url", ""),
                    events=request.POST.getlist("events"),
                    description=request.POST.get("description", ""),
                )
        except ServiceError as exc:
            error = exc.detail
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhooks:detail", project_id=project_id, endpoint_id=endpoint.pk)
    log = Paginator(selectors.deliveries_of(endpoint=endpoint), PAGE_SIZE)
    return render(
        request,
        "webhooks/detail.html",
        {
            **_base(endpoint.project),
            "endpoint": endpoint,
            "form": _form(request, endpoint),
            "error": error,
            "page": log.get_page(request.GET.get("page")),
        },
        status=422 if error else 200,
    )


@login_required
@require_POST
def rotate(request: HttpRequest, project_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get(
        user=request_user(request), project_id=project_id, endpoint_id=endpoint_id
    )
    secret = services.endpoint_rotate_secret(endpoint=endpoint)
    return render(
        request,
        "webhooks/secret.html",
        {**_base(endpoint.project), "endpoint": endpoint, "secret": secret, "created": False},
    )


@login_required
@require_POST
def send_test(request: HttpRequest, project_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get(
        user=request_user(request), project_id=project_id, endpoint_id=endpoint_id
    )
    try:
        services.endpoint_send_test(user=request_user(request), endpoint=endpoint)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Test event queued; it shows in the log below once sent.")
    return redirect("webhooks:detail", project_id=project_id, endpoint_id=endpoint.pk)


@login_required
@require_POST
def delete(request: HttpRequest, project_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get(
        user=request_user(request), project_id=project_id, endpoint_id=endpoint_id
    )
    services.endpoint_delete(endpoint=endpoint)
    messages.success(request, "Endpoint deleted.")
    return redirect("webhooks:index", project_id=project_id)


@login_required
@require_safe
def delivery(
    request: HttpRequest, project_id: int, endpoint_id: int, delivery_id: int
) -> HttpResponse:
    endpoint = selectors.endpoint_get(
        user=request_user(request), project_id=project_id, endpoint_id=endpoint_id
    )
    item = selectors.delivery_get(endpoint=endpoint, delivery_id=delivery_id)
    return render(
        request,
        "webhooks/delivery.html",
        {**_base(endpoint.project), "endpoint": endpoint, "delivery": item},
    )
