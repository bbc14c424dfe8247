"""Pages: the Connection Manager, the connect wizard, a connection, its actions, settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sheetflow.accounts.authed import request_user
from sheetflow.accounts.models import User
from sheetflow.common.errors import Forbidden, NotFound, ServiceError
from sheetflow.common.request import id_param
from sheetflow.connections import rules, selectors, services
from sheetflow.connections.engine.status import sync_status
from sheetflow.connections.models import MAX_REASON, ApprovalMode, Connection, Side, State
from sheetflow.notifications import selectors as lists
from sheetflow.notifications.list_choice import list_choice
from sheetflow.notifications.models import MAX_LIST_USERS, ListKind, ListMode
from sheetflow.notifications.services import distribution_list_update
from sheetflow.projects.models import Project
from sheetflow.projects.permissions import Action, can, can_in_company, project_get


def _side(connection: Connection, project: Project) -> str:
    return "downstream" if connection.downstream_id == project.pk else "upstream"


def _actions(user: User, connection: Connection) -> dict[str, Any]:
    """What this viewer may do to the connection now (the page offers only these)."""
    pending = connection.state == State.PENDING
    connected = connection.state == State.CONNECTED
    may = {move: bool(selectors.move_sides(user, connection, move)) for move in selectors.Move}
    return {
        "decide": pending and may[selectors.Move.APPROVE],
        "cancel": pending and may[selectors.Move.CANCEL],
        "disconnect": connected and may[selectors.Move.DISCONNECT],
        "undo_sides": selectors.undo_sides(user, connection),
    }


@login_required
@require_safe
def index(request: HttpRequest, project_id: int) -> HttpResponse:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.CONNECTIONS_VIEW)
    data = selectors.connections_of(project=project)
    selectors.prime_permissions(
        user=user,
        connections=([data.upstream] if data.upstream else []) + data.requests + data.downstreams,
        project=project,
    )
    can_connect = can(user, project, Action.CONNECTIONS_CONNECT)
    context = {
        "project": project,
        "tab": "connections",
        "data": data,
        "requests": [(c, _actions(user, c)) for c in data.requests],
        "downstreams": [(c, _actions(user, c)) for c in data.downstreams],
        "upstream_actions": _actions(user, data.upstream) if data.upstream else None,
        "can_connect": can_connect,
        "blocker": rules.downstream_blocker(project) if can_connect else None,
        "can_settings": can(user, project, Action.CONNECTIONS_SETTINGS),
        "approval_mode": services.approval_mode_of(project.company),
    }
    return render(request, "connections/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def connect(request: HttpRequest, project_id: int) -> HttpResponse:
    """The Connect upstream wizard: 1 company & project, 2 considerations, 3 connect."""
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.CONNECTIONS_CONNECT)
    choices = selectors.upstream_choices(user=user, downstream=project)
    by_id = {p.pk: p for _, _, projects in choices for p in projects}
    source = request.POST if request.method == "POST" else request.GET
    upstream = by_id.get(id_param(source.get("upstream")) or 0)
    step = id_param(source.get("step")) or 1
    if request.method == "POST" and upstream is not None:
        try:
            downstream, upstream = selectors.connection_pair_get(
                user=user, downstream_id=project.pk, upstream_id=upstream.pk
            )
            connection = services.connection_request(
                user=user, downstream=downstream, upstream=upstream
            )
        except ServiceError as exc:
            messages.error(request, exc.detail)
            return redirect(f"{reverse('connections:connect', args=[project.pk])}")
        return redirect("connections:result", project_id=project.pk, connection_id=connection.pk)
    if step > 1 and upstream is None:
        messages.error(request, "Choose an upstream project first.")
        step = 1
    company_id = id_param(source.get("company")) or (upstream.company_id if upstream else None)
    if company_id is None:
        company_id = next((c.pk for c, _, ps in choices if ps), None)
    company_projects = next((ps for c, _, ps in choices if c.pk == company_id), [])
    context = {
        "project": project,
        "tab": "connections",
        "step": min(step, 3),
        "choices": choices,
        "has_others": any(not own for _, own, _ in choices),
        "company_id": company_id,
        "company_projects": company_projects,
        "upstream": upstream,
        "considerations": rules.considerations(),
        "blocker": rules.downstream_blocker(project),
        "approval_mode": services.approval_mode_of(upstream.company) if upstream else None,
    }
    return render(request, "connections/connect.html", context)


def _get(request: HttpRequest, project_id: int, connection_id: int) -> tuple[Project, Connection]:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.CONNECTIONS_VIEW)
    return project, selectors.connection_get(
        user=user, connection_id=connection_id, project=project
    )


@login_required
def result(request: HttpRequest, project_id: int, connection_id: int) -> HttpResponse:
    """The wizard's last page: connected at once, or request sent."""
    project, connection = _get(request, project_id, connection_id)
    context = {"project": project, "tab": "connections", "connection": connection}
    return render(request, "connections/result.html", context)


@login_required
def detail(request: HttpRequest, project_id: int, connection_id: int) -> HttpResponse:
    """One connection: state, actions, review, quick undo, sync status, history."""
    project, connection = _get(request, project_id, connection_id)
    deadline = selectors.undo_deadline(connection)
    seconds_left = int((deadline - timezone.now()).total_seconds()) if deadline else 0
    context = {
        "project": project,
        "tab": "connections",
        "connection": connection,
        "side": _side(connection, project),
        "actions": _actions(request_user(request), connection),
        "undo_seconds_left": max(0, seconds_left),
        "events": selectors.events_of(connection=connection)[:200],
        "status": sync_status(connection),
        "max_reason": MAX_REASON,
    }
    return render(request, "connections/detail.html", context)


