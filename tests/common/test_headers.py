"""Security headers on every response, templates the policy can live with, docs served by us."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.cast import Cast

TEMPLATES = Path(settings.BASE_DIR) / "sheetflow" / "templates"


def policy(response: Any) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in response["Content-Security-Policy"].split(";")]
    return {p[0]: p[1:] for p in parts if p}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/sign-in/", "/projects/", "/api/v1/me", "/nowhere/"])
def test_every_response_carries_a_strict_policy(cast: Cast, path: str) -> None:
    client = Client()
    client.force_login(cast.gc_pm)
    response = client.get(path)
    csp = policy(response)
    assert csp["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["worker-src"] == ["'self'", "blob:"]
    assert not {"'unsafe-inline'", "'unsafe-eval'"} & {v for vs in csp.values() for v in vs}
    assert "camera=()" in response["Permissions-Policy"]


def test_no_page_template_has_inline_script_handlers_or_style_attributes() -> None:
    offenders = []
    pattern = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)|\son[a-z]+=|\sstyle=")
    for template in TEMPLATES.rglob("*.html"):
        if "notifications/email" in str(template):
            continue  # emails are not pages: mail clients need inline styles
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{template.relative_to(TEMPLATES)}:{number}")
    assert offenders == []


@pytest.mark.django_db
def test_the_api_docs_load_swagger_ui_from_our_own_static_files(cast: Cast) -> None:
    html = Client().get("/api/v1/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in sources
    assert "/static/js/api-docs.js" in sources
    assert all(s.startswith("/static/") for s in sources), sources
    assert "cdn" not in html.lower()
    vendored = Path(settings.BASE_DIR) / "sheetflow" / "static" / "vendor" / "swagger-ui"
    assert (vendored / "LICENSE").exists() and "5.35.0" in (vendored / "VERSION.md").read_text()
