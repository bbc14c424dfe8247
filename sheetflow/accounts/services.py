"""Writes for companies, users and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sheetflow.accounts.models import ApiToken, Company, TokenScope, User
from sheetflow.common.errors import Conflict, NotFound, ServiceError

TOKEN_PREFIX = "sf_"
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650


def company_create(*, name: str) -> Company:
    """Create a company."""
    name = name.strip()
    if not name:
        raise ServiceError("A company needs a name.", code="invalid_name")
    if Company.objects.filter(name__iexact=name).exists():
        raise Conflict(f"A company named {name!r} already exists.", code="company_exists")
    return Company.objects.create(name=name)


def user_create(
    *,
    email: str,
    full_name: str,
    company: Company,
    password: str | None = None,
    is_company_admin: bool = False,
) -> User:
    """Create a user of a company."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(f"A user with email {email} already exists.", code="user_exists")
    try:
        return User.objects.create_user(
            email=email,
            password=password,
            full_name=full_name.strip(),
            company=company,
            is_company_admin=is_company_admin,
        )
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), code="weak_password") from exc


def _digest(secret: str) -> str:
    # Tokens are 256-bit random secrets, so a fast hash is as strong as a slow one here.
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(
    *,
    user: User,
    name: str,
    scope: TokenScope | str = TokenScope.FULL,
    expires_in_days: int | None = DEFAULT_TOKEN_DAYS,
) -> tuple[ApiToken, str]:
    """Create a personal API token; returns it with its secret, which is never stored.

    ``expires_in_days`` None makes a token that never expires.
    """
    name = name.strip()
    if not name:
        raise ServiceError("A token needs a name.", code="invalid_name")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise ServiceError(
            f"A token lasts from 1 to {MAX_TOKEN_DAYS} days (or never expires).",
            code="invalid_expiry",
        )
    now = timezone.now()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:10],
        digest=_digest(secret),
        scope=TokenScope(scope),
        created_at=now,
        expires_at=None if expires_in_days is None else now + timedelta(days=expires_in_days),
    )
    return token, secret


def token_authenticate(*, secret: str) -> ApiToken | None:
    """The unrevoked, unexpired token of an active user with this secret, recording its use."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__company")
        .filter(digest=_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None:
        return None
    # Write the last-used time at most once a minute, not on every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens."""
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound("Token not found.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def tokens_revoke_all(*, user: User) -> int:
    """Revoke every live token of a user; returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """End a user's company membership: they can no longer sign in, and their tokens die."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    tokens_revoke_all(user=user)
    return user
