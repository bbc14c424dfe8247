"""Fuzzing the whole API from its OpenAPI document: no 5xx, every response as documented.

Schemathesis generates requests for every operation of /api/v1/openapi.json and sends them
in-process to the WSGI app, authenticated as the contractor's project admin, over the shared
cast plus a connection, published sheets and a pending upload. Half the examples aim at real
objects (path parameters replaced by ids of the project under test), half at whatever the
generator picked (missing and out-of-range ids). Derandomized and bounded, so CI is repeatable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sheetflow.accounts.services import token_create
from sheetflow.connections.services import connection_request
from sheetflow.drawings.models import Area
from sheetflow.drawings.services import set_create, upload_create
from sheetflow.notifications.models import Notification
from sheetflow.projects.models import ProjectMember
from sheetflow.webhooks.models import Delivery
from sheetflow.webhooks.services import endpoint_create, endpoint_send_test
from tests.cast import build_cast
from tests.drawings.factories import DATE, as_upload, publish_sheets, sheet_pdf
from tests.security.world import drain, module_world

EXAMPLES = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Iterator[None]:
    """Requests go through the real WSGI handler, whose end-of-request hook would close the
    test's database connection (Django's test client unhooks it the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@dataclass
class World:
    headers: dict[str, str]
    ids: dict[str, Any]


def _build_world() -> World:
    """The contractor's admin, a connected subcontractor, published sheets, a pending upload."""
    cast = build_cast()
    connection = connection_request(
        user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project
    )
    revisions = publish_sheets(cast.gc_project, cast.gc_pm, 3)
    drain()
    area = Area.objects.filter(project=cast.gc_project).first()
    assert area is not None
    drawing_set = set_create(project=cast.gc_project, name="Bid Set", date=DATE)
    upload = upload_create(
        project=cast.gc_project,
        user=cast.gc_pm,
        files=[as_upload(sheet_pdf(["E-101"]))],
        area=area,
        drawing_set=None,
        drawing_date=DATE,
        received_date=DATE,
        revision_number="0",
    )
    endpoint, _ = endpoint_create(
        user=cast.gc_pm,
        project=cast.gc_project,
        url="https://hooks.example.com/in",
        events=["connection.disconnected"],
    )
    test_event = endpoint_send_test(user=cast.gc_pm, endpoint=endpoint)
    token, secret = token_create(user=cast.gc_pm, name="fuzz")
    notification = Notification.objects.filter(user=cast.gc_pm).first()
    ids = {
        "project_id": cast.gc_project.pk,
        "company_id": cast.gc.pk,
        "drawing_id": revisions[0].drawing_id,
        "revision_id": revisions[1].pk,
        "upload_uuid": str(upload.uuid),
        "area_id": area.pk,
        "set_id": drawing_set.pk,
        "prefix": "A",
        "connection_id": connection.pk,
        "member_id": ProjectMember.objects.get(project=cast.gc_project, user=cast.gc_reader).pk,
        "token_id": token.pk,
        "notification_id": notification.pk if notification else 1,
        "endpoint_id": endpoint.pk,
        "delivery_id": Delivery.objects.get(event=test_event).pk,
    }
    return World(headers={"Authorization": f"Bearer {secret}"}, ids=ids)


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """Built once for the module inside a transaction rolled back at its end; every test
    runs in its own savepoint on top of it, so one operation's writes never reach another."""
    with module_world(_build_world, django_db_blocker, tmp_path_factory.mktemp("media")) as w:
        yield w


@pytest.fixture
def _isolated_media() -> None:
    """The module's world keeps its files in one media folder (see ``world``)."""


@schema.parametrize()
@schema.given(real_ids=st.booleans())
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(
    case: Any, real_ids: bool, world: World, db: None
) -> None:
    if real_ids and case.path_parameters:
        for name in case.path_parameters:
            if name in world.ids:
                case.path_parameters[name] = world.ids[name]
    case.call_and_validate(headers=world.headers, checks=CHECKS)


def _with_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value + "\x00"
    if isinstance(value, dict):
        return {k: _with_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_nul(v) for v in value]
    return value


@schema.parametrize()
@settings(
    max_examples=2,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_a_nul_byte_in_any_string_is_refused_as_documented(
    case: Any, world: World, db: None
) -> None:
    for name in case.path_parameters or {}:
        if name in world.ids:
            case.path_parameters[name] = world.ids[name]
    touched = False
    if isinstance(case.query, dict) and any(isinstance(v, str) for v in case.query.values()):
        case.query = _with_nul(case.query)
        touched = True
    if case.media_type == "application/json" and isinstance(case.body, dict | list):
        nulled = _with_nul(case.body)
        touched = touched or nulled != case.body
        case.body = nulled
    response = case.call_and_validate(headers=world.headers, checks=CHECKS)
    # (Some generated cases use a method the operation does not have: those answer 405.)
    if touched and case.method.upper() == case.operation.method.upper():
        # Refused: by the sign-in or permission checks that come first, or for the NUL byte.
        assert response.status_code in (400, 401, 403, 404), (case.method, case.body)
        if response.status_code == 400:
            assert response.json()["code"] == "invalid_characters"


UPLOAD = "/api/v1/projects/{project_id}/uploads"


def _upload(world: World, **fields: Any) -> Any:
    operation = schema[UPLOAD]["POST"]
    case = operation.Case(
        path_parameters={"project_id": world.ids["project_id"]},
        body={"files": [sheet_pdf(["M-201", "M-202"])], **fields},
        media_type="multipart/form-data",
    )
    return case.call_and_validate(headers=world.headers, checks=CHECKS)


def test_a_real_pdf_upload_is_answered_as_documented(world: World, db: None) -> None:
    response = _upload(world)
    assert response.status_code == 201
    assert [s["number"] for s in response.json()["sheets"]] == ["M-201", "M-202"]


def test_an_upload_confirmed_at_once_is_answered_as_documented(world: World, db: None) -> None:
    response = _upload(world, confirm="true", revision_number="1", drawing_date="2026-02-01")
    assert response.status_code == 200
    assert [r["revision_number"] for r in response.json()] == ["1", "1"]


@pytest.mark.parametrize(
    "fields",
    [
        {"area_id": str(2**63)},
        {"set_id": str(2**70)},
        {"area_id": "-1"},
        {"drawing_date": "2026-13-45"},
        {"sheets": "not json"},
        {"sheets": '[{"index": 99999999999999999999, "number": "X"}]'},
        {"revision_number": "x" * 500},
    ],
)
def test_a_real_pdf_with_bad_fields_is_refused_as_documented(
    world: World, db: None, fields: dict[str, str]
) -> None:
    response = _upload(world, confirm="true", **fields)
    assert 400 <= response.status_code < 500
