"""API: connections, their history, distribution lists and the company approval setting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from sheetflow.accounts.api import CompanyOut, UserOut
from sheetflow.accounts.authed import request_user
from sheetflow.accounts.models import Company, User
from sheetflow.common.api import Pagination, errors
from sheetflow.common.errors import Forbidden, Invalid, NotFound
from sheetflow.common.request import MAX_ID
from sheetflow.connections import selectors, services
from sheetflow.connections.engine.status import sync_status
from sheetflow.connections.models import MAX_REASON, Connection, Side, State
from sheetflow.notifications import selectors as lists
from sheetflow.notifications.list_choice import list_choice
from sheetflow.notifications.models import MAX_LIST_USERS, ListKind, ListMode
from sheetflow.notifications.services import distribution_list_update
from sheetflow.projects.models import Project
from sheetflow.projects.permissions import Action, can_in_company, project_get

router = Router(tags=["connections"])


class ProjectRef(Schema):
    id: int
    name: str
    code: str
    is_active: bool
    company: CompanyOut


class PersonRef(Schema):
    id: int
    full_name: str
    company: CompanyOut


class SyncOut(Schema):
    synced_seq: int
    initial_total: int
    initial_copied: int
    initial_done_at: datetime | None
    last_synced_at: datetime | None
    last_error: str
    last_error_at: datetime | None
    failing_since: datetime | None
    behind_changes: int = Field(description="Upstream changes not yet applied here")
    behind_seconds: float = Field(description="Seconds since this connection was last caught up")


class SyncRunOut(Schema):
    id: int
    kind: str
    started_at: datetime
    finished_at: datetime | None
    applied: int
    from_seq: int
    to_seq: int
    ok: bool | None
    error: str


class ConnectionOut(Schema):
    id: int
    upstream: ProjectRef
    downstream: ProjectRef
    state: str
    auto_approved: bool
    requested_by: PersonRef | None
    requested_at: datetime
    decided_by: PersonRef | None
    decided_at: datetime | None
    connected_at: datetime | None
    undo_until: datetime | None
    disconnected_by: PersonRef | None
    disconnected_at: datetime | None
    disconnect_reason: str
    ended_at: datetime | None
    sync: SyncOut

    @staticmethod
    def resolve_undo_until(obj: Connection) -> datetime | None:
        return selectors.undo_deadline(obj)

    @staticmethod
    def resolve_sync(obj: Connection) -> SyncOut:
        status = sync_status(obj, with_runs=False)
        return SyncOut(
            synced_seq=obj.synced_seq,
            initial_total=obj.initial_total,
            initial_copied=obj.initial_copied,
            initial_done_at=obj.initial_done_at,
            last_synced_at=obj.last_synced_at,
            last_error=obj.last_error,
            last_error_at=obj.last_error_at,
            failing_since=obj.failing_since,
            behind_changes=status.behind_changes,
            behind_seconds=status.behind_seconds,
        )


class ProjectConnectionsOut(Schema):
    upstream: ConnectionOut | None
    downstreams: list[ConnectionOut]
    requests: list[ConnectionOut]
    past: list[ConnectionOut]


class EventOut(Schema):
    id: int
    kind: str
    actor: PersonRef | None
    at: datetime
    details: dict[str, object]


class RequestIn(Schema):
    upstream_id: int = Field(ge=1, le=MAX_ID)


class RejectIn(Schema):
    reason: str = Field("", max_length=MAX_REASON)


class UndoIn(Schema):
    side: Literal["downstream", "upstream"] | None = Field(
        None, description="Which side undoes; by default the downstream if you are its admin."
    )


class DisconnectIn(Schema):
    reason: str = Field(min_length=1, max_length=MAX_REASON)
    acknowledged: bool = Field(description="Must be true: disconnecting is permanent.")


class ListOut(Schema):
    kind: Literal["connection", "drawings"]
    mode: Literal["all", "specific"]
    chosen: list[UserOut]
    recipients: list[UserOut]
    candidates: list[UserOut]


class ListIn(Schema):
    mode: Literal["all", "specific"]
    user_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=MAX_LIST_USERS
    )


class ListsIn(Schema):
    connection: ListIn | None = None
    drawings: ListIn | None = None


class CompanySettingOut(Schema):
    company_id: int
    approval_mode: Literal["auto", "review"]


class CompanySettingIn(Schema):
    approval_mode: Literal["auto", "review"]


def _connection(request: HttpRequest, connection_id: int) -> Connection:
    return selectors.connection_get(user=request_user(request), connection_id=connection_id)


@router.get(
    "/projects/{project_id}/connections",
    response={200: ProjectConnectionsOut, **errors(401, 403, 404, 422)},
)
def project_connections(request: HttpRequest, project_id: int) -> object:
    """The project's upstream, its downstream projects, requests to review, ended ones."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.CONNECTIONS_VIEW
    )
    return selectors.connections_of(project=project)


