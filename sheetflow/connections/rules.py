"""The rules of SPEC §3.1, each refusing with an error whose ``code`` names it."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from sheetflow.common.errors import Conflict, ServiceError
from sheetflow.connections.models import LIVE_STATES, Connection, State
from sheetflow.drawings.selectors import revision_count
from sheetflow.projects.models import Project


def check_self_connection(upstream: Project, downstream: Project) -> None:
    if upstream.pk == downstream.pk:
        raise ServiceError("A project cannot connect to itself.", code="self_connection")


def _check_active(project: Project) -> None:
    if not project.is_active:
        raise ServiceError(
            f"{project} is inactive: both projects must be active to connect.",
            code="inactive_project",
        )


def check_active(upstream: Project, downstream: Project) -> None:
    for project in (upstream, downstream):
        _check_active(project)


def check_never_disconnected(downstream: Project) -> None:
    if Connection.objects.filter(downstream=downstream, state=State.DISCONNECTED).exists():
        raise ServiceError(
            f"{downstream} was disconnected from its upstream and can never connect again.",
            code="was_disconnected",
        )


def check_no_upstream_yet(downstream: Project, *, exclude: int | None = None) -> None:
    live = Connection.objects.filter(downstream=downstream, state__in=LIVE_STATES)
    if exclude:
        live = live.exclude(pk=exclude)
    if live.exists():
        raise Conflict(
            f"{downstream} already has an upstream project (or a pending request): "
            "a downstream project connects to one upstream only.",
            code="already_has_upstream",
        )


def check_no_chaining(
    upstream: Project, downstream: Project, *, exclude: int | None = None
) -> None:
    _check_not_downstream(upstream, exclude=exclude)
    _check_no_downstreams(downstream, exclude=exclude)


def _live(exclude: int | None) -> QuerySet[Connection]:
    live = Connection.objects.filter(state__in=LIVE_STATES)
    return live.exclude(pk=exclude) if exclude else live


def _check_not_downstream(upstream: Project, *, exclude: int | None = None) -> None:
    if _live(exclude).filter(downstream=upstream).exists():
        raise ServiceError(
            f"{upstream} is itself downstream of another project, so it cannot be an upstream "
            "(no chaining).",
            code="no_chaining",
        )


def _check_no_downstreams(downstream: Project, *, exclude: int | None = None) -> None:
    if _live(exclude).filter(upstream=downstream).exists():
        raise ServiceError(
            f"{downstream} has downstream projects of its own, so it cannot become a downstream "
            "(no chaining).",
            code="no_chaining",
        )


def _check_revisions(project: Project) -> None:
    limit = settings.CONNECTION_MAX_REVISIONS
    if revision_count(project=project) > limit:
        raise ServiceError(
            f"{project} has more than {limit:,} drawing revisions and cannot be connected.",
            code="too_many_revisions",
        )


def check_revision_limit(upstream: Project, downstream: Project) -> None:
    for project in (upstream, downstream):
        _check_revisions(project)


def check_request(upstream: Project, downstream: Project) -> None:
    """Every rule a new request must pass, cheapest first."""
    check_self_connection(upstream, downstream)
    check_active(upstream, downstream)
    check_never_disconnected(downstream)
    check_no_upstream_yet(downstream)
    check_no_chaining(upstream, downstream)
    check_revision_limit(upstream, downstream)


def check_approval(connection: Connection) -> None:
    """The rules that can have changed while a request was pending."""
    upstream, downstream = connection.upstream, connection.downstream
    check_active(upstream, downstream)
    check_no_chaining(upstream, downstream, exclude=connection.pk)
    check_revision_limit(upstream, downstream)


def check_downstream_side(downstream: Project) -> None:
    """The rules about the requesting project alone (whatever upstream it would pick)."""
    _check_active(downstream)
    check_never_disconnected(downstream)
    check_no_upstream_yet(downstream)
    _check_no_downstreams(downstream)
    _check_revisions(downstream)


def downstream_blocker(downstream: Project) -> str | None:
    """Why this project cannot request an upstream at all, or None."""
    try:
        check_downstream_side(downstream)
    except ServiceError as exc:
        return exc.detail
    return None


def connectable(candidates: QuerySet[Project], downstream: Project, *, limit: int) -> list[Project]:
    """The candidates an upstream request from ``downstream`` would pass the rules with.

    The upstream side of ``check_request`` (not itself, active, not downstream of another,
    within the revision limit), the first three in the query; at most ``limit`` are looked at.
    """
    is_downstream = Exists(
        Connection.objects.filter(downstream=OuterRef("pk"), state__in=LIVE_STATES)
    )
    kept = candidates.filter(is_active=True).exclude(pk=downstream.pk).exclude(is_downstream)
    most = settings.CONNECTION_MAX_REVISIONS
    return [p for p in kept[:limit] if revision_count(project=p) <= most]


CONSIDERATIONS = [
    "Drawings flow one way only: published drawings of the upstream project are copied into "
    "your project, unpublished, for your drawings admins to review and publish.",
    "A project cannot connect to itself, and both projects must be active.",
    "Your project can have only one upstream project.",
    "No chaining: a project that is downstream of another cannot be an upstream, and a project "
    "with downstream projects cannot become a downstream.",
    "Disconnecting is permanent: a project that has been disconnected can never connect again, "
    "to the same or another upstream.",
    "Projects with more than {limit} drawing revisions cannot be connected.",
    "The upstream company may connect you at once or review your request first; for 5 minutes "
    "after connecting you can undo it.",
    "People on both projects' Connection Manager distribution lists are notified.",
    "The upstream's Connection Manager admins see, for each copy of their revisions, when your "
    "project received it, whether and when it was published and by whom; they never see your "
    "project's own drawings or anything not copied from their project.",
]


def considerations() -> list[str]:
    limit = f"{settings.CONNECTION_MAX_REVISIONS:,}"
    return [text.replace("{limit}", limit) for text in CONSIDERATIONS]
