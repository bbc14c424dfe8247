"""Turn service errors raised in page views into a clear page with the right status."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from sheetflow.common.errors import NotFound, ServiceError


class ServiceErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None  # the API renders its own error shape
        if isinstance(exc, NotFound):
            raise Http404(exc.detail)
        if isinstance(exc, ServiceError):
            return render(
                request, "error.html", {"detail": exc.detail, "code": exc.code}, status=exc.status
            )
        return None
