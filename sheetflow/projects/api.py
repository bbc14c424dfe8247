"""API: projects and their directories."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from sheetflow.accounts.api import CompanyOut, UserOut
from sheetflow.accounts.authed import request_user
from sheetflow.common.api import Pagination, errors
from sheetflow.common.errors import Forbidden
from sheetflow.projects import invitations, selectors, services
from sheetflow.projects.models import Invitation, Level, Project, ProjectMember
from sheetflow.projects.permissions import Action, can_in_company, level, project_get

router = Router(tags=["projects"])

LevelName = Literal["none", "read_only", "standard", "admin"]


def level_name(value: int) -> LevelName:
    return cast(LevelName, Level(value).name.lower())


class ToolLevels(Schema):
    drawings: LevelName
    connection_manager: LevelName


class ProjectOut(Schema):
    id: int
    name: str
    code: str
    is_active: bool
    company: CompanyOut
    my_levels: ToolLevels

    @staticmethod
    def resolve_my_levels(obj: Project, context: dict[str, object]) -> ToolLevels:
        request: HttpRequest = context["request"]  # type: ignore[assignment]
        user = request_user(request)
        return ToolLevels(
            drawings=level_name(level(user, obj, "drawings")),
            connection_manager=level_name(level(user, obj, "connection_manager")),
        )


class ProjectIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=30)
    is_active: bool = True


class ProjectPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    is_active: bool | None = None


def _level(name: str | None) -> Level | None:
    return None if name is None else Level[name.upper()]


class MemberOut(Schema):
    id: int
    user: UserOut
    drawings: LevelName
    connection_manager: LevelName

    @staticmethod
    def resolve_drawings(obj: ProjectMember) -> LevelName:
        return level_name(obj.drawings)

    @staticmethod
    def resolve_connection_manager(obj: ProjectMember) -> LevelName:
        return level_name(obj.connection_manager)


class MemberIn(Schema):
    email: str = Field(max_length=254, description="Email of the user to add (any company)")
    drawings: LevelName = "read_only"
    connection_manager: LevelName = "none"


class MemberPatch(Schema):
    drawings: LevelName | None = None
    connection_manager: LevelName | None = None


@router.get("/projects", response={200: list[ProjectOut], **errors(401, 422)})
@paginate(Pagination)
def project_list(request: HttpRequest) -> object:
    """Projects the signed-in user can see."""
    return selectors.projects_for(user=request_user(request))


@router.post("/projects", response={201: ProjectOut, **errors(401, 403, 409, 422)})
def project_create(request: HttpRequest, payload: ProjectIn) -> Status[Project]:
    """Create a project in the user's own company (company admins)."""
    user = request_user(request)
    if not can_in_company(user, user.company_id, Action.PROJECT_CREATE):
        raise Forbidden("Only company admins can create projects.")
    project = services.project_create(company=user.company, **payload.dict())
    return Status(201, project)


@router.get("/projects/{project_id}", response={200: ProjectOut, **errors(401, 404, 422)})
def project_detail(request: HttpRequest, project_id: int) -> Project:
    """One project."""
    return project_get(user=request_user(request), project_id=project_id)


@router.patch("/projects/{project_id}", response={200: ProjectOut, **errors(401, 403, 404, 422)})
def project_update(request: HttpRequest, project_id: int, payload: ProjectPatch) -> Project:
    """Rename or (de)activate a project (company admins of its company)."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.PROJECT_EDIT
    )
    return services.project_update(project=project, **payload.dict())


@router.get(
    "/projects/{project_id}/members", response={200: list[MemberOut], **errors(401, 404, 422)}
)
@paginate(Pagination)
def member_list(request: HttpRequest, project_id: int) -> object:
    """The project's directory."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DIRECTORY_VIEW
    )
    return selectors.members_of(project=project)


class InvitationOut(Schema):
    """An invitation as its project sees it: only what the inviter typed."""

    id: int
    email: str
    drawings: LevelName
    connection_manager: LevelName
    state: str
    created_at: datetime

    @staticmethod
    def resolve_drawings(obj: Invitation) -> LevelName:
        return level_name(obj.drawings)

    @staticmethod
    def resolve_connection_manager(obj: Invitation) -> LevelName:
        return level_name(obj.connection_manager)


