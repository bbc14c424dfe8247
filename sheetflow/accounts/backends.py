"""The authentication backend: Django's, behind the sign-in throttle."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from sheetflow.accounts import throttle
from sheetflow.accounts.models import User
from sheetflow.common.errors import Throttled
from sheetflow.common.request import client_ip


class ThrottledModelBackend(ModelBackend):
    """Every password check made for a request (pages, API, admin) goes through the throttle.

    A throttled attempt raises PermissionDenied (Django's way for a backend to stop
    `authenticate()`, which then returns None, so the admin's sign-in stays a plain refusal);
    the seconds to wait are left on the request as ``sign_in_retry_after``.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None or password is None:
            return None
        username = username.strip().lower()
        if request is None:
            # Only code in this process calls without a request (tests, shell): no client.
            return super().authenticate(request, username=username, password=password, **kwargs)
        client = client_ip(request)
        wait = throttle.attempt_begin(email=username, client=client)
        if wait:
            request.sign_in_retry_after = wait  # type: ignore[attr-defined]
            raise PermissionDenied("Too many failed sign-ins.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            throttle.attempt_succeeded(email=username, client=client)
        return user


def retry_after(request: HttpRequest) -> int:
    """Seconds the last refused sign-in of this request must wait (0 if it was not throttled)."""
    return int(getattr(request, "sign_in_retry_after", 0))


def sign_in(request: HttpRequest, *, email: str, password: str) -> User | None:
    """The user these credentials name, or None; raises Throttled while sign-ins are refused.

    The one sign-in check of the site's page and the API's token exchange.
    """
    user = authenticate(request, username=email, password=password)
    wait = retry_after(request)
    if wait:
        raise Throttled(f"Too many failed attempts. Try again in {wait} seconds.", retry_after=wait)
    return user if isinstance(user, User) else None
