"""The permission table, action by action, level by level, for every kind of person."""

from __future__ import annotations

import pytest

from sheetflow.accounts.services import company_create
from sheetflow.projects.models import Level
from sheetflow.projects.permissions import (
    Action,
    can,
    can_in_company,
    can_see,
    level,
    visible_projects,
)
from sheetflow.projects.services import member_add, member_update
from tests.cast import Cast, person

# What each action needs, written out independently of the code's table: a (tool, minimum
# level) for directory members, or "company_admin" for actions only company admins may take.
EXPECTED: dict[Action, tuple[str, Level] | str] = {
    Action.COMPANY_SETTINGS: "company_admin",
    Action.PROJECT_CREATE: "company_admin",
    Action.PROJECT_VIEW: ("drawings", Level.NONE),
    Action.PROJECT_EDIT: "company_admin",
    Action.DIRECTORY_VIEW: ("drawings", Level.NONE),
    Action.DIRECTORY_MANAGE: "company_admin",
    Action.DRAWINGS_VIEW: ("drawings", Level.READ_ONLY),
    Action.DRAWINGS_UPLOAD: ("drawings", Level.STANDARD),
    Action.DRAWINGS_VIEW_UNPUBLISHED: ("drawings", Level.ADMIN),
    Action.DRAWINGS_PUBLISH: ("drawings", Level.ADMIN),
    Action.DRAWINGS_EDIT: ("drawings", Level.ADMIN),
    Action.DRAWINGS_MANAGE: ("drawings", Level.ADMIN),
    Action.CONNECTIONS_VIEW: ("connection_manager", Level.READ_ONLY),
    Action.CONNECTIONS_CONNECT: ("connection_manager", Level.ADMIN),
    Action.CONNECTIONS_DECIDE: ("connection_manager", Level.ADMIN),
    Action.CONNECTIONS_DISCONNECT: ("connection_manager", Level.ADMIN),
    Action.CONNECTIONS_SETTINGS: ("connection_manager", Level.ADMIN),
    Action.DISTRIBUTION_VIEW: ("connection_manager", Level.ADMIN),
    Action.WEBHOOKS_MANAGE: ("connection_manager", Level.ADMIN),
}

ROLES = ["own_company_member", "other_company_member"]


def test_every_action_has_an_expectation() -> None:
    assert set(EXPECTED) == set(Action)


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("member_level", list(Level), ids=lambda lv: lv.name.lower())
@pytest.mark.parametrize("role", ROLES)
def test_a_directory_member_may_act_exactly_at_the_required_level(
    cast: Cast, action: Action, member_level: Level, role: str
) -> None:
    company = cast.gc if role == "own_company_member" else cast.sub
    user = person(company, f"m-{role}@example.test", "Member Under Test")
    member_add(
        project=cast.gc_project, user=user, drawings=member_level, connection_manager=member_level
    )
    rule = EXPECTED[action]
    expected = False if rule == "company_admin" else member_level >= rule[1]
    assert can(user, cast.gc_project, action) is expected
    assert can_see(user, cast.gc_project)


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_a_company_admin_may_do_everything_in_their_company_projects_unlisted(
    cast: Cast, action: Action
) -> None:
    assert can(cast.gc_admin, cast.gc_project, action)
    assert level(cast.gc_admin, cast.gc_project, "drawings") == Level.ADMIN


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_another_companys_admin_and_outsiders_may_do_nothing(cast: Cast, action: Action) -> None:
    for user in (cast.sub_admin, cast.outsider):
        assert not can_see(user, cast.gc_project)
        assert not can(user, cast.gc_project, action)
        assert level(user, cast.gc_project, "connection_manager") == Level.NONE


@pytest.mark.django_db
@pytest.mark.parametrize("action", [Action.COMPANY_SETTINGS, Action.PROJECT_CREATE], ids=str)
def test_company_wide_actions_are_for_that_companys_admins_only(cast: Cast, action: Action) -> None:
    assert can_in_company(cast.gc_admin, cast.gc.pk, action)
    assert not can_in_company(cast.gc_admin, cast.sub.pk, action)
    assert not can_in_company(cast.sub_admin, cast.gc.pk, action)
    assert not can_in_company(cast.gc_pm, cast.gc.pk, action)


def test_a_project_action_is_not_asked_of_a_company() -> None:
    with pytest.raises(ValueError, match="ask can"):
        can_in_company(None, 1, Action.DRAWINGS_VIEW)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_a_collaborator_is_never_treated_as_company_admin_of_the_host(cast: Cast) -> None:
    # sub_admin is a company admin, but of Brightline: listed in Apex's project with read-only
    # drawings, they get exactly read-only, not admin.
    member_add(project=cast.gc_project, user=cast.sub_admin, drawings=Level.READ_ONLY)
    assert level(cast.sub_admin, cast.gc_project, "drawings") == Level.READ_ONLY
    assert not can(cast.sub_admin, cast.gc_project, Action.DRAWINGS_UPLOAD)
    assert not can(cast.sub_admin, cast.gc_project, Action.DIRECTORY_MANAGE)


@pytest.mark.django_db
def test_a_deactivated_user_sees_nothing(cast: Cast) -> None:
    cast.gc_admin.is_active = False
    cast.gc_admin.save()
    assert not can_see(cast.gc_admin, cast.gc_project)
    assert list(visible_projects(cast.gc_admin)) == []


@pytest.mark.django_db
def test_visible_projects_are_directory_projects_plus_own_company_for_admins(cast: Cast) -> None:
    extra = company_create(name="Delta Plumbing")
    assert set(visible_projects(cast.sub_pm)) == {cast.gc_project, cast.sub_project}
    assert set(visible_projects(cast.gc_admin)) == {cast.gc_project}
    assert set(visible_projects(cast.sub_admin)) == {cast.sub_project}
    assert list(visible_projects(cast.outsider)) == []
    assert extra.projects.count() == 0


@pytest.mark.django_db
def test_changing_a_members_level_changes_what_they_may_do(cast: Cast) -> None:
    member = cast.gc_reader.memberships.get(project=cast.gc_project)
    assert not can(cast.gc_reader, cast.gc_project, Action.DRAWINGS_PUBLISH)
    member_update(member=member, drawings=Level.ADMIN)
    cast.gc_project.refresh_from_db()  # drop the cached membership
    fresh = type(cast.gc_project).objects.get(pk=cast.gc_project.pk)
    assert can(cast.gc_reader, fresh, Action.DRAWINGS_PUBLISH)
