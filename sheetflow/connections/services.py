"""The connection lifecycle: one service per transition, and the company approval setting."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sheetflow.accounts.models import Company, User
from sheetflow.common.errors import Conflict, ServiceError
from sheetflow.connections import rules
from sheetflow.connections.engine import lifecycle
from sheetflow.connections.models import (
    MAX_REASON,
    ApprovalMode,
    CompanyConnectionSetting,
    Connection,
    ConnectionEvent,
    EventKind,
    Side,
    State,
)
from sheetflow.connections.notices import announce, confirm_to_requester
from sheetflow.connections.selectors import undo_deadline
from sheetflow.projects.models import Project


def approval_mode_of(company: Company) -> ApprovalMode:
    """The company's approval setting (auto-approve unless it chose review)."""
    setting = CompanyConnectionSetting.objects.filter(company=company).first()
    return ApprovalMode(setting.approval_mode) if setting else ApprovalMode.AUTO


def company_setting_update(
    *, user: User, company: Company, approval_mode: ApprovalMode | str
) -> CompanyConnectionSetting:
    """Choose auto-approve or review for requests to the company's projects.

    Needs ``company.settings`` in the company, checked by the caller.
    """
    with transaction.atomic():
        setting, _ = CompanyConnectionSetting.objects.select_for_update().get_or_create(
            company=company
        )
        setting.approval_mode = ApprovalMode(approval_mode)
        setting.updated_by = user
        setting.updated_at = timezone.now()
        setting.save()
    return setting


def _locked(connection: Connection) -> Connection:
    """Re-read the connection under a row lock, with fresh projects."""
    locked = (
        # Only the connection row: locking the joined projects and companies too would take
        # them in join order and deadlock with other transactions' foreign-key checks.
        Connection.objects.select_for_update(of=("self",))
        .select_related("upstream__company", "downstream__company")
        .get(pk=connection.pk)
    )
    return locked


def _record(
    connection: Connection, kind: EventKind, actor: User | None, **details: object
) -> ConnectionEvent:
    return ConnectionEvent.objects.create(
        connection=connection, kind=kind, actor=actor, details=details
    )


def _expect(connection: Connection, state: State, verb: str) -> None:
    if connection.state != state:
        raise Conflict(
            f"This connection is {connection.get_state_display().lower()}; only a "
            f"{State(state).label.lower()} connection can be {verb}.",
            code=f"not_{state}",
        )


def connection_request(*, user: User, downstream: Project, upstream: Project) -> Connection:
    """Ask to connect `downstream` to `upstream`; connected at once if upstream auto-approves.

    Needs the pair from ``selectors.connection_pair_get`` for `user`. The §3.1 rules are
    checked here, under locks, because they depend on other connections.
    """
    with transaction.atomic():
        # Lock both projects in id order: concurrent requests and approvals touching either
        # project queue here, so the chaining rules see each other's results.
        locked = {
            p.pk: p
            for p in Project.objects.select_for_update(of=("self",))
            .select_related("company")
            .filter(pk__in=[upstream.pk, downstream.pk])
            .order_by("pk")
        }
        upstream, downstream = locked[upstream.pk], locked[downstream.pk]
        rules.check_request(upstream, downstream)
        auto = approval_mode_of(upstream.company) == ApprovalMode.AUTO
        now = timezone.now()
        try:
            with transaction.atomic():
                connection = Connection.objects.create(
                    upstream=upstream,
                    downstream=downstream,
                    state=State.CONNECTED if auto else State.PENDING,
                    requested_by=user,
                    requested_at=now,
                    decided_at=now if auto else None,
                    connected_at=now if auto else None,
                    auto_approved=auto,
                )
        except IntegrityError as exc:
            # The partial unique index caught a concurrent request for the same downstream.
            raise Conflict(
                f"{downstream} already has an upstream project (or a pending request).",
                code="already_has_upstream",
            ) from exc
        _record(connection, EventKind.REQUESTED, user)
        if auto:
            _record(connection, EventKind.AUTO_APPROVED, None)
            lifecycle.start(connection)
            announce(connection, "connection_created", actor=user)
        else:
            announce(connection, "connection_requested", actor=user, sides=("upstream",))
            confirm_to_requester(connection, user)
    return connection


def connection_approve(*, user: User, connection: Connection) -> Connection:
    """Approve a pending request.

    Needs ``Move.APPROVE``, checked by the caller (``selectors.acting_side``).
    """
    with transaction.atomic():
        Project.objects.select_for_update().filter(
            pk__in=[connection.upstream_id, connection.downstream_id]
        ).order_by("pk").exists()
        connection = _locked(connection)
        _expect(connection, State.PENDING, "approved")
        rules.check_approval(connection)
        now = timezone.now()
        connection.state = State.CONNECTED
        connection.decided_by, connection.decided_at, connection.connected_at = user, now, now
        connection.save(update_fields=["state", "decided_by", "decided_at", "connected_at"])
        _record(connection, EventKind.APPROVED, user)
        lifecycle.start(connection)
        announce(connection, "connection_created", actor=user)
    return connection


