"""Reads: who is on a project's lists, and a user's notifications."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sheetflow.accounts.models import User
from sheetflow.notifications.models import DistributionList, ListKind, ListMode, Notification
from sheetflow.projects.models import Level, Project, ProjectMember, Tool

TOOL_OF_LIST = {ListKind.CONNECTION: Tool.CONNECTION_MANAGER, ListKind.DRAWINGS: Tool.DRAWINGS}


def list_setting(*, project: Project, kind: ListKind) -> DistributionList | None:
    return DistributionList.objects.filter(project=project, kind=kind).first()


def list_candidates(*, project: Project, kind: ListKind) -> QuerySet[User]:
    """Who may be chosen for a list: the tool's admins in the directory, or company admins."""
    tool = TOOL_OF_LIST[ListKind(kind)]
    in_directory_admin = Q(
        memberships__project=project, **{f"memberships__{tool.value}__gte": Level.ADMIN}
    )
    company_admin = Q(company_id=project.company_id, is_company_admin=True)
    return (
        User.objects.filter(is_active=True)
        .filter(in_directory_admin | company_admin)
        .select_related("company")
        .distinct()
        .order_by("full_name", "pk")
    )


def list_members(*, project: Project, kind: ListKind) -> list[User]:
    """The users a project's list notifies now (mode "all" or the chosen, still eligible, users)."""
    setting = list_setting(project=project, kind=kind)
    tool = TOOL_OF_LIST[ListKind(kind)]
    if setting is None or setting.mode == ListMode.ALL:
        # "All admins" means the tool's admins listed in the directory (SPEC §4).
        users = User.objects.filter(
            is_active=True,
            memberships__project=project,
            **{f"memberships__{tool.value}__gte": Level.ADMIN},
        )
    else:
        # Someone chosen who has since lost the right to be chosen is no longer notified.
        chosen = setting.users.values("pk")
        users = list_candidates(project=project, kind=kind).filter(pk__in=chosen)
    return list(users.select_related("company").distinct().order_by("full_name", "pk"))


def lists_members(*, projects: list[Project], kind: ListKind) -> dict[int, list[User]]:
    """``list_members`` of many projects at once (a constant number of queries), by project id."""
    tool = TOOL_OF_LIST[ListKind(kind)]
    admin = {f"{tool.value}__gte": Level.ADMIN}
    chosen_lists = {
        setting.pk: setting.project_id
        for setting in DistributionList.objects.filter(
            project__in=projects, kind=kind, mode=ListMode.SPECIFIC
        )
    }
    specific = set(chosen_lists.values())
    found: dict[int, list[User]] = {p.pk: [] for p in projects}
    for member in ProjectMember.objects.filter(
        project_id__in=[p.pk for p in projects if p.pk not in specific],
        user__is_active=True,
        **admin,
    ).select_related("user__company"):
        found[member.project_id].append(member.user)
    if specific:
        # The chosen users who may still be chosen (list_candidates): the tool's admins in the
        # directory, or admins of the project's company.
        company_of = {p.pk: p.company_id for p in projects}
        admins = set(
            ProjectMember.objects.filter(project_id__in=specific, **admin).values_list(
                "project_id", "user_id"
            )
        )
        for row in DistributionList.users.through.objects.filter(
            distributionlist_id__in=chosen_lists, user__is_active=True
        ).select_related("user__company"):
            project_id, user = chosen_lists[row.distributionlist_id], row.user
            company_admin = user.is_company_admin and user.company_id == company_of[project_id]
            if (project_id, user.pk) in admins or company_admin:
                found[project_id].append(user)
    for users in found.values():
        users.sort(key=lambda u: (u.full_name, u.pk))
    return found


def connection_list(project: Project) -> list[User]:
    """The project's Connection Manager distribution list."""
    return list_members(project=project, kind=ListKind.CONNECTION)


def drawings_list(project: Project) -> list[User]:
    """The project's drawings notification list (drawings admins by default)."""
    return list_members(project=project, kind=ListKind.DRAWINGS)


def notifications_for(*, user: User, unread: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user).select_related("project")
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
