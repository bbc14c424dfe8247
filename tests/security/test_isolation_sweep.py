"""Every page and API route, on each side of a connection, as an outsider, a read-only member
and a member of the other side: nothing leaks (404 for what they cannot see), refused writes
are 403/404, and nothing is written (every row of the main tables compared before and after).

Routes come from Django's URL resolver (pages) and the OpenAPI document (API); path parameters
are filled with real ids of the side under test. Routes that are public, or that act only on
the viewer's own rows, are listed explicitly below with what is checked instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.drawings.factories import sheet_pdf
from tests.security.sweep_data import (
    VIEWERS,
    Route,
    Scenario,
    api_routes,
    build_scenarios,
    page_routes,
)
from tests.security.world import changed_tables, module_world, snapshot

# Deliberately public: signing in and out, creating a token with a password, the API's docs.
PUBLIC = {
    "page GET /",
    "page POST /",
    "page GET /accounts/sign-in/",
    "page POST /accounts/sign-in/",
    "page GET /accounts/sign-out/",
    "page POST /accounts/sign-out/",
    "api POST /api/v1/tokens",
}
# The viewer's own things (no object of anyone else in the address): they may succeed, may
# only touch these tables, and must not show the other side's private sheets.
OWN = {
    "page GET /projects/": (),
    "page GET /projects/invitations/": (),
    "page POST /projects/invitations/": (),
    "api GET /api/v1/me/invitations": (),
    "page POST /projects/": ("projects.Project", "projects.ProjectMember"),
    "page GET /notifications/": (),
    "page POST /notifications/": (),
    "page GET /notifications/read-all/": (),
    "page POST /notifications/read-all/": ("notifications.Notification",),
    "page GET /accounts/tokens/": (),
    "page POST /accounts/tokens/": ("accounts.ApiToken",),
    "page GET /company/settings/": (),
    "page POST /company/settings/": ("connections.CompanyConnectionSetting",),
    "api GET /api/v1/me": (),
    "api GET /api/v1/me/tokens": (),
    "api POST /api/v1/me/tokens": ("accounts.ApiToken",),
    "api GET /api/v1/companies": (),
    "api GET /api/v1/projects": (),
    "api POST /api/v1/projects": ("projects.Project", "projects.ProjectMember"),
    "api GET /api/v1/notifications": (),
    "api GET /api/v1/notifications/unread-count": (),
    "api GET /api/v1/webhook-event-types": (),
    "api POST /api/v1/notifications/read-all": ("notifications.Notification",),
}
# Companies are a directory every signed-in user may read (to pick whom to connect to).
DIRECTORY = {"api GET /api/v1/companies/{company_id}"}

# Valid query strings for reads that need them, for the same reason.
QUERIES: dict[str, Any] = {
    "GET /api/v1/projects/{project_id}/comparisons": {"a": "{revision_id}", "b": "{revision_id}"},
    "GET /api/v1/projects/{project_id}/comparisons/images/{kind}": {
        "a": "{revision_id}",
        "b": "{revision_id}",
    },
}

# Valid bodies, so a refusal is the permission check's and not the validator's.
BODIES: dict[str, Any] = {
    "PATCH /api/v1/projects/{project_id}": {"name": "Taken over"},
    "POST /api/v1/projects/{project_id}/members": {"email": "olga@outsider.test"},
    "PATCH /api/v1/projects/{project_id}/members/{member_id}": {"drawings": "admin"},
    "PATCH /api/v1/projects/{project_id}/drawings/{drawing_id}": {"title": "Taken over"},
    "PATCH /api/v1/projects/{project_id}/revisions/{revision_id}": {"revision_status": "X"},
    "POST /api/v1/projects/{project_id}/revisions/publish": {"revision_ids": ["{revision_id}"]},
    "POST /api/v1/projects/{project_id}/revisions/unpublish": {"revision_ids": ["{revision_id}"]},
    "POST /api/v1/projects/{project_id}/drawings/publish": {"drawing_ids": ["{drawing_id}"]},
    "POST /api/v1/projects/{project_id}/drawings/unpublish": {"drawing_ids": ["{drawing_id}"]},
    "POST /api/v1/projects/{project_id}/uploads/{upload_uuid}/confirm": {"sheets": []},
    "POST /api/v1/projects/{project_id}/areas": {"name": "Taken over"},
    "PATCH /api/v1/projects/{project_id}/areas/{area_id}": {"name": "Taken over"},
    "POST /api/v1/projects/{project_id}/sets": {"name": "Taken over"},
    "PATCH /api/v1/projects/{project_id}/sets/{set_id}": {"name": "Taken over"},
    "PUT /api/v1/projects/{project_id}/disciplines/{prefix}": {"name": "Taken over"},
    "POST /api/v1/projects/{project_id}/connections": {"upstream_id": "{project_id}"},
    "POST /api/v1/connections/{connection_id}/reject": {"reason": "no"},
    "POST /api/v1/connections/{connection_id}/disconnect": {"reason": "no", "acknowledged": True},
    "PUT /api/v1/projects/{project_id}/distribution-lists": {},
    "PUT /api/v1/companies/{company_id}/connection-settings": {"approval_mode": "auto"},
    "POST /api/v1/projects/{project_id}/webhooks": {
        "url": "https://hooks.example.com/taken",
        "events": ["sync.failing"],
    },
    "PATCH /api/v1/projects/{project_id}/webhooks/{endpoint_id}": {"is_active": False},
}
# Read-only pages whose views answer any method like GET (they write nothing, which the sweep
# checks): a read-only member who POSTs to them sees the page.
READ_PAGES = {
    "/projects/{project_id}/",
    "/projects/{project_id}/drawings/",
    "/projects/{project_id}/connections/",
    "/projects/{project_id}/drawings/revisions/{revision_id}/{kind}/",
}
UPLOAD = "POST /api/v1/projects/{project_id}/uploads"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ROUTES = page_routes() + api_routes()


@pytest.fixture(scope="module")
def scenarios(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Scenario]]:
    with module_world(build_scenarios, django_db_blocker, tmp_path_factory.mktemp("media")) as s:
        yield s


@pytest.fixture
def _isolated_media() -> None:
    """The module's world keeps its files in its own media folder (see ``module_world``)."""


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _send(route: Route, scenario: Scenario, viewer: str) -> Any:
    user = scenario.viewers[viewer]
    url = route.url(scenario.ids)
    method = route.method.lower()
    if route.kind == "page":
        client = Client()
        client.force_login(user)
        return getattr(client, method)(url)
    client = Client(headers={"Authorization": f"Bearer {scenario.tokens[user.pk]}"})
    key = f"{route.method} {route.path}"
    if key == UPLOAD:
        return client.post(url, {"files": [_pdf()]})
    if route.method in UNSAFE:
        body = _fill(BODIES.get(key, {}), scenario.ids)
        return getattr(client, method)(url, body, content_type="application/json")
    return client.get(url, _fill(QUERIES.get(key, {}), scenario.ids))


