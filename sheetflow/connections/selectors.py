"""Reads for connections, always scoped by the acting user."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from sheetflow.accounts.models import Company, User
from sheetflow.common.errors import NotFound
from sheetflow.connections import rules
from sheetflow.connections.models import LIVE_STATES, Connection, ConnectionEvent, State
from sheetflow.connections.services import can_view_connection
from sheetflow.drawings.models import ProjectSequence
from sheetflow.projects.models import Level, Project, ProjectMember
from sheetflow.projects.permissions import Action, can, remember_memberships

MAX_PICKER = 200
# A page shows at most this many live connections of one project (pending + connected).
MAX_LIVE = 1000


def _with_projects(qs: QuerySet[Connection]) -> QuerySet[Connection]:
    # The upstream's change head comes along so sync status needs no query per connection.
    head = ProjectSequence.objects.filter(project_id=OuterRef("upstream_id")).values("last_seq")
    return qs.select_related(
        "upstream__company",
        "downstream__company",
        "requested_by",
        "decided_by",
        "disconnected_by",
    ).annotate(upstream_head=Subquery(head))


def connection_get(*, user: User, connection_id: int, project: Project | None = None) -> Connection:
    """A connection the user may see (from either side); 404 for outsiders of both projects.

    With `project`, the connection must have it as one of its two sides.
    """
    qs = _with_projects(Connection.objects.filter(pk=connection_id))
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
        for side in ("upstream", "downstream"):
            other = getattr(conn, side)
            setattr(conn, side, projects.setdefault(other.pk, other))
    remember_memberships(user, projects.values())


def connections_of(*, project: Project, past_limit: int = 50) -> ProjectConnections:
    """The project's upstream, downstreams, requests to review, and ended connections."""
    live = list(
        _with_projects(
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
        _with_projects(
            Connection.objects.filter(Q(upstream=project) | Q(downstream=project)).exclude(
                state__in=LIVE_STATES
            )
        ).order_by("-ended_at", "-pk")[:past_limit]
    )
    return result


def connections_queryset(*, project: Project) -> QuerySet[Connection]:
    """Every connection of a project, either side, newest first (for the API list)."""
    return _with_projects(
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
