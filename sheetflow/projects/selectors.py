"""Reads for projects and directories, always scoped by the acting user."""

from __future__ import annotations

from itertools import groupby

from django.db.models import Prefetch, QuerySet

from sheetflow.accounts.models import Company, User
from sheetflow.projects.models import Project, ProjectMember
from sheetflow.projects.permissions import visible_projects


def projects_for(*, user: User) -> QuerySet[Project]:
    """Projects the user can see, each with the viewer's membership prefetched."""
    return (
        visible_projects(user)
        .select_related("company")
        .prefetch_related(
            Prefetch("members", queryset=ProjectMember.objects.filter(user=user), to_attr="_mine")
        )
        .order_by("company__name", "name", "pk")
    )


def projects_grouped(*, user: User) -> list[tuple[Company, list[Project]]]:
    """The user's projects grouped by company, their own company first."""
    projects = list(projects_for(user=user))
    for project in projects:
        # Hand the prefetched membership to permissions so templates ask no more queries.
        project._viewer_membership = project._mine[0] if project._mine else None  # type: ignore[attr-defined]
        project._viewer_id = user.pk  # type: ignore[attr-defined]
    projects.sort(key=lambda p: (p.company_id != user.company_id, p.company.name, p.name))
    return [(company, list(items)) for company, items in groupby(projects, lambda p: p.company)]


def members_of(*, project: Project) -> QuerySet[ProjectMember]:
    """A project's directory."""
    return (
        ProjectMember.objects.filter(project=project)
        .select_related("user", "user__company")
        .order_by("user__full_name", "pk")
    )
