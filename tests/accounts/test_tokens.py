"""Personal API tokens: created with a password, shown once, stored hashed, revocable."""

from __future__ import annotations

import pytest
from django.test import Client

from sheetflow.accounts.models import ApiToken
from sheetflow.accounts.services import token_create, token_revoke
from tests.cast import PASSWORD, Cast


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.django_db
def test_a_token_is_created_with_email_and_password_and_works(cast: Cast) -> None:
    response = Client().post(
        "/api/v1/tokens",
        {"email": cast.gc_pm.email, "password": PASSWORD, "name": "laptop"},
        content_type="application/json",
    )
    assert response.status_code == 201
    secret = response.json()["token"]
    me = Client().get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.json()["email"] == cast.gc_pm.email
    assert me.json()["company"]["name"] == "Apex Builders"


@pytest.mark.django_db
def test_the_secret_is_not_stored_in_clear(cast: Cast) -> None:
    token, secret = token_create(user=cast.gc_pm, name="ci")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in {stored.digest, stored.prefix, stored.name}
    assert len(stored.digest) == 64 and stored.digest != secret
    assert secret.startswith(stored.prefix)


@pytest.mark.django_db
def test_a_wrong_token_gets_401_in_the_error_shape(cast: Cast) -> None:
    for header in ("Bearer sf_nope", "Bearer ", "Token abc", "Bearer " + "x" * 5000):
        response = Client().get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json() == {
            "detail": "Authentication required.",
            "code": "not_authenticated",
        }


@pytest.mark.django_db
def test_a_revoked_token_gets_401(cast: Cast) -> None:
    token, secret = token_create(user=cast.gc_pm, name="old")
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 200
    token_revoke(user=cast.gc_pm, token_id=token.pk)
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


@pytest.mark.django_db
def test_a_deactivated_users_token_gets_401(cast: Cast) -> None:
    _, secret = token_create(user=cast.gc_pm, name="x")
    cast.gc_pm.is_active = False
    cast.gc_pm.save()
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


@pytest.mark.django_db
def test_tokens_are_revoked_through_the_api_only_by_their_owner(cast: Cast, api_as) -> None:
    token, secret = token_create(user=cast.gc_pm, name="mine")
    assert api_as(cast.sub_pm).delete(f"/me/tokens/{token.pk}").status_code == 404
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert api_as(cast.gc_pm).delete(f"/me/tokens/{token.pk}").status_code == 204
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 401
    listed = api_as(cast.gc_pm).get("/me/tokens").json()
    assert {t["name"] for t in listed["items"]} >= {"mine"}
    assert all("token" not in t and "digest" not in t for t in listed["items"])


@pytest.mark.django_db
def test_the_tokens_page_shows_a_new_secret_once(cast: Cast, page_as) -> None:
    client = page_as(cast.gc_pm)
    created = client.post("/accounts/tokens/", {"name": "script"})
    secret = ApiToken.objects.get(user=cast.gc_pm, name="script")
    assert secret.prefix in created.content.decode()
    assert "copy it now" in created.content.decode()
    again = client.get("/accounts/tokens/").content.decode()
    assert "copy it now" not in again
