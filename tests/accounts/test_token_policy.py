"""Token policy: expiry (90 days by default), read-only scope, only sessions make tokens,
deactivation revokes, last use shown."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from sheetflow.accounts.models import ApiToken, TokenScope
from sheetflow.accounts.services import token_create, user_deactivate
from sheetflow.projects.models import Project
from tests.cast import PASSWORD, Cast


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.django_db
def test_a_new_token_expires_after_90_days_by_default_and_then_stops_working(cast: Cast) -> None:
    created = (
        Client()
        .post(
            "/api/v1/tokens",
            {"email": cast.gc_pm.email, "password": PASSWORD},
            content_type="application/json",
        )
        .json()
    )
    expires = ApiToken.objects.get(pk=created["id"]).expires_at
    assert expires is not None
    assert timedelta(days=89, hours=23) < expires - timezone.now() <= timedelta(days=90)
    assert created["expires_at"] is not None and created["scope"] == "full"
    with time_machine.travel(expires + timedelta(seconds=1)):
        assert Client().get("/api/v1/me", headers=bearer(created["token"])).status_code == 401
    never = (
        Client()
        .post(
            "/api/v1/tokens",
            {"email": cast.gc_pm.email, "password": PASSWORD, "expires_in_days": None},
            content_type="application/json",
        )
        .json()
    )
    assert never["expires_at"] is None


@pytest.mark.django_db
def test_a_read_only_token_reads_but_every_write_is_refused(cast: Cast) -> None:
    _, secret = token_create(user=cast.gc_admin, name="ci", scope=TokenScope.READ)
    client = Client(headers=bearer(secret))
    assert client.get(f"/api/v1/projects/{cast.gc_project.pk}").status_code == 200
    refused = client.patch(
        f"/api/v1/projects/{cast.gc_project.pk}", {"name": "Renamed"}, "application/json"
    )
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This token is read-only.", "code": "token_read_only"}
    assert Project.objects.get(pk=cast.gc_project.pk).name == "Riverside Medical Center"
    assert client.delete(f"/api/v1/me/tokens/{ApiToken.objects.first().pk}").status_code == 403  # type: ignore[union-attr]


@pytest.mark.django_db
def test_a_token_cannot_create_tokens_but_a_signed_in_session_can(cast: Cast) -> None:
    _, secret = token_create(user=cast.gc_pm, name="full")
    by_token = Client().post(
        "/api/v1/me/tokens", {"name": "child"}, "application/json", headers=bearer(secret)
    )
    assert by_token.status_code == 401
    assert by_token.json()["code"] == "not_authenticated"
    assert not ApiToken.objects.filter(name="child").exists()
    session = Client()
    session.force_login(cast.gc_pm)
    made = session.post("/api/v1/me/tokens", {"name": "child", "scope": "read"}, "application/json")
    assert made.status_code == 201, made.content
    assert made.json()["scope"] == "read"


@pytest.mark.django_db
def test_deactivating_a_user_revokes_their_tokens_for_good(cast: Cast) -> None:
    _, first = token_create(user=cast.gc_pm, name="one")
    _, second = token_create(user=cast.gc_reader, name="two")
    user_deactivate(user=cast.gc_pm)
    # The admin's user form saves the flag directly; the tokens die all the same.
    cast.gc_reader.is_active = False
    cast.gc_reader.save()
    for user, secret in ((cast.gc_pm, first), (cast.gc_reader, second)):
        assert ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() == 0
        user.is_active = True
        user.save()
        assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


@pytest.mark.django_db
def test_the_tokens_page_shows_access_expiry_and_last_use(cast: Cast, page_as: Any) -> None:
    client = page_as(cast.gc_pm)
    client.post("/accounts/tokens/", {"name": "reporting", "scope": "read", "expires": "30"})
    token = ApiToken.objects.get(name="reporting")
    assert token.scope == TokenScope.READ and token.expires_at is not None
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    html = client.get("/accounts/tokens/").content.decode()
    assert "Read only" in html
    assert token.expires_at.strftime("%Y-%m-%d") in html
    assert timezone.now().strftime("%Y-%m-%d %H:") in html
