"""Pages: my projects, a project's home, its directory."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sheetflow.accounts.authed import request_user
from sheetflow.common.errors import Forbidden, ServiceError
from sheetflow.common.request import LIST_SHOWN_MAX
from sheetflow.projects import invitations, selectors, services
from sheetflow.projects.forms import LEVEL_CHOICES, MemberAddForm, MemberLevelsForm, ProjectForm
from sheetflow.projects.models import Invitation, Level
from sheetflow.projects.permissions import Action, can, can_in_company, level, project_get


@login_required
@require_http_methods(["GET", "POST"])
def project_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = ProjectForm(request.POST or None)
    can_create = can_in_company(user, user.company_id, Action.PROJECT_CREATE)
    if request.method == "POST":
        if not can_create:
            raise Forbidden("Only company admins create projects.")
        if form.is_valid():
            try:
                project = services.project_create(company=user.company, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error("code", exc.detail)
            else:
                messages.success(request, f"Project {project} created.")
                return redirect("projects:home", project_id=project.pk)
    groups = selectors.projects_grouped(user=user)
    invited = invitations.invitations_pending_for(user=user).count()
    return render(
        request,
        "projects/list.html",
        {"groups": groups, "form": form, "invitation_count": invited, "can_create": can_create},
    )


@login_required
@require_safe
def project_home(request: HttpRequest, project_id: int) -> HttpResponse:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id)
    context = {
        "project": project,
        "drawings_level": level(user, project, "drawings"),
        "connections_level": level(user, project, "connection_manager"),
        "can_manage_directory": can(user, project, Action.DIRECTORY_MANAGE),
    }
    return render(request, "projects/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def directory(request: HttpRequest, project_id: int) -> HttpResponse:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DIRECTORY_VIEW)
    can_manage = can(user, project, Action.DIRECTORY_MANAGE)
    form = MemberAddForm(request.POST or None, initial={"drawings": 1, "connection_manager": 0})
    if request.method == "POST":
        project = project_get(user=user, project_id=project_id, action=Action.DIRECTORY_MANAGE)
        if form.is_valid():
            try:
                added = invitations.directory_add(
                    project=project,
                    email=form.cleaned_data["email"],
                    invited_by=user,
                    drawings=Level(form.cleaned_data["drawings"]),
                    connection_manager=Level(form.cleaned_data["connection_manager"]),
                )
            except ServiceError as exc:
                form.add_error("email", exc.detail)
            else:
                if isinstance(added, Invitation):
                    note = f"Invitation sent to {added.email}; they join once they accept."
                else:
                    note = f"{added.user.full_name} added to the directory."
                messages.success(request, note)
                return redirect("projects:directory", project_id=project.pk)
    members = selectors.members_of(project=project)[:LIST_SHOWN_MAX]
    pending = invitations.invitations_of(project=project)[:200] if can_manage else []
    context = {
        "project": project,
        "members": members,
        "invitations": pending,
        "form": form,
        "can_manage": can_manage,
        "levels": LEVEL_CHOICES,
    }
    return render(request, "projects/directory.html", context)


@login_required
@require_POST
def member_update(request: HttpRequest, project_id: int, member_id: int) -> HttpResponse:
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DIRECTORY_MANAGE
    )
    member = selectors.member_get(project=project, member_id=member_id)
    form = MemberLevelsForm(request.POST)
    if not form.is_valid():
        raise ServiceError("Choose a valid level for each tool.", code="invalid_level")
    services.member_update(
        member=member,
        drawings=Level(form.cleaned_data["drawings"]),
        connection_manager=Level(form.cleaned_data["connection_manager"]),
    )
    if request.headers.get("HX-Request"):
        return render(
            request,
            "projects/_member_row.html",
            {
                "m": member,
                "project": project,
                "can_manage": True,
                "saved": True,
                "levels": LEVEL_CHOICES,
            },
        )
    messages.success(request, f"Levels of {member.user.full_name} saved.")
    return redirect("projects:directory", project_id=project.pk)


@login_required
@require_POST
def member_remove(request: HttpRequest, project_id: int, member_id: int) -> HttpResponse:
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DIRECTORY_MANAGE
    )
    member = selectors.member_get(project=project, member_id=member_id)
    services.member_remove(member=member)
    messages.success(request, f"{member.user.full_name} removed from the directory.")
    return redirect("projects:directory", project_id=project.pk)


@login_required
@require_POST
def invitation_cancel(request: HttpRequest, project_id: int, invitation_id: int) -> HttpResponse:
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DIRECTORY_MANAGE
    )
    invitations.invitation_cancel(project=project, invitation_id=invitation_id)
    messages.success(request, "Invitation withdrawn.")
    return redirect("projects:directory", project_id=project.pk)


@login_required
@require_safe
def invitation_list(request: HttpRequest) -> HttpResponse:
    items = invitations.invitations_pending_for(user=request_user(request))[:200]
    return render(request, "projects/invitations.html", {"invitations": items})


@login_required
@require_http_methods(["GET", "POST"])
def invitation_detail(request: HttpRequest, invitation_id: int) -> HttpResponse:
    user = request_user(request)
    invitation = invitations.invitation_for_invitee(user=user, invitation_id=invitation_id)
    if request.method == "POST":
        if request.POST.get("answer") == "accept":
            member = invitations.invitation_accept(user=user, invitation_id=invitation_id)
            messages.success(request, f"You joined {member.project.name}.")
            return redirect("projects:home", project_id=member.project_id)
        if request.POST.get("answer") == "decline":
            invitations.invitation_decline(user=user, invitation_id=invitation_id)
            messages.info(request, "Invitation declined.")
            return redirect("projects:invitations")
        raise ServiceError("Answer accept or decline.", code="invalid_answer")
    return render(request, "projects/invitation.html", {"invitation": invitation})
