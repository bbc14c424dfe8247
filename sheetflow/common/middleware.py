"""Turn service errors raised in page views into a clear page with the right status, and keep
the API's answers JSON even for addresses no route matches."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sheetflow.common.errors import NotFound, ServiceError


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
        if request.path.startswith("/api/"):
            return None  # the API renders its own error shape
        if isinstance(exc, NotFound):
            raise Http404(exc.detail)
        if isinstance(exc, ServiceError):
            return render(
                request, "error.html", {"detail": exc.detail, "code": exc.code}, status=exc.status
            )
        return None