class InvitedProjectOut(Schema):
    id: int
    name: str
    code: str
    company: CompanyOut


class MyInvitationOut(Schema):
    """An invitation as the invited person sees it."""

    id: int
    project: InvitedProjectOut
    invited_by: str
    drawings: LevelName
    connection_manager: LevelName
    created_at: datetime

    @staticmethod
    def resolve_invited_by(obj: Invitation) -> str:
        return obj.invited_by.full_name if obj.invited_by else ""

    @staticmethod
    def resolve_drawings(obj: Invitation) -> LevelName:
        return level_name(obj.drawings)

    @staticmethod
    def resolve_connection_manager(obj: Invitation) -> LevelName:
        return level_name(obj.connection_manager)


@router.post(
    "/projects/{project_id}/members",
    response={201: MemberOut, 202: InvitationOut, **errors(400, 401, 403, 404, 409, 422)},
)
def member_add(request: HttpRequest, project_id: int, payload: MemberIn) -> Status[object]:
    """Add a colleague of the project's company (201), or invite anybody else (202).

    An invitation answers the same whether or not the email belongs to an account; the
    person becomes a member once they accept it.
    """
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DIRECTORY_MANAGE
    )
    added = invitations.directory_add(
        project=project,
        email=payload.email,
        invited_by=request_user(request),
        drawings=Level[payload.drawings.upper()],
        connection_manager=Level[payload.connection_manager.upper()],
    )
    return Status(202 if isinstance(added, Invitation) else 201, added)


@router.get(
    "/projects/{project_id}/invitations",
    response={200: list[InvitationOut], **errors(401, 403, 404, 422)},
)
@paginate(Pagination)
def invitation_list(request: HttpRequest, project_id: int) -> object:
    """The project's pending invitations (directory managers)."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DIRECTORY_MANAGE
    )
    return invitations.invitations_of(project=project)


@router.delete(
    "/projects/{project_id}/invitations/{invitation_id}",
    response={204: None, **errors(401, 403, 404, 422)},
)
def invitation_cancel(request: HttpRequest, project_id: int, invitation_id: int) -> Status[None]:
    """Withdraw a pending invitation."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DIRECTORY_MANAGE
    )
    invitations.invitation_cancel(project=project, invitation_id=invitation_id)
    return Status(204, None)


@router.get("/me/invitations", response={200: list[MyInvitationOut], **errors(401, 422)})
@paginate(Pagination)
def my_invitations(request: HttpRequest) -> object:
    """Invitations waiting for the signed-in user's answer."""
    return invitations.invitations_pending_for(user=request_user(request))


@router.post(
    "/me/invitations/{invitation_id}/accept",
    response={200: ProjectOut, **errors(401, 404, 409, 422)},
)
def my_invitation_accept(request: HttpRequest, invitation_id: int) -> Project:
    """Accept an invitation: join the project's directory."""
    member = invitations.invitation_accept(user=request_user(request), invitation_id=invitation_id)
    return member.project


@router.post(
    "/me/invitations/{invitation_id}/decline", response={204: None, **errors(401, 404, 422)}
)
def my_invitation_decline(request: HttpRequest, invitation_id: int) -> Status[None]:
    """Decline an invitation."""
    invitations.invitation_decline(user=request_user(request), invitation_id=invitation_id)
    return Status(204, None)


@router.patch(
    "/projects/{project_id}/members/{member_id}",
    response={200: MemberOut, **errors(400, 401, 403, 404, 422)},
)
def member_update(
    request: HttpRequest, project_id: int, member_id: int, payload: MemberPatch
) -> ProjectMember:
    """Change a member's per-tool levels."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DIRECTORY_MANAGE
    )
    member = selectors.member_get(project=project, member_id=member_id)
    return services.member_update(
        member=member,
        drawings=_level(payload.drawings),
        connection_manager=_level(payload.connection_manager),
    )


@router.delete(
    "/projects/{project_id}/members/{member_id}",
    response={204: None, **errors(401, 403, 404, 422)},
)
def member_remove(request: HttpRequest, project_id: int, member_id: int) -> Status[None]:
    """Remove a member from the directory."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DIRECTORY_MANAGE
    )
    services.member_remove(member=selectors.member_get(project=project, member_id=member_id))
    return Status(204, None)
