"""THE table of who may do what, and the helpers every view, API handler and selector uses.

A user's level on a project's tool is:
- ``admin`` if they are a company admin of the project's company (listed or not);
- else their level in the project's directory;
- else nothing, and the project is invisible to them (404, never 403).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from sheetflow.common.errors import Forbidden, NotFound
from sheetflow.projects.models import Level, Project, ProjectMember, Tool

if TYPE_CHECKING:
    from sheetflow.accounts.models import User


class Action(StrEnum):
    COMPANY_SETTINGS = "company.settings"
    PROJECT_CREATE = "project.create"
    PROJECT_VIEW = "project.view"
    PROJECT_EDIT = "project.edit"
    DIRECTORY_VIEW = "directory.view"
    DIRECTORY_MANAGE = "directory.manage"
    DRAWINGS_VIEW = "drawings.view"
    DRAWINGS_UPLOAD = "drawings.upload"
    DRAWINGS_VIEW_UNPUBLISHED = "drawings.view_unpublished"
    DRAWINGS_PUBLISH = "drawings.publish"
    DRAWINGS_EDIT = "drawings.edit"
    DRAWINGS_MANAGE = "drawings.manage"
    CONNECTIONS_VIEW = "connections.view"
    CONNECTIONS_CONNECT = "connections.connect"
    CONNECTIONS_DECIDE = "connections.decide"
    CONNECTIONS_DISCONNECT = "connections.disconnect"
    CONNECTIONS_SETTINGS = "connections.settings"
    DISTRIBUTION_VIEW = "connections.distribution"
    WEBHOOKS_MANAGE = "webhooks.manage"


@dataclass(frozen=True)
class Requirement:
    """What an action needs: a level on a tool, or (tool None) being a company admin."""

    tool: Tool | None
    level: Level


COMPANY_ADMIN = Requirement(None, Level.ADMIN)

# The one table. Being in the directory at all is enough to see the project and its directory.
RULES: dict[Action, Requirement] = {
    # Company-wide actions (no project): ask `can_in_company`.
    Action.COMPANY_SETTINGS: COMPANY_ADMIN,
    Action.PROJECT_CREATE: COMPANY_ADMIN,
    Action.PROJECT_VIEW: Requirement(Tool.DRAWINGS, Level.NONE),
    Action.PROJECT_EDIT: COMPANY_ADMIN,
    Action.DIRECTORY_VIEW: Requirement(Tool.DRAWINGS, Level.NONE),
    Action.DIRECTORY_MANAGE: COMPANY_ADMIN,
    Action.DRAWINGS_VIEW: Requirement(Tool.DRAWINGS, Level.READ_ONLY),
    Action.DRAWINGS_UPLOAD: Requirement(Tool.DRAWINGS, Level.STANDARD),
    Action.DRAWINGS_VIEW_UNPUBLISHED: Requirement(Tool.DRAWINGS, Level.ADMIN),
    Action.DRAWINGS_PUBLISH: Requirement(Tool.DRAWINGS, Level.ADMIN),
    Action.DRAWINGS_EDIT: Requirement(Tool.DRAWINGS, Level.ADMIN),
    Action.DRAWINGS_MANAGE: Requirement(Tool.DRAWINGS, Level.ADMIN),
    Action.CONNECTIONS_VIEW: Requirement(Tool.CONNECTION_MANAGER, Level.READ_ONLY),
    Action.CONNECTIONS_CONNECT: Requirement(Tool.CONNECTION_MANAGER, Level.ADMIN),
    Action.CONNECTIONS_DECIDE: Requirement(Tool.CONNECTION_MANAGER, Level.ADMIN),
    Action.CONNECTIONS_DISCONNECT: Requirement(Tool.CONNECTION_MANAGER, Level.ADMIN),
    Action.CONNECTIONS_SETTINGS: Requirement(Tool.CONNECTION_MANAGER, Level.ADMIN),
    Action.DISTRIBUTION_VIEW: Requirement(Tool.CONNECTION_MANAGER, Level.ADMIN),
    Action.WEBHOOKS_MANAGE: Requirement(Tool.CONNECTION_MANAGER, Level.ADMIN),
}


def _is_admin_of(user: User, company_id: int) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_company_admin
        and user.company_id == company_id
    )


def is_company_admin_of(user: User, project: Project) -> bool:
    return _is_admin_of(user, project.company_id)


def can_in_company(user: User, company_id: int, action: Action) -> bool:
    """May this user take a company-wide action (one that concerns no single project)?"""
    if RULES[action] is not COMPANY_ADMIN:
        raise ValueError(f"{action} is taken on a project: ask can()")
    return _is_admin_of(user, company_id)


# The one cache of a user's membership on a Project object: a list of zero or one member,
# named after the user, so a check for another user never reads it.
def _cache_name(user: User) -> str:
    return f"_membership_of_{user.pk}"


def viewer_memberships(user: User) -> Prefetch[Any]:
    """For ``prefetch_related``: each project's membership of this user, read by the checks."""
    mine = ProjectMember.objects.filter(user=user)
    return Prefetch("members", queryset=mine, to_attr=_cache_name(user))


def remember_memberships(user: User, projects: Iterable[Project]) -> None:
    """Load the user's memberships of projects already fetched, in one query, for the checks."""
    name = _cache_name(user)
    todo = {p.pk: p for p in projects if not hasattr(p, name)}
    if not todo:
        return
    members = {m.project_id: m for m in ProjectMember.objects.filter(user=user, project__in=todo)}
    for pk, project in todo.items():
        setattr(project, name, [members[pk]] if pk in members else [])


def _membership(user: User, project: Project) -> ProjectMember | None:
    remember_memberships(user, [project])
    cached: list[ProjectMember] = getattr(project, _cache_name(user))
    return cached[0] if cached else None


def can_see(user: User, project: Project) -> bool:
    """Is the project visible at all to this user?"""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_company_admin_of(user, project) or _membership(user, project) is not None


def level(user: User, project: Project, tool: Tool | str) -> Level:
    """The user's effective level on one tool of a project (NONE if not visible)."""
    if not user.is_authenticated or not user.is_active:
        return Level.NONE
    if is_company_admin_of(user, project):
        return Level.ADMIN
    member = _membership(user, project)
    return member.level(tool) if member else Level.NONE


def can(user: User, project: Project, action: Action) -> bool:
    """May this user take this action on this project?"""
    if not can_see(user, project):
        return False
    rule = RULES[action]
    if rule.tool is None:
        return is_company_admin_of(user, project)
    return level(user, project, rule.tool) >= rule.level


def visible_projects(user: User) -> QuerySet[Project]:
    """Every project the user can see, with the viewer's membership in one query."""
    if not user.is_authenticated or not user.is_active:
        return Project.objects.none()
    in_directory = ProjectMember.objects.filter(project=OuterRef("pk"), user=user)
    admin_of_company = Q(company_id=user.company_id) if user.is_company_admin else Q(pk__in=[])
    return Project.objects.filter(admin_of_company | Q(Exists(in_directory)))


def project_get(*, user: User, project_id: int, action: Action = Action.PROJECT_VIEW) -> Project:
    """The project, if the user may take the action on it.

    Invisible projects raise NotFound. Visible ones the user may not act on raise
    Forbidden, because a member already knows the project exists.
    """
    project = Project.objects.select_related("company").filter(pk=project_id).first()
    if project is None or not can_see(user, project):
        raise NotFound("Project not found.")
    if not can(user, project, action):
        raise Forbidden(f"You do not have permission to {action.value.replace('.', ' ')}.")
    return project
