"""Passwords: Django's validators on every way in; the CLI never prompts without a terminal."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from sheetflow.accounts.models import User
from sheetflow.accounts.services import user_create
from sheetflow.common.errors import ServiceError
from tests.cast import Cast


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["", "short", "password123", "12345678901"])
def test_weak_or_empty_passwords_are_refused_by_the_service(cast: Cast, password: str) -> None:
    with pytest.raises(ServiceError) as refused:
        user_create(email="weak@apex.test", full_name="W", company=cast.gc, password=password)
    assert refused.value.code == "weak_password"
    assert not User.objects.filter(email="weak@apex.test").exists()


@pytest.mark.django_db
def test_createsuperuser_without_a_terminal_validates_too(monkeypatch: Any) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "1234")
    with pytest.raises(CommandError, match="too short"):
        call_command("createsuperuser", "--noinput", "--email", "op@ops.test", "--full_name", "Op")
    assert not User.objects.filter(email="op@ops.test").exists()


@pytest.mark.django_db
def test_the_token_endpoint_refuses_an_empty_password(cast: Cast) -> None:
    response = Client().post(
        "/api/v1/tokens",
        {"email": cast.gc_pm.email, "password": ""},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def _createuser(*extra: str, stdin: str = "") -> str:
    out = io.StringIO()
    args = ["--email", "new@apex.test", "--name", "Nora New", "--company", "Apex Builders"]
    call_command("createuser", *args, *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_createuser_without_a_terminal_says_how_to_pass_the_password(
    cast: Cast, monkeypatch: Any
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="--password or --password-file"):
        _createuser()
    assert not User.objects.filter(email="new@apex.test").exists()


@pytest.mark.django_db
def test_createuser_refuses_a_weak_password_and_takes_a_password_file(
    cast: Cast, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="too short"):
        _createuser("--password", "abc")
    secret = tmp_path / "password"
    secret.write_text("a long enough passphrase\n")
    assert "Created" in _createuser("--password-file", str(secret))
    user = User.objects.get(email="new@apex.test")
    assert user.check_password("a long enough passphrase")
    assert user.company == cast.gc