@login_required
@require_safe
def sync_box(request: HttpRequest, project_id: int, connection_id: int) -> HttpResponse:
    """The connection's sync status box, polled by the page while a copy is running."""
    project, connection = _get(request, project_id, connection_id)
    context = {"project": project, "connection": connection, "status": sync_status(connection)}
    return render(request, "connections/_sync.html", context)


def _back(project: Project, connection: Connection) -> HttpResponse:
    return redirect("connections:detail", project_id=project.pk, connection_id=connection.pk)


def _act(
    request: HttpRequest,
    project_id: int,
    connection_id: int,
    move: selectors.Move,
    do: Callable[[User, Connection, Side], Connection],
    done: Callable[[Connection], str],
) -> HttpResponse:
    """Make one move; a refusal by a rule or state shows as a message on the page."""
    project, connection = _get(request, project_id, connection_id)
    user = request_user(request)
    try:
        side = selectors.acting_side(
            user=user, connection=connection, move=move, side=request.POST.get("side") or None
        )
        after = do(user, connection, side)
    except (NotFound, Forbidden):
        raise  # not a message on the page: the error page (or 404) says it
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done(after))
    return _back(project, connection)


@login_required
@require_POST
def approve(request: HttpRequest, project_id: int, connection_id: int) -> HttpResponse:
    return _act(
        request,
        project_id,
        connection_id,
        selectors.Move.APPROVE,
        lambda user, connection, _: services.connection_approve(user=user, connection=connection),
        lambda _: "Approved: the projects are connected.",
    )


@login_required
@require_POST
def reject(request: HttpRequest, project_id: int, connection_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        project_id,
        connection_id,
        selectors.Move.REJECT,
        lambda user, connection, _: services.connection_reject(
            user=user, connection=connection, reason=reason
        ),
        lambda _: "Request rejected.",
    )


@login_required
@require_POST
def cancel(request: HttpRequest, project_id: int, connection_id: int) -> HttpResponse:
    return _act(
        request,
        project_id,
        connection_id,
        selectors.Move.CANCEL,
        lambda user, connection, _: services.connection_cancel(user=user, connection=connection),
        lambda _: "Request cancelled.",
    )


@login_required
@require_POST
def undo(request: HttpRequest, project_id: int, connection_id: int) -> HttpResponse:
    return _act(
        request,
        project_id,
        connection_id,
        selectors.Move.UNDO,
        lambda user, connection, side: services.connection_undo(
            user=user, connection=connection, side=side
        ),
        lambda after: (
            "Approval undone: the request is pending again."
            if after.state == State.PENDING
            else "Connection undone."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def disconnect(request: HttpRequest, project_id: int, connection_id: int) -> HttpResponse:
    project, connection = _get(request, project_id, connection_id)
    user = request_user(request)
    if request.method == "GET" and connection.state != State.CONNECTED:
        return _back(project, connection)
    side = selectors.acting_side(user=user, connection=connection, move=selectors.Move.DISCONNECT)
    error = None
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            services.connection_disconnect(
                user=user,
                connection=connection,
                side=side,
                reason=reason,
                acknowledged=request.POST.get("acknowledged") == "on",
            )
        except (NotFound, Forbidden):
            raise
        except ServiceError as exc:
            error = exc.detail
        else:
            messages.success(request, "Disconnected. The reason is kept in the history.")
            return _back(project, connection)
    context = {
        "project": project,
        "tab": "connections",
        "connection": connection,
        "error": error,
        "reason": reason,
        "max_reason": MAX_REASON,
    }
    return render(request, "connections/disconnect.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def list_settings(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project's Connection Manager distribution list and drawings notification list."""
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.CONNECTIONS_SETTINGS)
    error, status = None, 200
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in ListKind.values:
            raise NotFound("No such list.")
        try:
            choice = list_choice(
                mode=request.POST.get("mode", ListMode.ALL),
                user_ids=request.POST.getlist("users"),
            )
            distribution_list_update(
                project=project, kind=kind, mode=choice.mode, users=choice.users
            )
        except ServiceError as exc:
            error, status = exc.detail, exc.status
        else:
            messages.success(request, f"{ListKind(kind).label} saved.")
            return redirect("connections:settings", project_id=project.pk)
    boxes = []
    for kind in ListKind:
        setting = lists.list_setting(project=project, kind=kind)
        boxes.append(
            {
                "kind": kind,
                "mode": setting.mode if setting else ListMode.ALL,
                "chosen": {u.pk for u in setting.users.all()} if setting else set(),
                "candidates": list(
                    lists.list_candidates(project=project, kind=kind)[:MAX_LIST_USERS]
                ),
                "recipients": lists.list_members(project=project, kind=kind),
            }
        )
    context = {"project": project, "tab": "connections", "boxes": boxes, "error": error}
    return render(request, "connections/settings.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def company_settings(request: HttpRequest) -> HttpResponse:
    """The company's approval setting (company admins change it; others may read it)."""
    user = request_user(request)
    can_edit = can_in_company(user, user.company_id, Action.COMPANY_SETTINGS)
    if request.method == "POST":
        if not can_edit:
            raise Forbidden("Only company admins can change the approval setting.")
        mode = request.POST.get("approval_mode", "")
        if mode not in ApprovalMode.values:
            raise ServiceError("Choose an approval setting.", code="invalid")
        services.company_setting_update(user=user, company=user.company, approval_mode=mode)
        messages.success(request, "Approval setting saved.")
        return redirect("company_settings")
    context = {
        "company": user.company,
        "mode": services.approval_mode_of(user.company),
        "modes": ApprovalMode.choices,
        "can_edit": can_edit,
    }
    return render(request, "connections/company_settings.html", context)
