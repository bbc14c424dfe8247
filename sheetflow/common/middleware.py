"""Turn service errors raised in page views into a clear page with the right status, and keep
the API's answers JSON even for addresses no route matches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import OperationalError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sheetflow.common.errors import NotFound, ServiceError
from sheetflow.common.retry import ATTEMPTS, is_deadlock


class ServiceErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            # No route matched (e.g. `/revisions/abc` where an integer id is expected): answer
            # in the API's error shape, not with the HTML page.
            return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        return _service_error_page(request, exc)


def _service_error_page(request: HttpRequest, exc: Exception) -> HttpResponse | None:
    if request.path.startswith("/api/"):
        return None  # the API renders its own error shape
    if isinstance(exc, NotFound):
        raise Http404(exc.detail)
    if isinstance(exc, ServiceError):
        return render(
            request, "error.html", {"detail": exc.detail, "code": exc.code}, status=exc.status
        )
    return None


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
        called = getattr(request, "_sheetflow_view", None)
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
