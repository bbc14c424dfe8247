"""The one family of refusals: services, selectors and views raise these, and nothing else.

Each is answered in one place: as the error page (``common.error_responses.error_page``) or in
the API's JSON shape (``error_json``). Django's own ``Http404`` and ``PermissionDenied`` (the URL
resolver, the admin) are turned into ``NotFound``/``Forbidden`` there, so they look the same.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A refused request: ``code`` is machine-readable, the message is for people."""

    status = 400
    code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "permission_denied"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


class Invalid(ServiceError):
    """Input that parses but does not validate (the API's 422)."""

    status = 422
    code = "validation_error"


class Throttled(ServiceError):
    """Too many attempts: answered with a ``Retry-After`` of ``retry_after`` seconds."""

    status = 429
    code = "throttled"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = retry_after


# What a visitor sees for a missing page, whoever noticed it was missing.
NOT_FOUND_DETAIL = "There is nothing here, or you do not have access to it."
