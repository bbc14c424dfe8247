"""Production settings, CSRF on every form and session-authenticated API write, argon2, and
files served with the right type and disposition from paths no user chose.

(Sign-in throttling and hashed tokens are covered in tests/accounts/test_tokens.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher
from django.test import Client, override_settings

from sheetflow.accounts.services import user_create
from tests.cast import PASSWORD
from tests.security.sweep_data import Scenario, api_routes, build_scenarios, page_routes
from tests.security.world import module_world

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3v!p9-production-like-secret-key-of-sufficient-length-and-variety-7Qz",
    "ALLOWED_HOSTS": "sheetflow.example.com",
    "SITE_URL": "https://sheetflow.example.com",
}
PRODUCTION_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in [
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT",
    "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS", "PASSWORD_HASHERS",
]}))
"""


def _run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run Python in a fresh process whose settings come only from these variables."""
    # Test-only switches stay out of the production process (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which the deploy check rightly refuses).
    test_only = {"SHEETFLOW_TESTING", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in test_only}
    base.update(DJANGO_SETTINGS_MODULE="sheetflow.settings", DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_under_production_settings(tmp_path: Path) -> None:
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_production_is_misconfigured(tmp_path: Path) -> None:
    """The check above can fail: cookies sent over plain HTTP are reported."""
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION, "SECURE_COOKIES": "0"},
        tmp_path,
    )
    assert result.returncode != 0
    assert "security.W012" in result.stderr + result.stdout


def test_production_has_secure_cookies_hsts_and_argon2(tmp_path: Path) -> None:
    result = _run(["-c", PRODUCTION_SETTINGS], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    prod = json.loads(result.stdout.strip().splitlines()[-1])
    assert prod["DEBUG"] is False
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"]
    assert prod["SESSION_COOKIE_HTTPONLY"]
    assert prod["SECURE_HSTS_SECONDS"] >= 31_536_000 and prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert prod["SECURE_SSL_REDIRECT"] and prod["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert prod["X_FRAME_OPTIONS"] == "DENY"
    assert prod["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _run(["-c", PRODUCTION_SETTINGS], {**PRODUCTION, "SECRET_KEY": ""}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_passwords_are_hashed_with_argon2_under_the_production_hashers(db: None) -> None:
    production = [h for h in settings.PASSWORD_HASHERS if "MD5" not in h]
    assert production[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert Argon2PasswordHasher().encode(PASSWORD, "saltsaltsalt").startswith("argon2$argon2id$")
    with override_settings(PASSWORD_HASHERS=production):
        from sheetflow.accounts.services import company_create

        user = user_create(
            email="hash@apex.test",
            full_name="Hash Check",
            company=company_create(name="Hash Co"),
            password=PASSWORD,
        )
        assert user.password.startswith("argon2$")
        assert identify_hasher(user.password).algorithm == "argon2"
        assert user.check_password(PASSWORD)
        assert PASSWORD not in user.password


# --- CSRF ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scenario]:
    with module_world(build_scenarios, django_db_blocker, tmp_path_factory.mktemp("media")) as s:
        yield s["contractor"]


@pytest.fixture
def _isolated_media() -> None:
    """The module's world keeps its files in its own media folder (see ``module_world``)."""


def _admin_session(world: Scenario) -> Client:
    from sheetflow.accounts.models import User

    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(email="alice@apex.test"))  # the contractor's admin
    return client


PAGE_POSTS = [r for r in page_routes() if r.method == "POST"]
# Public and token-authenticated: exchanging a password for a token sets no cookie.
API_WRITES = [r for r in api_routes() if r.method != "GET" and r.path != "/api/v1/tokens"]


@pytest.mark.parametrize("route", PAGE_POSTS, ids=str)
def test_every_page_form_refuses_a_post_without_the_csrf_token(
    route: Any, world: Scenario, db: None
) -> None:
    response = _admin_session(world).post(route.url(world.ids), {"name": "x"})
    assert response.status_code == 403
    assert b"CSRF" in response.content


def test_the_sign_in_form_refuses_a_post_without_the_csrf_token(db: None) -> None:
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/sign-in/", {"email": "alice@apex.test", "password": PASSWORD}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("route", API_WRITES, ids=str)
def test_every_session_authenticated_api_write_needs_the_csrf_token(
    route: Any, world: Scenario, db: None
) -> None:
    client = _admin_session(world)
    url = route.url(world.ids)
    response = getattr(client, route.method.lower())(url, {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] in {"error", "permission_denied"}
    assert "CSRF" in response.json()["detail"]


def test_a_session_authenticated_api_write_with_the_csrf_token_goes_through(
    world: Scenario, db: None
) -> None:
    client = _admin_session(world)
    client.get("/projects/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/me/tokens",
        {"name": "cli"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201


# --- files ---------------------------------------------------------------------------------


def _file_urls(world: Scenario, kind: str) -> list[str]:
    p, r = world.ids["project_id"], world.ids["revision_id"]
    return [
        f"/projects/{p}/drawings/revisions/{r}/{kind}/",
        f"/api/v1/projects/{p}/revisions/{r}/{kind}",
    ]


def test_the_sheet_pdf_is_an_attachment_named_after_its_number(world: Scenario, db: None) -> None:
    for url in _file_urls(world, "sheet"):
        response = _admin_session(world).get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            "attachment; filename=\"A-101 rev 0.pdf\"; filename*=UTF-8''A-101%20rev%200.pdf"
        )
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_thumbnails_are_png_images_shown_inline(world: Scenario, db: None) -> None:
    for url in _file_urls(world, "thumbnail"):
        response = _admin_session(world).get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("inline;")
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "kind",
    [
        "..",
        "..%2F..%2F..%2Fsettings.py",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "..%5C..%5Cmanage.py",
        "sheet%00.pdf",
        "blobs",
        "/etc/passwd",
        "sheet/../../../manage.py",
    ],
)
def test_a_path_chosen_by_the_user_never_reaches_the_file_store(
    kind: str, world: Scenario, db: None
) -> None:
    page, endpoint = _file_urls(world, kind)
    client = _admin_session(world)
    assert client.get(page).status_code == 404
    # The API's `kind` is an enum of its schema: an unknown one is refused by validation
    # (422) or matches no route at all (404), before any file is looked up.
    response = client.get(endpoint)
    assert response.status_code in {404, 422}
    assert response["Content-Type"].startswith("application/json")
