"""Reads for projects and directories, always scoped by the acting user."""

from __future__ import annotations

from itertools import groupby

from django.db.models import QuerySet

from sheetflow.accounts.models import Company, User
from sheetflow.common.errors import NotFound
from sheetflow.projects.models import Project, ProjectMember
from sheetflow.projects.permissions import viewer_memberships, visible_projects


def projects_for(*, user: User) -> QuerySet[Project]:
    """Projects the user can see, each with the viewer's membership prefetched."""
    return (
        visible_projects(user)
        .select_related("company")
        .prefetch_related(viewer_memberships(user))
        .order_by("company__name", "name", "pk")
    )


def projects_grouped(*, user: User) -> list[tuple[Company, list[Project]]]:
    """The user's projects grouped by company, their own company first."""
    projects = list(projects_for(user=user))
    projects.sort(key=lambda p: (p.company_id != user.company_id, p.company.name, p.name))
    return [(company, list(items)) for company, items in groupby(projects, lambda p: p.company)]


def members_of(*, project: Project) -> QuerySet[ProjectMember]:
    """A project's directory."""
    return (
        ProjectMember.objects.filter(project=project)
        .select_related("user", "user__company")
        .order_by("user__full_name", "pk")
    )


def member_get(*, project: Project, member_id: int) -> ProjectMember:
    member = (
        ProjectMember.objects.select_related("user", "user__company")
        .filter(project=project, pk=member_id)
        .first()
    )
    if member is None:
        raise NotFound("Member not found.")
    return member
