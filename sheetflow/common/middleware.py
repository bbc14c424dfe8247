"""Middleware: refuse unstorable input at the door, answer refusals raised in views (the error
page, or the API's JSON shape), and keep every answer under /api/ in that shape."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError, transaction
from django.http import HttpRequest, HttpResponse

from sheetflow.common.error_responses import error_response, framework_error_json, is_api
from sheetflow.common.errors import ServiceError, TooLarge
from sheetflow.common.inputs import (
    InvalidCharacters,
    check_json,
    check_multipart,
    check_urlencoded,
    guard_multipart,
)
from sheetflow.common.retry import ATTEMPTS, is_deadlock

logger = logging.getLogger(__name__)


class InputMiddleware:
    """Refuse NUL bytes and broken UTF-8 in query strings, form fields and JSON bodies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_urlencoded(request.META.get("QUERY_STRING", ""), "address")
            content_type = request.content_type or ""
            if content_type == "application/x-www-form-urlencoded":
                check_urlencoded(request.body, "form")
            elif content_type == "multipart/form-data":
                guard_multipart(request)
            elif request.method in {"POST", "PUT", "PATCH", "DELETE"}:
                # The API's parser reads JSON whatever the declared type: check any JSON body.
                is_json = content_type == "application/json" or content_type.endswith("+json")
                check_json(request.body, declared=is_json)
        except InvalidCharacters as exc:
            return error_response(request, exc)
        except RequestDataTooBig:
            return error_response(request, TooLarge("The request body is too large."))
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        # Views the CSRF check covers have their body parsed by it anyway: check it here, where
        # a refusal is still a clean answer. Exempt views (the API, streaming uploads) parse
        # it themselves, and the guard raises there.
        if request.content_type == "multipart/form-data" and not getattr(
            view, "csrf_exempt", False
        ):
            try:
                check_multipart(request)
            except InvalidCharacters as exc:
                return error_response(request, exc)
        return None


class ServiceErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            is_api(request)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            # An answer the framework made (no route matched, a CSRF failure, a body too large
            # or broken for Django's parsers, a crash): keep the API's error shape.
            return framework_error_json(response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        return _service_error_page(request, exc)


def _service_error_page(request: HttpRequest, exc: Exception) -> HttpResponse | None:
    if isinstance(exc, ServiceError):
        return error_response(request, exc)
    return None  # Django's own refusals reach its handlers (urls.py), which answer alike


class DeadlockRetryMiddleware:
    """A request whose transaction the database chose as a deadlock victim runs again.

    The victim's transaction was rolled back whole and views re-read their rows, so running
    the view again is safe; after a bounded number of attempts the error stands. Listed last,
    so its ``process_exception`` is the first to see a view's error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        request._sheetflow_view = (view, args, kwargs)  # type: ignore[attr-defined]

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        called: tuple[Callable[..., HttpResponse], Any, Any] | None = getattr(
            request, "_sheetflow_view", None
        )
        if called is None or transaction.get_connection().in_atomic_block:
            return None
        view, args, kwargs = called
        attempt = 1
        while is_deadlock(exc) and attempt < ATTEMPTS:
            attempt += 1
            if hasattr(request, "_files"):
                for _name, files in request.FILES.lists():
                    for upload in files:
                        upload.seek(0)
            try:
                return view(request, *args, **kwargs)
            except OperationalError as again:
                exc = again
            except Exception as other:
                # The retry failed for another reason: answer it as a first failure would be.
                response = _service_error_page(request, other)
                if response is None:
                    raise
                return response
        return None


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (see settings)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csp = "; ".join(
            f"{name} {' '.join(values)}"
            for name, values in settings.CONTENT_SECURITY_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
