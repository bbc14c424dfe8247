"""The family of refusals (common.errors) as answers: once as a page, once as the API's JSON."""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sheetflow.common.errors import NOT_FOUND_DETAIL, Forbidden, NotFound, ServiceError, Throttled

# Codes for answers the framework (not our handlers) gives, by status.
FRAMEWORK_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    500: "server_error",
}

PAGE_TITLES = {
    403: "Not allowed",
    404: "Not found",
    429: "Too many attempts",
}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def from_django(exc: Http404 | PermissionDenied) -> ServiceError:
    """Django's own refusals as ours, so they are answered like every other."""
    if isinstance(exc, Http404):
        # Its message may be the resolver's internals: never shown.
        return NotFound(NOT_FOUND_DETAIL)
    return Forbidden(str(exc) or "Your permission level on this tool does not allow it.")


def with_retry_after(response: HttpResponse, exc: ServiceError) -> HttpResponse:
    if isinstance(exc, Throttled):
        response["Retry-After"] = str(exc.retry_after)
    return response


def error_json(exc: ServiceError, status: int | None = None) -> JsonResponse:
    """The API's one error shape (``status`` for answers outside the family: 401, 500)."""
    body = {"detail": exc.detail, "code": exc.code}
    response = JsonResponse(body, status=status or exc.status)
    with_retry_after(response, exc)
    return response


def framework_error_json(status: int) -> JsonResponse:
    """The API's shape for an answer the framework made with only a status."""
    known = status in HTTPStatus._value2member_map_
    phrase = HTTPStatus(status).phrase if known else "Error"
    code = FRAMEWORK_CODES.get(status, phrase.lower().replace(" ", "_"))
    return error_json(ServiceError(f"{phrase}.", code=code), status)


def error_page(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    """The error page: one template, the refusal's status, its message."""
    title = PAGE_TITLES.get(exc.status, "Not possible")
    context = {"detail": exc.detail, "code": exc.code, "title": title, "status": exc.status}
    response = render(request, "error.html", context, status=exc.status)
    return with_retry_after(response, exc)


def error_response(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    """A refusal in the API's error shape under /api/, else as the error page."""
    if is_api(request):
        return error_json(exc)
    return error_page(request, exc)


# Django's handlers (urls.py): what the resolver, the admin or a decorator refused.


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, NotFound(NOT_FOUND_DETAIL))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, PermissionDenied):
        return error_response(request, from_django(exception))
    return error_response(request, Forbidden("You do not have permission to do that."))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, ServiceError("Bad request.", code="bad_request"))
