"""The API's shared pieces: authentication, the one error shape, bounded pagination."""

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
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth
from pydantic import Field

from sheetflow.accounts.models import TokenScope
from sheetflow.accounts.services import token_authenticate
from sheetflow.common.docs import VendoredSwagger
from sheetflow.common.errors import Forbidden, ServiceError, Throttled
from sheetflow.common.inputs import CheckedParser

logger = logging.getLogger(__name__)

MAX_LIMIT = 200
MAX_OFFSET = 10_000_000


class ErrorOut(Schema):
    detail: str
    code: str


def errors(*codes: int) -> dict[int, Any]:
    return {code: ErrorOut for code in codes}


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class BearerToken(HttpBearer):
    """`Authorization: Bearer sf_…` with a personal API token (read-only tokens only read)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_authenticate(secret=token)
        if found is None:
            return None
        if found.scope != TokenScope.FULL and request.method not in SAFE_METHODS:
            raise Forbidden("This token is read-only.", code="token_read_only")
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


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
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        _declare_framework_errors(schema)
        return schema


api = SheetflowApi(
    title="Sheetflow API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    docs=VendoredSwagger(),
    parser=CheckedParser(),
    auth=[BearerToken(), SessionAuth()],
    description=(
        "Share construction drawing sheets between projects. Authenticate with "
        "`Authorization: Bearer <token>` (create one at POST /api/v1/tokens) or, "
        "from the site's own pages, the session cookie with a CSRF token."
    ),
)


def _error(request: HttpRequest, status: int, detail: str, code: str) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": code}, status=status)


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    response = _error(request, exc.status, exc.detail, exc.code)
    if isinstance(exc, Throttled):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(OperationalError)
def _database_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    # Up to the request's deadlock retry (common.middleware), even with DEBUG on.
    raise exc


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or "Not found.", "not_found")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "Permission denied.", "permission_denied")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "Authentication required.", "not_authenticated")


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    parts = []
    for error in exc.errors[:5]:
        location = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "payload"))
        parts.append(f"{location}: {error.get('msg', 'invalid')}" if location else error["msg"])
    return _error(request, 422, "; ".join(parts) or "Invalid input.", "validation_error")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # The framework wraps whatever its body parsers raised; answer for the real cause.
    cause = exc.__cause__
    if isinstance(cause, ServiceError):
        return _service_error(request, cause)
    if isinstance(cause, RequestDataTooBig):
        return _too_large(request, cause)
    code = "bad_request" if exc.status_code == 400 else "error"
    return _error(request, exc.status_code, str(exc), code)


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "The request body is too large.", "too_large")


@api.exception_handler(MultiPartParserError)
def _broken_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return _error(request, 400, "The multipart body cannot be read.", "bad_request")


@api.exception_handler(BadRequest)
def _bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
    return _error(request, 400, str(exc) or "Bad request.", "bad_request")


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return _error(request, 400, "Bad request.", "bad_request")


@api.exception_handler(Exception)
def _crash(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The details go to the log (with the traceback), never to the client.
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return _error(request, 500, "Internal error; it has been logged.", "server_error")
