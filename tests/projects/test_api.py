"""Projects and directory through the API: what each person may see and change."""

from __future__ import annotations

import pytest

from sheetflow.projects.models import Level, Project, ProjectMember
from tests.cast import Cast


@pytest.mark.django_db
def test_the_project_list_shows_only_visible_projects_with_my_levels(cast: Cast, api_as) -> None:
    body = api_as(cast.sub_pm).get("/projects").json()
    assert body["count"] == 2
    by_code = {p["code"]: p for p in body["items"]}
    assert by_code["RMC"]["my_levels"] == {"drawings": "read_only", "connection_manager": "none"}
    assert by_code["BE-RMC"]["my_levels"] == {"drawings": "admin", "connection_manager": "admin"}
    assert api_as(cast.outsider).get("/projects").json() == {"items": [], "count": 0}


@pytest.mark.django_db
def test_a_company_admin_creates_and_deactivates_a_project(cast: Cast, api_as) -> None:
    api = api_as(cast.gc_admin)
    created = api.post("/projects", {"name": "Harbor View", "code": "HVO"})
    assert created.status_code == 201
    pid = created.json()["id"]
    assert api.patch(f"/projects/{pid}", {"is_active": False}).json()["is_active"] is False
    assert api.post("/projects", {"name": "Again", "code": "HVO"}).status_code == 409


@pytest.mark.django_db
def test_members_cannot_create_or_edit_projects(cast: Cast, api_as) -> None:
    assert api_as(cast.gc_pm).post("/projects", {"name": "X", "code": "X"}).status_code == 403
    response = api_as(cast.gc_pm).patch(f"/projects/{cast.gc_project.pk}", {"name": "Renamed"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Project.objects.get(pk=cast.gc_project.pk).name == "Riverside Medical Center"


@pytest.mark.django_db
def test_a_company_admin_manages_the_directory_with_people_of_any_company(
    cast: Cast, api_as
) -> None:
    api = api_as(cast.gc_admin)
    base = f"/projects/{cast.gc_project.pk}/members"
    invited = api.post(base, {"email": cast.sub_admin.email, "drawings": "read_only"})
    assert invited.status_code == 202, invited.content
    ben = api_as(cast.sub_admin)
    assert ben.post(f"/me/invitations/{invited.json()['id']}/accept").status_code == 200
    member_id = ProjectMember.objects.get(project=cast.gc_project, user=cast.sub_admin).pk
    added = api.get(base).json()["items"]
    assert {m["user"]["company"]["name"] for m in added} >= {"Brightline Electric"}
    changed = api.patch(f"{base}/{member_id}", {"connection_manager": "standard"})
    assert changed.json()["connection_manager"] == "standard"
    assert changed.json()["drawings"] == "read_only"
    assert api.post(base, {"email": cast.sub_admin.email}).status_code == 409
    assert api.delete(f"{base}/{member_id}").status_code == 204
    assert not ProjectMember.objects.filter(pk=member_id).exists()


@pytest.mark.django_db
def test_a_read_only_member_sees_the_directory_but_cannot_change_it(cast: Cast, api_as) -> None:
    api = api_as(cast.gc_reader)
    base = f"/projects/{cast.gc_project.pk}/members"
    assert api.get(base).json()["count"] == 3
    member = ProjectMember.objects.get(project=cast.gc_project, user=cast.gc_reader)
    assert api.post(base, {"email": cast.outsider.email}).status_code == 403
    assert api.patch(f"{base}/{member.pk}", {"drawings": "admin"}).status_code == 403
    assert api.delete(f"{base}/{member.pk}").status_code == 403
    member.refresh_from_db()
    assert member.drawings == Level.READ_ONLY
    assert ProjectMember.objects.filter(project=cast.gc_project).count() == 3


@pytest.mark.django_db
def test_a_member_of_another_project_cannot_reach_this_ones_members(cast: Cast, api_as) -> None:
    member = ProjectMember.objects.get(project=cast.sub_project, user=cast.sub_pm)
    # gc_admin manages gc_project, but sub_project's member ids must not be reachable from it.
    path = f"/projects/{cast.gc_project.pk}/members/{member.pk}"
    assert api_as(cast.gc_admin).delete(path).status_code == 404
    assert ProjectMember.objects.filter(pk=member.pk).exists()


@pytest.mark.django_db
def test_companies_are_those_i_work_with(cast: Cast, api_as) -> None:
    names = [c["name"] for c in api_as(cast.sub_pm).get("/companies").json()["items"]]
    assert names == ["Apex Builders", "Brightline Electric"]
    assert api_as(cast.sub_pm).get(f"/companies/{cast.other.pk}").status_code == 404


def _queries_for_my_projects(api) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert api.get("/projects").status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_project_list_asks_the_same_queries_for_many_projects(cast: Cast, api_as) -> None:
    from sheetflow.projects.services import member_add, project_create

    api = api_as(cast.outsider)
    first = project_create(company=cast.gc, name="First", code="F-1")
    member_add(project=first, user=cast.outsider)
    api.get("/projects")  # the token's first use is recorded once: not part of the list
    few = _queries_for_my_projects(api)
    for n in range(10):
        more = project_create(company=cast.gc, name=f"More {n}", code=f"M-{n}")
        member_add(project=more, user=cast.outsider)
    assert _queries_for_my_projects(api) == few