def _pdf() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("set.pdf", sheet_pdf(["Z-900"]), "application/pdf")


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")


def _expected(route: Route, viewer: str) -> set[int]:
    # A page refusing the method (405) says nothing about the object: it answers before
    # looking anything up.
    refused = {403, 404, 405} if route.kind == "page" else {403, 404}
    if viewer == "read_only":
        # A member knows the project exists: reading may be allowed, writing is refused.
        if route.method not in UNSAFE or (route.kind == "page" and route.path in READ_PAGES):
            return refused | {200}
        return refused
    if route.method in UNSAFE:
        return refused
    return {404, 405} if route.kind == "page" else {404}


@pytest.mark.parametrize("route", ROUTES, ids=str)
@pytest.mark.parametrize("side", ["contractor", "subcontractor"])
def test_no_route_leaks_or_writes_for_outsiders_readers_and_the_other_side(
    route: Route, side: str, scenarios: dict[str, Scenario], db: None
) -> None:
    scenario = scenarios[side]
    name = str(route)
    problems = []
    for viewer in VIEWERS:
        before = snapshot()
        response = _send(route, scenario, viewer)
        after = snapshot()
        status = response.status_code
        changed = changed_tables(before, after)
        if status >= 500:
            problems.append(f"{viewer}: {status}")
        if name in PUBLIC or name in DIRECTORY:
            if changed and name not in PUBLIC:
                problems.append(f"{viewer}: wrote {changed}")
            continue
        if name in OWN:
            extra = [t for t in changed if t not in OWN[name]]
            if extra:
                problems.append(f"{viewer}: wrote {extra}")
        else:
            if status not in _expected(route, viewer):
                problems.append(f"{viewer}: {status} not in {sorted(_expected(route, viewer))}")
            if changed:
                problems.append(f"{viewer}: {status} but wrote {changed}")
        if viewer != "read_only":
            leaked = [m for m in scenario.markers if m in _body(response)]
            if leaked:
                problems.append(f"{viewer}: {status} shows {leaked}")
    assert not problems, f"{name} on the {side} side: " + "; ".join(problems)


def test_the_sweep_covers_every_page_and_api_operation() -> None:
    pages = {r.path for r in ROUTES if r.kind == "page"}
    operations = {(r.method, r.path) for r in ROUTES if r.kind == "api"}
    assert "/projects/{project_id}/drawings/revisions/{revision_id}/{kind}/" in pages
    assert ("POST", "/api/v1/projects/{project_id}/uploads") in operations
    assert len(operations) >= 60
    listed = PUBLIC | set(OWN) | DIRECTORY
    assert listed <= {str(r) for r in ROUTES}, listed - {str(r) for r in ROUTES}


def test_django_admin_turns_away_everyone_who_is_not_staff(
    scenarios: dict[str, Scenario], db: None
) -> None:
    for viewer in VIEWERS:
        client = Client()
        client.force_login(scenarios["contractor"].viewers[viewer])
        response = client.get("/admin/projects/project/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
