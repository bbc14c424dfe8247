"""Project pages: the list, a project's home and its directory, for each kind of person."""

from __future__ import annotations

import pytest
from django.test import Client

from sheetflow.projects.invitations import invitation_accept
from sheetflow.projects.models import Invitation, Level, ProjectMember
from tests.cast import Cast


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(cast: Cast) -> None:
    response = Client().get(f"/projects/{cast.gc_project.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


@pytest.mark.django_db
def test_the_project_list_groups_by_company_with_my_own_first(cast: Cast, page_as) -> None:
    html = page_as(cast.sub_pm).get("/projects/").content.decode()
    assert html.index("Brightline Electric") < html.index("Apex Builders")
    assert "Riverside Electrical" in html and "Riverside Medical Center" in html


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", "directory/"])
def test_outsiders_get_404_on_every_project_page(cast: Cast, page_as, suffix: str) -> None:
    for user in (cast.outsider, cast.sub_admin):
        response = page_as(user).get(f"/projects/{cast.gc_project.pk}/{suffix}")
        assert response.status_code == 404
        assert "Riverside Medical Center" not in response.content.decode()


@pytest.mark.django_db
def test_outsiders_cannot_change_a_directory_and_get_404(cast: Cast, page_as) -> None:
    member = ProjectMember.objects.get(project=cast.gc_project, user=cast.gc_reader)
    client = page_as(cast.outsider)
    base = f"/projects/{cast.gc_project.pk}/directory/"
    assert client.post(base, {"email": cast.outsider.email}).status_code == 404
    update = client.post(f"{base}{member.pk}/", {"drawings": 3, "connection_manager": 3})
    assert update.status_code == 404
    assert client.post(f"{base}{member.pk}/remove/").status_code == 404
    member.refresh_from_db()
    assert member.drawings == Level.READ_ONLY


@pytest.mark.django_db
def test_a_read_only_member_sees_the_directory_without_controls(cast: Cast, page_as) -> None:
    client = page_as(cast.gc_reader)
    html = client.get(f"/projects/{cast.gc_project.pk}/directory/").content.decode()
    assert "Bella Shaw" in html and "Add a person" not in html
    member = ProjectMember.objects.get(project=cast.gc_project, user=cast.gc_reader)
    response = client.post(
        f"/projects/{cast.gc_project.pk}/directory/{member.pk}/",
        {"drawings": 3, "connection_manager": 3},
    )
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.drawings == Level.READ_ONLY


@pytest.mark.django_db
def test_a_company_admin_adds_changes_and_removes_a_collaborator(cast: Cast, page_as) -> None:
    client = page_as(cast.gc_admin)
    base = f"/projects/{cast.gc_project.pk}/directory/"
    added = client.post(
        base, {"email": cast.sub_admin.email, "drawings": 1, "connection_manager": 0}, follow=True
    )
    assert f"Invitation sent to {cast.sub_admin.email}" in added.content.decode()
    assert not ProjectMember.objects.filter(project=cast.gc_project, user=cast.sub_admin).exists()
    invitation = Invitation.objects.get(project=cast.gc_project, email=cast.sub_admin.email)
    invitation_accept(user=cast.sub_admin, invitation_id=invitation.pk)
    member = ProjectMember.objects.get(project=cast.gc_project, user=cast.sub_admin)
    row = client.post(
        f"{base}{member.pk}/", {"drawings": 2, "connection_manager": 1}, headers={"HX-Request": "1"}
    )
    assert "Saved" in row.content.decode()
    member.refresh_from_db()
    assert (member.drawings, member.connection_manager) == (Level.STANDARD, Level.READ_ONLY)
    client.post(f"{base}{member.pk}/remove/")
    assert not ProjectMember.objects.filter(pk=member.pk).exists()


@pytest.mark.django_db
def test_adding_an_unknown_email_answers_like_any_invitation(cast: Cast, page_as) -> None:
    response = page_as(cast.gc_admin).post(
        f"/projects/{cast.gc_project.pk}/directory/",
        {"email": "nobody@nowhere.test", "drawings": 1, "connection_manager": 0},
        follow=True,
    )
    assert "Invitation sent to nobody@nowhere.test" in response.content.decode()
    assert ProjectMember.objects.filter(project=cast.gc_project).count() == 3


@pytest.mark.django_db
def test_only_company_admins_are_offered_and_allowed_a_new_project(cast: Cast, page_as) -> None:
    assert (
        "New project in Apex Builders" in page_as(cast.gc_admin).get("/projects/").content.decode()
    )
    member = page_as(cast.gc_pm)
    assert "New project in" not in member.get("/projects/").content.decode()
    refused = member.post("/projects/", {"name": "Side job", "code": "SJ"})
    assert refused.status_code == 403
    created = page_as(cast.gc_admin).post("/projects/", {"name": "Side job", "code": "SJ"})
    assert created.status_code == 302
    assert list(cast.gc.projects.filter(code="SJ").values_list("name", flat=True)) == ["Side job"]
