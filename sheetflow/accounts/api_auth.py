"""How the API knows who is calling: a personal token, or the site's session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from sheetflow.accounts.models import TokenScope
from sheetflow.accounts.services import token_authenticate
from sheetflow.common.api import SAFE_METHODS
from sheetflow.common.errors import Forbidden


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
