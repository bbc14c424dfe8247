"""The sweep's world and its routes: two connected sides, each with objects only it may see.

- Contractor side: `gc_project` (upstream of `sub_project`, and of Delta's `Delta Annex`),
  published sheets, an unpublished sheet `Q-777`, a pending upload, a set, a token and a
  notification of `gc_pm`.
- Subcontractor side: `sub_project` (downstream of `gc_project`; its company's `Brightline
  Warehouse` is downstream of Delta's `Delta Tower`), its own published sheet, an
  unpublished sheet `Q-888`, a pending upload, a set, a token and a notification of `sub_pm`.

Each side's scenario names the objects filling path parameters and three viewers: an outsider,
a read-only member, and a member of the other side of the connection. The connection in the
path is the side's company's connection with Delta, which the other side's viewer is no
party to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from sheetflow.accounts.models import User
from sheetflow.accounts.services import company_create, token_create
from sheetflow.api import api
from sheetflow.connections.services import connection_request
from sheetflow.drawings.models import Area
from sheetflow.drawings.services import set_create, upload_create
from sheetflow.notifications.services import notify
from sheetflow.projects.invitations import invitation_create
from sheetflow.projects.models import Level, Project, ProjectMember
from sheetflow.projects.services import member_add, project_create
from tests.cast import build_cast, person
from tests.drawings.factories import DATE, as_upload, publish_sheets, sheet_pdf, upload_sheets
from tests.security.world import drain

VIEWERS = ("outsider", "read_only", "other_side")


@dataclass
class Scenario:
    name: str
    ids: dict[str, Any]
    viewers: dict[str, User]
    markers: list[str]
    tokens: dict[int, str] = field(default_factory=dict)


def _side(project: Project, admin: User, numbers: list[str], secret: str) -> dict[str, Any]:
    revisions = publish_sheets(project, admin, len(numbers), numbers=numbers)
    upload_sheets(project, admin, [secret])
    area = Area.objects.filter(project=project).first()
    assert area is not None
    upload = upload_create(
        project=project,
        user=admin,
        files=[as_upload(sheet_pdf([secret + "-PENDING"]))],
        area=area,
        drawing_set=None,
        drawing_date=DATE,
        received_date=DATE,
        revision_number="0",
    )
    token, _ = token_create(user=admin, name="owner")
    (notification,) = notify(
        event="connection_requested",
        recipients=[admin],
        context={},
        link="/",
        project=project,
    )[:1]
    return {
        "project_id": project.pk,
        "company_id": project.company_id,
        "drawing_id": revisions[0].drawing_id,
        "revision_id": revisions[0].pk,
        "upload_uuid": str(upload.uuid),
        "area_id": area.pk,
        "set_id": set_create(project=project, name="Private Set", date=DATE).pk,
        "prefix": numbers[0].split("-")[0],
        "token_id": token.pk,
        "notification_id": notification.pk,
        "invitation_id": invitation_create(
            project=project, email=f"invitee-{project.pk}@elsewhere.test", invited_by=admin
        ).pk,
        "kind": "sheet",
        "index": 0,
    }


def _webhook(project: Project, admin: User) -> dict[str, Any]:
    from sheetflow.webhooks.models import Delivery, EventType
    from sheetflow.webhooks.services import endpoint_create, endpoint_send_test

    endpoint, _ = endpoint_create(
        user=admin, project=project, url="https://hooks.example.com/in", events=EventType.values
    )
    event = endpoint_send_test(user=admin, endpoint=endpoint)
    return {"endpoint_id": endpoint.pk, "delivery_id": Delivery.objects.get(event=event).pk}


def build_scenarios() -> dict[str, Scenario]:
    cast = build_cast()
    delta = company_create(name="Delta Mechanical")
    delta_admin = person(delta, "dora@delta.test", "Dora Diaz", admin=True)
    sub_reader = person(cast.sub, "sam@brightline.test", "Sam Reed")
    member_add(
        project=cast.sub_project,
        user=sub_reader,
        drawings=Level.READ_ONLY,
        connection_manager=Level.READ_ONLY,
    )
    tower = project_create(company=delta, name="Delta Tower", code="DT")
    annex = project_create(company=delta, name="Delta Annex", code="DA")
    member_add(project=cast.gc_project, user=delta_admin, drawings=Level.READ_ONLY)
    warehouse = project_create(company=cast.sub, name="Brightline Warehouse", code="BW")
    member_add(project=tower, user=cast.sub_admin, drawings=Level.READ_ONLY)
    connection_request(user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project)
    annex_link = connection_request(user=delta_admin, downstream=annex, upstream=cast.gc_project)
    tower_link = connection_request(user=cast.sub_admin, downstream=warehouse, upstream=tower)
    gc = _side(cast.gc_project, cast.gc_pm, ["A-101", "A-102"], "Q-777")
    sub = _side(cast.sub_project, cast.sub_pm, ["E-501"], "Q-888")
    drain()
    # After the drain: the test deliveries stay queued and are never sent anywhere.
    gc.update(_webhook(cast.gc_project, cast.gc_pm))
    sub.update(_webhook(cast.sub_project, cast.sub_pm))
    gc["connection_id"] = annex_link.pk
    sub["connection_id"] = tower_link.pk
    gc["member_id"] = ProjectMember.objects.get(project=cast.gc_project, user=cast.gc_reader).pk
    sub["member_id"] = ProjectMember.objects.get(project=cast.sub_project, user=sub_reader).pk
    scenarios = {
        "contractor": Scenario(
            "contractor",
            gc,
            {"outsider": cast.outsider, "read_only": cast.gc_reader, "other_side": cast.sub_admin},
            ["Q-777"],
        ),
        "subcontractor": Scenario(
            "subcontractor",
            sub,
            {"outsider": cast.outsider, "read_only": sub_reader, "other_side": cast.gc_pm},
            ["Q-888"],
        ),
    }
    for scenario in scenarios.values():
        for user in scenario.viewers.values():
            scenario.tokens[user.pk] = token_create(user=user, name="sweep")[1]
    return scenarios


# --- routes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    kind: str  # "page" or "api"
    method: str
    path: str  # a template: `{name}` for each path parameter

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    def url(self, ids: dict[str, Any]) -> str:
        return self.path.format(**{name: ids[name] for name in self.params})

    def __str__(self) -> str:
        return f"{self.kind} {self.method} {self.path}"


def _walk(patterns: list[Any], prefix: str = "") -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append(prefix + str(pattern.pattern))
    return found


def page_routes() -> list[Route]:
    """Every page of the site (the API and Django's admin are swept elsewhere)."""
    routes = []
    for raw in _walk(get_resolver().url_patterns):
        if raw.startswith(("api/", "admin/")):
            continue
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", raw)
        routes += [Route("page", "GET", path), Route("page", "POST", path)]
    return sorted(set(routes), key=str)


def api_routes() -> list[Route]:
    """Every operation of the OpenAPI document."""
    document = api.get_openapi_schema()
    return sorted(
        (
            Route("api", method.upper(), path)
            for path, operations in document["paths"].items()
            for method in operations
        ),
        key=str,
    )
