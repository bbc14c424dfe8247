"""Under the strict Content-Security-Policy, every main page runs without a single violation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from sheetflow.accounts.models import User
from sheetflow.connections.services import connection_request
from sheetflow.projects.invitations import invitation_create
from tests.cast import Cast
from tests.drawings.factories import publish_sheets, upload_sheets

# Collected in the page itself: every violation the browser reports, with what it blocked.
COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} ` +
                    `at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def test_no_main_page_breaks_the_content_security_policy(
    page: Page,
    cast: Cast,
    site_url: str,
    sign_in: Callable[[Page, User], None],
    shot: Callable[[Page, str], Path],
    drain_tasks: Any,
) -> None:
    [revision] = publish_sheets(cast.gc_project, cast.gc_pm, 1)
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-900"])
    connection = connection_request(
        user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project
    )
    invitation_create(project=cast.sub_project, email=cast.gc_pm.email, invited_by=cast.sub_admin)
    drain_tasks()
    console: list[str] = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(COLLECT)
    gc = f"{site_url}/projects/{cast.gc_project.pk}"
    pages = [
        f"{site_url}/projects/",
        f"{gc}/",
        f"{gc}/directory/",
        f"{gc}/drawings/",
        f"{gc}/drawings/{revision.drawing_id}/",
        f"{gc}/drawings/revisions/{revision.pk}/",
        f"{gc}/drawings/upload/",
        f"{gc}/drawings/manage/",
        f"{gc}/connections/",
        f"{gc}/connections/{connection.pk}/",
        f"{gc}/connections/settings/",
        f"{site_url}/company/settings/",
        f"{site_url}/notifications/",
        f"{site_url}/accounts/tokens/",
        f"{site_url}/projects/invitations/",
        f"{site_url}/api/v1/docs",
    ]
    page.goto(f"{site_url}/accounts/sign-in/")
    assert page.evaluate("window.__csp") == []
    sign_in(page, cast.gc_pm)
    found: dict[str, list[str]] = {}
    for url in pages:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        if url.endswith("/docs"):
            expect(page.locator(".swagger-ui .info")).to_be_visible()
            shot(page, "api-docs")
        violations = page.evaluate("window.__csp")
        if violations:
            found[url] = violations
    assert found == {}
    assert console == []
