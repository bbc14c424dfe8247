"""The signed-in user of a request, typed: for pages behind ``login_required`` and the API."""

from __future__ import annotations

from django.http import HttpRequest

from sheetflow.accounts.models import User
from sheetflow.common.errors import Forbidden


def request_user(request: HttpRequest) -> User:
    """The request's user; only called where sign-in (page or API) was already required."""
    user = request.user
    if not isinstance(user, User):
        # Unreachable behind login_required or the API's authentication: refuse, never guess.
        raise Forbidden("Sign in first.", code="not_authenticated")
    return user
