"""Directory invitations: people of other companies join a project only by accepting."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from sheetflow.accounts.services import user_create
from sheetflow.projects.models import Invitation, InvitationState, Project, ProjectMember
from sheetflow.projects.services import project_update
from tests.cast import PASSWORD, Cast


def members_url(cast: Cast) -> str:
    return f"/projects/{cast.gc_project.pk}/members"


@pytest.mark.django_db(transaction=True)
def test_someone_of_another_company_is_invited_and_joins_only_by_accepting(
    cast: Cast, api_as: Any, drain_tasks: Any
) -> None:
    answer = api_as(cast.gc_admin).post(
        members_url(cast), {"email": cast.outsider.email, "drawings": "standard"}
    )
    assert answer.status_code == 202, answer.content
    assert not ProjectMember.objects.filter(project=cast.gc_project, user=cast.outsider).exists()
    olga = api_as(cast.outsider)
    assert olga.get("/projects").json()["count"] == 0
    assert olga.get(f"/projects/{cast.gc_project.pk}").status_code == 404
    invited = olga.get("/me/invitations").json()["items"]
    assert [i["project"]["name"] for i in invited] == ["Riverside Medical Center"]
    assert invited[0]["invited_by"] == "Alice Porter"
    drain_tasks()
    assert [m.to for m in mail.outbox] == [[cast.outsider.email]]
    accepted = olga.post(f"/me/invitations/{invited[0]['id']}/accept")
    assert accepted.status_code == 200, accepted.content
    member = ProjectMember.objects.get(project=cast.gc_project, user=cast.outsider)
    assert member.drawings == 2
    assert olga.get(f"/projects/{cast.gc_project.pk}").status_code == 200
    assert olga.post(f"/me/invitations/{invited[0]['id']}/accept").status_code == 404


@pytest.mark.django_db
def test_adding_answers_the_same_whether_or_not_the_email_has_an_account(
    cast: Cast, api_as: Any
) -> None:
    api = api_as(cast.gc_admin)
    known = api.post(members_url(cast), {"email": cast.outsider.email})
    unknown = api.post(members_url(cast), {"email": "nobody@nowhere.test"})
    assert known.status_code == unknown.status_code == 202

    def shape(body: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in body.items() if k not in {"id", "created_at", "email"}}

    assert shape(known.json()) == shape(unknown.json())
    assert set(known.json()) == {
        "id",
        "email",
        "drawings",
        "connection_manager",
        "state",
        "created_at",
    }
    # Nothing about the invitee beyond what was typed: no name, company or admin flag.
    assert "Olga" not in known.content.decode() and "Outsider" not in known.content.decode()
    listed = api.get(f"/projects/{cast.gc_project.pk}/invitations").json()
    assert sorted(i["email"] for i in listed["items"]) == [
        "nobody@nowhere.test",
        cast.outsider.email,
    ]


@pytest.mark.django_db
def test_a_colleague_of_the_projects_company_is_added_directly(cast: Cast, api_as: Any) -> None:
    colleague = user_create(
        email="cora@apex.test", full_name="Cora Vance", company=cast.gc, password=PASSWORD
    )
    answer = api_as(cast.gc_admin).post(members_url(cast), {"email": "Cora@Apex.test"})
    assert answer.status_code == 201
    assert answer.json()["user"]["full_name"] == "Cora Vance"
    assert ProjectMember.objects.filter(project=cast.gc_project, user=colleague).exists()


@pytest.mark.django_db
def test_an_account_created_later_finds_its_invitation(cast: Cast, api_as: Any) -> None:
    api_as(cast.gc_admin).post(members_url(cast), {"email": "newcomer@later.test"})
    newcomer = user_create(
        email="newcomer@later.test", full_name="Nia Cole", company=cast.other, password=PASSWORD
    )
    invited = api_as(newcomer).get("/me/invitations").json()
    assert invited["count"] == 1


@pytest.mark.django_db
def test_declined_and_withdrawn_invitations_give_no_membership(cast: Cast, api_as: Any) -> None:
    admin = api_as(cast.gc_admin)
    first = admin.post(members_url(cast), {"email": cast.outsider.email}).json()
    olga = api_as(cast.outsider)
    assert olga.post(f"/me/invitations/{first['id']}/decline").status_code == 204
    assert Invitation.objects.get(pk=first["id"]).state == InvitationState.DECLINED
    second = admin.post(members_url(cast), {"email": cast.outsider.email}).json()
    assert admin.post(members_url(cast), {"email": cast.outsider.email}).status_code == 409
    path = f"/projects/{cast.gc_project.pk}/invitations/{second['id']}"
    assert admin.delete(path).status_code == 204
    assert olga.post(f"/me/invitations/{second['id']}/accept").status_code == 404
    assert not ProjectMember.objects.filter(project=cast.gc_project, user=cast.outsider).exists()


@pytest.mark.django_db
def test_nobody_else_can_answer_or_see_an_invitation(cast: Cast, api_as: Any) -> None:
    invitation = api_as(cast.gc_admin).post(members_url(cast), {"email": cast.outsider.email})
    iid = invitation.json()["id"]
    for user in (cast.sub_admin, cast.gc_pm):
        api = api_as(user)
        assert api.post(f"/me/invitations/{iid}/accept").status_code == 404
        assert api.get("/me/invitations").json()["count"] == 0
    sub_project_invitations = f"/projects/{cast.sub_project.pk}/invitations/{iid}"
    assert api_as(cast.sub_admin).delete(sub_project_invitations).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_email_subject_quotes_the_project_name_and_names_the_sender(
    cast: Cast, api_as: Any, drain_tasks: Any
) -> None:
    project_update(
        project=cast.gc_project, name='Your password expires\n- reset at https://evil.test "now"'
    )
    api_as(cast.gc_admin).post(members_url(cast), {"email": cast.outsider.email})
    drain_tasks()
    (message,) = mail.outbox
    assert message.subject == (
        "[Sheetflow] Apex Builders · Invitation to the project "
        "\"Your password expires - reset at https://evil.test 'now'\""
    )
    assert Project.objects.get(pk=cast.gc_project.pk).name.startswith("Your password")


@pytest.mark.django_db
def test_the_invitation_pages_accept_and_decline(cast: Cast, page_as: Any) -> None:
    page_as(cast.gc_admin).post(
        f"/projects/{cast.gc_project.pk}/directory/",
        {"email": cast.outsider.email, "drawings": 1, "connection_manager": 0},
    )
    invitation = Invitation.objects.get(email=cast.outsider.email)
    olga = page_as(cast.outsider)
    assert "Riverside Medical Center" in olga.get("/projects/invitations/").content.decode()
    assert olga.get(f"/projects/{cast.gc_project.pk}/").status_code == 404
    joined = olga.post(f"/projects/invitations/{invitation.pk}/", {"answer": "accept"})
    assert joined.status_code == 302
    assert olga.get(f"/projects/{cast.gc_project.pk}/").status_code == 200
