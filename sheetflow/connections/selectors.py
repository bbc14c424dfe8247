"""Reads for connections, always scoped by the acting user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import groupby

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from sheetflow.accounts.models import Company, User
from sheetflow.common.errors import Forbidden, NotFound, ServiceError
from sheetflow.connections import rules
from sheetflow.connections.models import (
    LIVE_STATES,
    SIDES,
    Connection,
    ConnectionEvent,
    Side,
    State,
)
from sheetflow.drawings.models import ProjectSequence
from sheetflow.projects.models import Level, Project, ProjectMember
from sheetflow.projects.permissions import (
    Action,
    can,
    can_see,
    project_get,
    remember_memberships,
)

MAX_PICKER = 200
# A page shows at most this many live connections of one project (pending + connected).
MAX_LIVE = 1000


def with_projects(qs: QuerySet[Connection]) -> QuerySet[Connection]:
    # The upstream's change head comes along so sync status needs no query per connection.
    head = ProjectSequence.objects.filter(project_id=OuterRef("upstream_id")).values("last_seq")
    return qs.select_related(
        "upstream__company",
        "downstream__company",
        "requested_by",
        "decided_by",
        "disconnected_by",
    ).annotate(upstream_head=Subquery(head))


class Move(StrEnum):
    """What a user may do to an existing connection."""

    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    UNDO = "undo"
    DISCONNECT = "disconnect"


# From which side each move may be made, and the action it needs on that side's project.
# When a user may make a move from both sides, the first one listed is taken.
MOVES: dict[Move, tuple[tuple[Side, Action], ...]] = {
    Move.APPROVE: (("upstream", Action.CONNECTIONS_DECIDE),),
    Move.REJECT: (("upstream", Action.CONNECTIONS_DECIDE),),
    Move.CANCEL: (("downstream", Action.CONNECTIONS_CONNECT),),
    Move.UNDO: (
        ("downstream", Action.CONNECTIONS_CONNECT),
        ("upstream", Action.CONNECTIONS_DECIDE),
    ),
    Move.DISCONNECT: (
        ("downstream", Action.CONNECTIONS_DISCONNECT),
        ("upstream", Action.CONNECTIONS_DISCONNECT),
    ),
}


def can_view_connection(user: User, connection: Connection) -> bool:
    return any(can(user, getattr(connection, side), Action.CONNECTIONS_VIEW) for side in SIDES)


def move_sides(user: User, connection: Connection, move: Move) -> list[Side]:
    """The sides from which this user may make the move (whatever the connection's state)."""
    return [s for s, action in MOVES[move] if can(user, getattr(connection, s), action)]


def acting_side(*, user: User, connection: Connection, move: Move, side: str | None = None) -> Side:
    """The side from which the user makes the move: the one asked for, or the first allowed.

    The connection comes from `connection_get`, so the user sees it: refusals are 403.
    """
    if side is not None and side not in SIDES:
        raise ServiceError("Side must be upstream or downstream.", code="invalid_side")
    allowed = [s for s in move_sides(user, connection, move) if side in (None, s)]
    if not allowed:
        if side is None and len(MOVES[move]) > 1:
            where = "either project's"
        else:
            where = f"the {side or MOVES[move][0][0]} project's"
        raise Forbidden(
            f"You need admin on {where} Connection Manager to do this.",
            code="permission_denied",
        )
    return allowed[0]


def undo_deadline(connection: Connection) -> datetime | None:
    """Until when the connection can be undone (None if it is not connected)."""
    if connection.state != State.CONNECTED or connection.connected_at is None:
        return None
    return connection.connected_at + timedelta(seconds=settings.CONNECTION_UNDO_SECONDS)


def undo_sides(user: User, connection: Connection) -> list[Side]:
    """The sides from which this user could undo the connection right now."""
    deadline = undo_deadline(connection)
    if deadline is None or timezone.now() > deadline:
        return []
    sides = move_sides(user, connection, Move.UNDO)
    # An auto-approval has no approval to undo.
    return [s for s in sides if s == "downstream" or not connection.auto_approved]


def connection_pair_get(
    *, user: User, downstream_id: int, upstream_id: int
) -> tuple[Project, Project]:
    """The (downstream, upstream) pair this user may ask to connect (SPEC §3 step 1).

    404 for a project the user cannot see; 403 without admin on the downstream's Connection
    Manager, or without read access to drawings in both projects.
    """
    downstream = project_get(user=user, project_id=downstream_id)
    if not can(user, downstream, Action.CONNECTIONS_CONNECT):
        raise Forbidden(
            "You need admin on this project's Connection Manager to connect it upstream."
        )
    upstream = Project.objects.select_related("company").filter(pk=upstream_id).first()
    if upstream is None or not can_see(user, upstream):
        raise NotFound("Upstream project not found.")
    for project in (downstream, upstream):
        if not can(user, project, Action.DRAWINGS_VIEW):
            raise Forbidden(
                f"You need at least read-only access to drawings in {project} to connect.",
                code="drawings_access_required",
            )
    return downstream, upstream


def connection_get(*, user: User, connection_id: int, project: Project | None = None) -> Connection:
    """A connection the user may see (from either side); 404 for outsiders of both projects.

    With `project`, the connection must have it as one of its two sides.
    """
    qs = with_projects(Connection.objects.filter(pk=connection_id))
    if project is not None:
        qs = qs.filter(Q(upstream=project) | Q(downstream=project))
    connection = qs.first()
    if connection is None:
        raise NotFound("Connection not found.")
    if can_view_connection(user, connection):
        return connection
    # Without Connection Manager access on either side, even a member of one of the projects
    # gets 404: whether a connection with that id exists is not theirs to learn.
    raise NotFound("Connection not found.")


@dataclass
class ProjectConnections:
    """What a project's Connection Manager shows."""

    upstream: Connection | None = None  # pending or connected, where this project is downstream
    downstreams: list[Connection] = field(default_factory=list)  # connected
    requests: list[Connection] = field(default_factory=list)  # pending, awaiting our review
    past: list[Connection] = field(default_factory=list)  # ended, either side, latest first


def prime_permissions(*, user: User, connections: list[Connection], project: Project) -> None:
    """Share one project object per side and load the viewer's memberships in one query,
    so permission checks on a list of connections ask no query per row."""
    projects: dict[int, Project] = {project.pk: project}
    for conn in connections:
        for side in SIDES:
            other = getattr(conn, side)
            setattr(conn, side, projects.setdefault(other.pk, other))
    remember_memberships(user, projects.values())


def connections_of(*, project: Project, past_limit: int = 50) -> ProjectConnections:
    """The project's upstream, downstreams, requests to review, and ended connections."""
    live = list(
        with_projects(
            Connection.objects.filter(
                Q(upstream=project) | Q(downstream=project), state__in=LIVE_STATES
            )
        ).order_by("-requested_at", "-pk")[:MAX_LIVE]
    )
    result = ProjectConnections()
    for conn in live:
        if conn.downstream_id == project.pk:
            result.upstream = conn
        elif conn.state == State.CONNECTED:
            result.downstreams.append(conn)
        else:
            result.requests.append(conn)
    result.past = list(
        with_projects(
            Connection.objects.filter(Q(upstream=project) | Q(downstream=project)).exclude(
                state__in=LIVE_STATES
            )
        ).order_by("-ended_at", "-pk")[:past_limit]
    )
    return result


def connections_queryset(*, project: Project) -> QuerySet[Connection]:
    """Every connection of a project, either side, newest first (for the API list)."""
    return with_projects(
        Connection.objects.filter(Q(upstream=project) | Q(downstream=project))
    ).order_by("-requested_at", "-pk")


def events_of(*, connection: Connection) -> QuerySet[ConnectionEvent]:
    return ConnectionEvent.objects.filter(connection=connection).select_related(
        "actor", "actor__company"
    )


def connectable_upstreams(*, user: User, downstream: Project) -> list[Project]:
    """Projects the user may connect `downstream` to (empty if it cannot connect at all)."""
    if not can(user, downstream, Action.CONNECTIONS_CONNECT) or not can(
        user, downstream, Action.DRAWINGS_VIEW
    ):
        return []
    if rules.downstream_blocker(downstream) is not None:
        return []
    readable = Exists(
        ProjectMember.objects.filter(
            project=OuterRef("pk"), user=user, drawings__gte=Level.READ_ONLY
        )
    )
    admin_of = Q(company_id=user.company_id) if user.is_company_admin else Q(pk__in=[])
    candidates = (
        Project.objects.filter(admin_of | Q(readable))
        .select_related("company")
        .order_by("company__name", "name", "pk")
    )
    return rules.connectable(candidates, downstream, limit=MAX_PICKER)


def upstream_choices(
    *, user: User, downstream: Project
) -> list[tuple[Company, bool, list[Project]]]:
    """Connectable upstreams grouped by company, the user's own company first (flagged)."""
    projects = connectable_upstreams(user=user, downstream=downstream)
    if not projects:
        return []
    projects.sort(key=lambda p: (p.company_id != user.company_id, p.company.name, p.name))
    groups = [
        (company, company.pk == user.company_id, list(items))
        for company, items in groupby(projects, lambda p: p.company)
    ]
    if not groups[0][1]:
        # The user's own company is always offered first, even with nothing to pick there.
        groups.insert(0, (user.company, True, []))
    return groups