@router.get(
    "/projects/{project_id}/downstream-connections",
    response={200: list[ConnectionOut], **errors(401, 403, 404, 422)},
)
@paginate(Pagination)
def downstream_connections(
    request: HttpRequest,
    project_id: int,
    state: str | None = None,
) -> object:
    """Every connection with this project as upstream, newest first (optionally one state:
    pending, connected, rejected, cancelled, undone or disconnected)."""
    if state is not None and state not in State.values:
        raise Invalid(f"state: must be one of {', '.join(State.values)}")
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.CONNECTIONS_VIEW
    )
    qs = selectors.connections_queryset(project=project).filter(upstream=project)
    return qs.filter(state=state) if state else qs


@router.get(
    "/projects/{project_id}/connectable-upstreams",
    response={200: list[ProjectRef], **errors(401, 403, 404, 422)},
)
@paginate(Pagination)
def connectable_upstreams(request: HttpRequest, project_id: int) -> object:
    """Projects this project may be connected to by you (the wizard's picker)."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.CONNECTIONS_CONNECT
    )
    return selectors.connectable_upstreams(user=request_user(request), downstream=project)


@router.post(
    "/projects/{project_id}/connections",
    response={201: ConnectionOut, **errors(400, 401, 403, 404, 409, 422)},
)
def connection_request(request: HttpRequest, project_id: int, payload: RequestIn) -> object:
    """Connect this (downstream) project to an upstream: connected at once or pending review."""
    user = request_user(request)
    downstream, upstream = selectors.connection_pair_get(
        user=user, downstream_id=project_id, upstream_id=payload.upstream_id
    )
    connection = services.connection_request(user=user, downstream=downstream, upstream=upstream)
    return Status(201, selectors.connection_get(user=user, connection_id=connection.pk))


@router.get(
    "/connections/{connection_id}", response={200: ConnectionOut, **errors(401, 403, 404, 422)}
)
def connection_detail(request: HttpRequest, connection_id: int) -> object:
    """One connection, seen from either side."""
    return _connection(request, connection_id)


def _move(
    request: HttpRequest,
    connection_id: int,
    move: selectors.Move,
    do: Callable[[User, Connection, Side], Connection],
    side: str | None = None,
) -> Connection:
    """Make one move on a connection the caller sees, from a side they may act on."""
    user = request_user(request)
    connection = selectors.connection_get(user=user, connection_id=connection_id)
    acting = selectors.acting_side(user=user, connection=connection, move=move, side=side)
    done = do(user, connection, acting)
    return selectors.connection_get(user=user, connection_id=done.pk)


TRANSITION_ERRORS = errors(400, 401, 403, 404, 409, 422)


@router.post(
    "/connections/{connection_id}/approve", response={200: ConnectionOut, **TRANSITION_ERRORS}
)
def connection_approve(request: HttpRequest, connection_id: int) -> object:
    """Approve a pending request (upstream Connection Manager admin)."""
    return _move(
        request,
        connection_id,
        selectors.Move.APPROVE,
        lambda user, connection, _: services.connection_approve(user=user, connection=connection),
    )


@router.post(
    "/connections/{connection_id}/reject", response={200: ConnectionOut, **TRANSITION_ERRORS}
)
def connection_reject(request: HttpRequest, connection_id: int, payload: RejectIn) -> object:
    """Reject a pending request (upstream Connection Manager admin)."""
    return _move(
        request,
        connection_id,
        selectors.Move.REJECT,
        lambda user, connection, _: services.connection_reject(
            user=user, connection=connection, reason=payload.reason
        ),
    )


@router.post(
    "/connections/{connection_id}/cancel", response={200: ConnectionOut, **TRANSITION_ERRORS}
)
def connection_cancel(request: HttpRequest, connection_id: int) -> object:
    """Withdraw your pending request (downstream Connection Manager admin)."""
    return _move(
        request,
        connection_id,
        selectors.Move.CANCEL,
        lambda user, connection, _: services.connection_cancel(user=user, connection=connection),
    )


@router.post(
    "/connections/{connection_id}/undo", response={200: ConnectionOut, **TRANSITION_ERRORS}
)
def connection_undo(
    request: HttpRequest, connection_id: int, payload: UndoIn | None = None
) -> object:
    """Quick undo within 5 minutes of connecting (downstream: undone; upstream: back to pending)."""
    return _move(
        request,
        connection_id,
        selectors.Move.UNDO,
        lambda user, connection, side: services.connection_undo(
            user=user, connection=connection, side=side
        ),
        side=payload.side if payload else None,
    )


@router.post(
    "/connections/{connection_id}/disconnect", response={200: ConnectionOut, **TRANSITION_ERRORS}
)
def connection_disconnect(
    request: HttpRequest, connection_id: int, payload: DisconnectIn
) -> object:
    """Disconnect for good, with a reason (admin on either side)."""
    return _move(
        request,
        connection_id,
        selectors.Move.DISCONNECT,
        lambda user, connection, side: services.connection_disconnect(
            user=user,
            connection=connection,
            side=side,
            reason=payload.reason,
            acknowledged=payload.acknowledged,
        ),
    )


@router.get(
    "/connections/{connection_id}/sync-runs",
    response={200: list[SyncRunOut], **errors(401, 403, 404, 422)},
)
@paginate(Pagination)
def connection_sync_runs(request: HttpRequest, connection_id: int) -> object:
    """The connection's sync runs, newest first, with what each applied."""
    return _connection(request, connection_id).sync_runs.order_by("-pk")


