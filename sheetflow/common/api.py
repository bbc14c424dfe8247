"""The API's shared pieces: the API class answering in the one error shape, bounded pagination.

The instance, with its authentication and routers, is the project's (``sheetflow.api``).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination
from pydantic import Field

from sheetflow.common.error_responses import error_json, from_django
from sheetflow.common.errors import Invalid, ServiceError, TooLarge

logger = logging.getLogger(__name__)

MAX_LIMIT = 200
MAX_OFFSET = 10_000_000


class ErrorOut(Schema):
    detail: str
    code: str


def errors(*codes: int) -> dict[int, Any]:
    return {code: ErrorOut for code in codes}


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class Pagination(LimitOffsetPagination):
    """limit/offset pagination whose bounds are part of the schema (no unbounded pages)."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)


UNSAFE_METHODS = {"post", "put", "patch", "delete"}


def _declare_framework_errors(schema: dict[str, Any]) -> None:
    """Declare the errors the framework itself gives, on every operation they can reach.

    Whatever an endpoint declares, the API also answers 422 for parameters or a body that do
    not validate, 400 for a body it cannot parse or text with NUL bytes or broken UTF-8 (in
    the address too), 413 for a body over the size limit, 404 for an address whose path
    parameters match no route, and 403 to a cookie-authenticated write without a CSRF token.
    """
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            params = operation.get("parameters", [])
            codes = [400]
            if params or "requestBody" in operation:
                codes.append(422)
            if "requestBody" in operation:
                codes.append(413)
            if any(p.get("in") == "path" for p in params):
                codes.append(404)
            if method in UNSAFE_METHODS and operation.get("security"):
                codes.append(403)
            for code in codes:
                responses.setdefault(
                    code, {"description": HTTPStatus(code).phrase, "content": content}
                )
            operation["responses"] = dict(sorted(responses.items(), key=lambda kv: str(kv[0])))


class SheetflowApi(NinjaAPI):
    """The API: every refusal answered in the one error shape, declared in the schema."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for exc_class, handler in HANDLERS.items():
            self.add_exception_handler(exc_class, handler)

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        _declare_framework_errors(schema)
        return schema


def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return error_json(exc)


def _database_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    # Up to the request's deadlock retry (common.middleware), even with DEBUG on.
    raise exc


def _django_refusal(request: HttpRequest, exc: Http404 | PermissionDenied) -> HttpResponse:
    return error_json(from_django(exc))


def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_json(ServiceError("Authentication required.", code="not_authenticated"), 401)


def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    parts = []
    for error in exc.errors[:5]:
        location = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "payload"))
        parts.append(f"{location}: {error.get('msg', 'invalid')}" if location else error["msg"])
    return error_json(Invalid("; ".join(parts) or "Invalid input."))


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # The framework wraps whatever its body parsers raised; answer for the real cause.
    cause = exc.__cause__
    if isinstance(cause, ServiceError):
        return error_json(cause)
    if isinstance(cause, RequestDataTooBig):
        return _too_large(request, cause)
    code = "bad_request" if exc.status_code == 400 else "error"
    return error_json(ServiceError(str(exc), code=code), exc.status_code)


def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_json(TooLarge("The request body is too large."))


def _broken_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return error_json(ServiceError("The multipart body cannot be read.", code="bad_request"))


def _bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
    return error_json(ServiceError(str(exc) or "Bad request.", code="bad_request"))


def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return error_json(ServiceError("Bad request.", code="bad_request"))


def _crash(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The details go to the log (with the traceback), never to the client.
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return error_json(ServiceError("Internal error; it has been logged.", code="server_error"), 500)


HANDLERS: dict[type[Exception], Any] = {
    ServiceError: _service_error,
    OperationalError: _database_error,
    Http404: _django_refusal,
    PermissionDenied: _django_refusal,
    AuthenticationError: _unauthenticated,
    ValidationError: _invalid,
    HttpError: _http_error,
    RequestDataTooBig: _too_large,
    MultiPartParserError: _broken_multipart,
    BadRequest: _bad_request,
    SuspiciousOperation: _suspicious,
    Exception: _crash,
}
