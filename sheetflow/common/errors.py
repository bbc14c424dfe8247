"""Domain errors raised by services; pages and the API turn them into messages and 4xx."""

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


class Throttled(ServiceError):
    status = 429
    code = "throttled"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
