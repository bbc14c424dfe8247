"""Writes for projects and their directories."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from sheetflow.accounts.models import Company, User
from sheetflow.common.errors import Conflict, ServiceError
from sheetflow.projects.models import Level, Project, ProjectMember
from sheetflow.projects.signals import project_created


def project_create(*, company: Company, name: str, code: str, is_active: bool = True) -> Project:
    """Create a project of a company (other apps add their defaults on `project_created`).

    Needs ``project.create`` in the company, checked by the caller.
    """
    name, code = name.strip(), code.strip()
    if not name or not code:
        raise ServiceError("A project needs a name and a code.", code="invalid")
    try:
        with transaction.atomic():
            project = Project.objects.create(
                company=company, name=name, code=code, is_active=is_active
            )
            project_created.send(sender=Project, project=project)
    except IntegrityError as exc:
        raise Conflict(
            f"{company.name} already has a project with code {code}.", code="project_exists"
        ) from exc
    return project


def project_update(
    *, project: Project, name: str | None = None, is_active: bool | None = None
) -> Project:
    """Rename a project or (de)activate it.

    Needs ``project.edit`` on the project, checked by the caller.
    """
    if name is not None:
        if not name.strip():
            raise ServiceError("A project needs a name.", code="invalid")
        project.name = name.strip()
    if is_active is not None:
        project.is_active = is_active
    project.save(update_fields=["name", "is_active"])
    return project


def member_add(
    *,
    project: Project,
    user: User,
    drawings: Level = Level.READ_ONLY,
    connection_manager: Level = Level.NONE,
) -> ProjectMember:
    """Add a user (of any company) to a project's directory.

    Needs ``directory.manage`` on the project, checked by the caller.
    """
    if not user.is_active:
        raise ServiceError("That user is deactivated.", code="user_inactive")
    try:
        with transaction.atomic():
            return ProjectMember.objects.create(
                project=project,
                user=user,
                drawings=Level(drawings),
                connection_manager=Level(connection_manager),
            )
    except IntegrityError as exc:
        raise Conflict(f"{user.email} is already in this project.", code="member_exists") from exc


def member_update(
    *,
    member: ProjectMember,
    drawings: Level | None = None,
    connection_manager: Level | None = None,
) -> ProjectMember:
    """Change a member's per-tool levels.

    Needs ``directory.manage`` on the project, checked by the caller, and a member from
    ``selectors.member_get`` of that project.
    """
    if drawings is not None:
        member.drawings = Level(drawings)
    if connection_manager is not None:
        member.connection_manager = Level(connection_manager)
    member.save(update_fields=["drawings", "connection_manager"])
    return member


def member_remove(*, member: ProjectMember) -> None:
    """Remove a member from the directory (what they created stays); as ``member_update``.

    Needs ``directory.manage`` on the project, checked by the caller.
    """
    member.delete()