def _reason(reason: str) -> str:
    """A reason as kept in the history: the same limit whether a page or the API sent it."""
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ServiceError(
            f"Keep the reason under {MAX_REASON:,} characters.", code="reason_too_long"
        )
    return reason


def connection_reject(*, user: User, connection: Connection, reason: str = "") -> Connection:
    """Reject a pending request; it may be asked again.

    Needs ``Move.REJECT``, checked by the caller (``selectors.acting_side``).
    """
    reason = _reason(reason)
    with transaction.atomic():
        connection = _locked(connection)
        _expect(connection, State.PENDING, "rejected")
        now = timezone.now()
        connection.state = State.REJECTED
        connection.decided_by, connection.decided_at, connection.ended_at = user, now, now
        connection.save(update_fields=["state", "decided_by", "decided_at", "ended_at"])
        _record(connection, EventKind.REJECTED, user, reason=reason)
        announce(
            connection,
            "connection_rejected",
            actor=user,
            sides=("downstream",),
            reason=reason,
        )
    return connection


def connection_cancel(*, user: User, connection: Connection) -> Connection:
    """Withdraw a pending request.

    Needs ``Move.CANCEL``, checked by the caller (``selectors.acting_side``).
    """
    with transaction.atomic():
        connection = _locked(connection)
        _expect(connection, State.PENDING, "cancelled")
        connection.state = State.CANCELLED
        connection.ended_at = timezone.now()
        connection.save(update_fields=["state", "ended_at"])
        _record(connection, EventKind.CANCELLED, user)
        announce(connection, "connection_cancelled", actor=user)
    return connection


def connection_undo(*, user: User, connection: Connection, side: Side) -> Connection:
    """Quick undo within the window: the downstream undoes the connection; the upstream undoes
    its approval (back to pending; not after an auto-approval).

    Needs ``Move.UNDO`` from `side`, checked by the caller (``selectors.acting_side``).
    """
    with transaction.atomic():
        connection = _locked(connection)
        _expect(connection, State.CONNECTED, "undone")
        deadline = undo_deadline(connection)
        if deadline is None or timezone.now() > deadline:
            minutes = settings.CONNECTION_UNDO_SECONDS // 60
            raise Conflict(
                f"The {minutes}-minute undo window has passed; disconnect instead.",
                code="undo_window_passed",
            )
        if side == "upstream":
            if connection.auto_approved:
                raise Conflict(
                    "This connection was approved automatically, so there is no approval to "
                    "undo; the downstream can undo it, or either side can disconnect.",
                    code="auto_approved",
                )
            connection.state = State.PENDING
            connection.decided_by = connection.decided_at = connection.connected_at = None
            connection.save(update_fields=["state", "decided_by", "decided_at", "connected_at"])
            _record(connection, EventKind.APPROVAL_UNDONE, user)
            lifecycle.remove_unpublished_copies(connection)
            announce(connection, "connection_approval_undone", actor=user)
        else:
            connection.state = State.UNDONE
            connection.ended_at = timezone.now()
            connection.save(update_fields=["state", "ended_at"])
            _record(connection, EventKind.UNDONE, user)
            lifecycle.remove_unpublished_copies(connection)
            announce(connection, "connection_undone", actor=user)
    return connection


def connection_disconnect(
    *, user: User, connection: Connection, side: Side, reason: str, acknowledged: bool
) -> Connection:
    """Disconnect for good: copies stay, nothing new is copied.

    Needs ``Move.DISCONNECT`` from `side`, checked by the caller (``selectors.acting_side``).
    """
    if not acknowledged:
        raise ServiceError(
            "Tick the box to acknowledge that disconnecting is permanent.",
            code="acknowledgement_required",
        )
    reason = _reason(reason)
    if not reason:
        raise ServiceError("Give a reason for disconnecting.", code="reason_required")
    with transaction.atomic():
        connection = _locked(connection)
        _expect(connection, State.CONNECTED, "disconnected")
        now = timezone.now()
        connection.state = State.DISCONNECTED
        connection.disconnected_by, connection.disconnected_at = user, now
        connection.disconnect_reason, connection.ended_at = reason, now
        connection.save(
            update_fields=[
                "state",
                "disconnected_by",
                "disconnected_at",
                "disconnect_reason",
                "ended_at",
            ]
        )
        _record(connection, EventKind.DISCONNECTED, user, reason=reason, side=side)
        lifecycle.release_copies(connection)
        announce(connection, "connection_disconnected", actor=user, reason=reason, by_side=side)
    return connection
