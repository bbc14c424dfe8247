"""Read-only means read-only: connected sets and areas cannot be edited downstream while the
connection lasts; a connection is 404 to anyone without Connection Manager access."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sheetflow.connections.models import Connection, State
from sheetflow.connections.services import connection_disconnect
from sheetflow.drawings.models import Area, DrawingSet
from sheetflow.drawings.services import set_create
from sheetflow.projects.models import Level, ProjectMember
from tests.cast import Cast
from tests.connections.sync_helpers import connect, sync
from tests.drawings.factories import publish_sheets


@pytest.fixture
def linked(cast: Cast) -> Connection:
    ifc = set_create(project=cast.gc_project, name="IFC", date=dt.date(2026, 1, 10))
    publish_sheets(cast.gc_project, cast.gc_pm, 2, drawing_set=ifc)
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    assert connection.state == State.CONNECTED
    sync(connection)
    return connection


def copies(cast: Cast) -> tuple[Area, DrawingSet]:
    area = Area.objects.get(project=cast.sub_project, upstream_uuid__isnull=False)
    drawing_set = DrawingSet.objects.get(project=cast.sub_project, upstream_uuid__isnull=False)
    return area, drawing_set


@pytest.mark.django_db
def test_connected_sets_and_areas_are_read_only_downstream_while_connected(
    cast: Cast, linked: Connection, api_as: Any
) -> None:
    area, drawing_set = copies(cast)
    api = api_as(cast.sub_pm)
    base = f"/projects/{cast.sub_project.pk}"
    for path, body in (
        (f"{base}/areas/{area.pk}", {"name": "Mine"}),
        (f"{base}/sets/{drawing_set.pk}", {"name": "Mine"}),
        (f"{base}/sets/{drawing_set.pk}", {"date": "2030-01-01"}),
    ):
        refused = api.patch(path, body)
        assert refused.status_code == 400, (path, refused.content)
        assert refused.json()["code"] == "synced_read_only"
    assert api.delete(f"{base}/sets/{drawing_set.pk}").json()["code"] == "synced_read_only"
    area.refresh_from_db()
    drawing_set.refresh_from_db()
    assert (area.name, drawing_set.name, drawing_set.date) != ("Mine", "Mine", None)
    assert drawing_set.name == "IFC" and drawing_set.date == dt.date(2026, 1, 10)


@pytest.mark.django_db
def test_after_disconnect_connected_sets_and_areas_become_editable(
    cast: Cast, linked: Connection, api_as: Any
) -> None:
    connection_disconnect(
        user=cast.sub_pm,
        side="downstream",
        connection=linked,
        reason="Contract ended",
        acknowledged=True,
    )
    area, drawing_set = copies(cast)
    api = api_as(cast.sub_pm)
    base = f"/projects/{cast.sub_project.pk}"
    assert api.patch(f"{base}/areas/{area.pk}", {"name": "Ours"}).status_code == 200
    assert api.patch(f"{base}/sets/{drawing_set.pk}", {"name": "Ours"}).status_code == 200


@pytest.mark.django_db
def test_a_connection_is_404_to_members_without_connection_manager_access(
    cast: Cast, linked: Connection, api_as: Any, page_as: Any
) -> None:
    # gc_reader is in the upstream directory with no Connection Manager access.
    member = ProjectMember.objects.get(project=cast.gc_project, user=cast.gc_reader)
    assert member.connection_manager == Level.NONE
    response = api_as(cast.gc_reader).get(f"/connections/{linked.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Connection not found.", "code": "not_found"}
    assert api_as(cast.gc_reader).get("/connections/999999").json() == response.json()
    assert api_as(cast.gc_pm).get(f"/connections/{linked.pk}").status_code == 200
