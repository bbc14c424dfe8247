"""API: tokens, the signed-in user, companies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import SessionAuth
from pydantic import Field

from sheetflow.accounts import selectors, services
from sheetflow.accounts.authed import request_user
from sheetflow.accounts.backends import sign_in
from sheetflow.accounts.models import ApiToken, Company, User
from sheetflow.accounts.services import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS
from sheetflow.common.api import ErrorOut, Pagination, errors

router = Router(tags=["accounts"])


class CompanyOut(Schema):
    id: int
    name: str


class UserOut(Schema):
    id: int
    email: str
    full_name: str
    company: CompanyOut
    is_company_admin: bool


ScopeName = Literal["read", "full"]
EXPIRY_DESCRIPTION = "Days until the token expires (default 90); null for a token that never does."


class NamedTokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    scope: ScopeName = Field("full", description="`read`: GET only; `full`: read and write")
    expires_in_days: int | None = Field(
        DEFAULT_TOKEN_DAYS, ge=1, le=MAX_TOKEN_DAYS, description=EXPIRY_DESCRIPTION
    )


class TokenIn(NamedTokenIn):
    email: str = Field(max_length=254)
    password: str = Field(min_length=1, max_length=200)
    name: str = Field("API token", min_length=1, max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: ScopeName
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret. Shown this once; store it now.")


def _token_out(token: ApiToken, secret: str) -> TokenCreatedOut:
    return TokenCreatedOut(
        id=token.pk,
        name=token.name,
        prefix=token.prefix,
        scope=token.scope,  # type: ignore[arg-type]
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        token=secret,
    )


@router.post("/tokens", auth=None, response={201: TokenCreatedOut, **errors(401, 422, 429)})
def token_create_with_password(request: HttpRequest, payload: TokenIn) -> Status[object]:
    """Exchange email and password for a new personal token."""
    user = sign_in(request, email=payload.email, password=payload.password)
    if user is None:
        return Status(401, ErrorOut(detail="Wrong email or password.", code="invalid_credentials"))
    token, secret = services.token_create(
        user=user,
        name=payload.name,
        scope=payload.scope,
        expires_in_days=payload.expires_in_days,
    )
    return Status(201, _token_out(token, secret))


@router.post(
    "/me/tokens", auth=SessionAuth(), response={201: TokenCreatedOut, **errors(401, 403, 422)}
)
def my_token_create(request: HttpRequest, payload: NamedTokenIn) -> Status[object]:
    """Create another personal token (signed-in session only: a token cannot make tokens)."""
    token, secret = services.token_create(
        user=request_user(request),
        name=payload.name,
        scope=payload.scope,
        expires_in_days=payload.expires_in_days,
    )
    return Status(201, _token_out(token, secret))


@router.get("/me/tokens", response={200: list[TokenOut], **errors(401)})
@paginate(Pagination)
def my_tokens(request: HttpRequest) -> object:
    """The signed-in user's tokens (never their secrets)."""
    return ApiToken.objects.filter(user=request.user.pk).order_by("-created_at", "-id")


@router.delete("/me/tokens/{token_id}", response={204: None, **errors(401, 404, 422)})
def my_token_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    """Revoke one of the signed-in user's tokens."""
    services.token_revoke(user=request_user(request), token_id=token_id)
    return Status(204, None)


@router.get("/me", response={200: UserOut, **errors(401)})
def me(request: HttpRequest) -> User:
    """The signed-in user."""
    return request_user(request)


@router.get("/companies", response={200: list[CompanyOut], **errors(401, 422)})
@paginate(Pagination)
def companies(request: HttpRequest) -> object:
    """Companies the user works with: their own and those owning projects they are in."""
    return selectors.companies_for(user=request_user(request))


@router.get("/companies/{company_id}", response={200: CompanyOut, **errors(401, 404, 422)})
def company(request: HttpRequest, company_id: int) -> Company:
    """One company the user works with."""
    return selectors.company_get(user=request_user(request), company_id=company_id)