@router.get(
    "/connections/{connection_id}/events",
    response={200: list[EventOut], **errors(401, 403, 404, 422)},
)
@paginate(Pagination)
def connection_events(request: HttpRequest, connection_id: int) -> object:
    """The connection's history, oldest first."""
    return selectors.events_of(connection=_connection(request, connection_id))


def _list_out(project: Project, kind: ListKind) -> dict[str, object]:
    setting = lists.list_setting(project=project, kind=kind)
    return {
        "kind": kind.value,
        "mode": setting.mode if setting else ListMode.ALL.value,
        "chosen": list(setting.users.select_related("company")) if setting else [],
        "recipients": lists.list_members(project=project, kind=kind),
        "candidates": list(lists.list_candidates(project=project, kind=kind)[:MAX_LIST_USERS]),
    }


@router.get(
    "/projects/{project_id}/distribution-lists",
    response={200: list[ListOut], **errors(401, 403, 404, 422)},
)
def distribution_lists(request: HttpRequest, project_id: int) -> object:
    """Who hears about connection events and about new drawings from upstream."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.CONNECTIONS_SETTINGS
    )
    return [_list_out(project, ListKind.CONNECTION), _list_out(project, ListKind.DRAWINGS)]


@router.put(
    "/projects/{project_id}/distribution-lists",
    response={200: list[ListOut], **errors(400, 401, 403, 404, 422)},
)
def distribution_lists_update(request: HttpRequest, project_id: int, payload: ListsIn) -> object:
    """Set either list to all admins or to specific (eligible) users."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.CONNECTIONS_SETTINGS
    )
    for kind, data in (
        (ListKind.CONNECTION, payload.connection),
        (ListKind.DRAWINGS, payload.drawings),
    ):
        if data is not None:
            choice = list_choice(mode=data.mode, user_ids=data.user_ids)
            distribution_list_update(
                project=project, kind=kind, mode=choice.mode, users=choice.users
            )
    return [_list_out(project, ListKind.CONNECTION), _list_out(project, ListKind.DRAWINGS)]


def _company(request: HttpRequest, company_id: int) -> Company:
    user = request_user(request)
    if user.company_id != company_id:
        raise NotFound("Company not found.")
    return user.company


@router.get(
    "/companies/{company_id}/connection-settings",
    response={200: CompanySettingOut, **errors(401, 404, 422)},
)
def company_settings(request: HttpRequest, company_id: int) -> object:
    """Your company's approval setting for requests to connect to its projects."""
    company = _company(request, company_id)
    mode = services.approval_mode_of(company)
    return CompanySettingOut(company_id=company.pk, approval_mode=mode.value)  # type: ignore[arg-type]


@router.put(
    "/companies/{company_id}/connection-settings",
    response={200: CompanySettingOut, **errors(401, 403, 404, 422)},
)
def company_settings_update(
    request: HttpRequest, company_id: int, payload: CompanySettingIn
) -> object:
    """Auto-approve connection requests (the default) or require review (company admins)."""
    company = _company(request, company_id)
    user = request_user(request)
    if not can_in_company(user, company.pk, Action.COMPANY_SETTINGS):
        raise Forbidden("Only company admins can change the approval setting.")
    setting = services.company_setting_update(
        user=user, company=company, approval_mode=payload.approval_mode
    )
    return CompanySettingOut(company_id=company.pk, approval_mode=setting.approval_mode)  # type: ignore[arg-type]
