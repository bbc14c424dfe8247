"""Reads for the upstream's distribution view: who received each revision, and published it.

Privacy: everything here starts from the upstream's own revisions and joins the downstream
copies of exactly those (by ``upstream_uuid`` inside the connection's downstream project), so
a downstream's own drawings, and copies that came from any other upstream, never appear. Of a
copy only its received time, its published state and time, and who published it are read.
After a disconnect the copies are the downstream's own drawings: only the end is shown.

Every page is one query for its rows, whatever the number of downstreams.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import connection as db
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sheetflow.accounts.models import User
from sheetflow.common.errors import NotFound
from sheetflow.common.request import MAX_ID
from sheetflow.connections.engine.status import sync_status
from sheetflow.connections.models import Connection, State
from sheetflow.drawings.models import Drawing, ProjectSequence, Revision
from sheetflow.projects.models import Project

# Connections whose downstream received copies and that the view lists.
SHOWN_STATES = (State.CONNECTED, State.DISCONNECTED)


class Status:
    PUBLISHED = "published"
    NOT_PUBLISHED = "not_published"
    NOT_RECEIVED = "not_received"
    WITHDRAWN = "withdrawn_upstream"
    DISCONNECTED = "disconnected"


LABELS = {
    Status.PUBLISHED: "Published",
    Status.NOT_PUBLISHED: "Not published",
    Status.NOT_RECEIVED: "Not received yet",
    Status.WITHDRAWN: "Withdrawn upstream",
    Status.DISCONNECTED: "Disconnected",
}

LETTERS = {
    Status.PUBLISHED: "P",
    Status.NOT_PUBLISHED: "U",
    Status.NOT_RECEIVED: "-",
    Status.WITHDRAWN: "W",
    Status.DISCONNECTED: "D",
}


@dataclass(slots=True)
class Cell:
    """One downstream's state for one upstream revision."""

    connection_id: int
    status: str
    received_at: dt.datetime | None = None
    published_at: dt.datetime | None = None
    published_by: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def letter(self) -> str:
        return LETTERS[self.status]


def _when(value: Any) -> dt.datetime | None:
    """A timestamp from raw SQL (SQLite hands back text)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        # SQLite's raw rows are naive; the database keeps UTC.
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    return _parse(str(value))


@lru_cache(maxsize=4096)
def _parse(value: str) -> dt.datetime | None:
    # Copies made by one sync window, or published together, share their timestamps.
    parsed = parse_datetime(value)
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed


def cell_of(
    connection_id: int,
    state: str,
    copy_id: int | None,
    received: Any,
    published: Any,
    published_at: Any,
    withdrawn: Any,
    publisher: str | None,
) -> Cell:
    """The status rule, in one place (pages, API and CSV all use it)."""
    cell = Cell(connection_id=connection_id, status=Status.NOT_RECEIVED)
    if state != State.CONNECTED:
        cell.status = Status.DISCONNECTED
        cell.received_at = _when(received)
        return cell
    if copy_id is None:
        return cell
    cell.received_at = _when(received)
    if withdrawn is not None:
        cell.status = Status.WITHDRAWN
    elif published:
        cell.status = Status.PUBLISHED
        cell.published_at = _when(published_at)
        cell.published_by = publisher or ""
    else:
        cell.status = Status.NOT_PUBLISHED
    return cell


COLUMNS = (
    "id",
    "state",
    "upstream_id",
    "downstream_id",
    "disconnected_at",
    "downstream__id",
    "downstream__name",
    "downstream__code",
    "downstream__is_active",
    "downstream__company__id",
    "downstream__company__name",
)


def downstreams(project: Project) -> list[Connection]:
    """The upstream's listed connections (connected first, then disconnected), one query."""
    head = ProjectSequence.objects.filter(project_id=OuterRef("upstream_id")).values("last_seq")
    # Only the columns the views show: a hundred full rows cost more to read than the cells.
    return list(
        Connection.objects.filter(upstream=project, state__in=SHOWN_STATES)
        .select_related("downstream__company")
        .only(*COLUMNS)
        .annotate(upstream_head=Subquery(head))
        .order_by("state", "downstream__company__name", "downstream__name", "pk")
    )


# ``upstream_uuid IS NOT NULL`` lets the planner use the partial unique index on
# (project, upstream_uuid): one index probe per cell, whatever the downstream's size.
# CROSS JOIN keeps SQLite's loop order (the page's revisions by id first, then the
# connections); PostgreSQL plans it like any inner join.
_CELLS_SQL = """
SELECT r.id, c.id, c.state, cp.id, {received}, cp.is_published, cp.published_at,
       cp.withdrawn_upstream_at, {publisher}
FROM {revision} r
CROSS JOIN {connection} c
LEFT JOIN {revision} cp ON cp.project_id = c.downstream_id AND cp.upstream_uuid = r.uuid
     AND cp.upstream_uuid IS NOT NULL AND cp.deleted_at IS NULL
{people}
WHERE r.id IN ({ids}) AND c.upstream_id = %s AND r.project_id = c.upstream_id
  AND c.state IN ('connected', 'disconnected')
"""


def cells_for(
    project: Project, revision_ids: list[int], *, brief: bool = False
) -> dict[int, dict[int, Cell]]:
    """{upstream revision id: {connection id: cell}} for a page of revisions: one query.

    ``brief`` leaves out the received time and the publisher's name (the matrix page shows
    only the state and the publish time, and thousands of cells are cheaper without them).
    """
    if not revision_ids:
        return {}
    people = f"LEFT JOIN {User._meta.db_table} u ON u.id = cp.published_by_id"
    sql = _CELLS_SQL.format(
        revision=Revision._meta.db_table,
        connection=Connection._meta.db_table,
        received="NULL" if brief else "cp.created_at",
        publisher="NULL" if brief else "u.full_name",
        people="" if brief else people,
        ids=", ".join(["%s"] * len(revision_ids)),
    )
    out: dict[int, dict[int, Cell]] = {rid: {} for rid in revision_ids}
    with db.cursor() as cursor:
        cursor.execute(sql, [*revision_ids, project.pk])
        for rid, cid, state, *rest in cursor.fetchall():
            out[rid][cid] = cell_of(cid, state, *rest)
    return out


@dataclass
class Summary:
    published: int
    total: int


def summary(project: Project, revision: Revision) -> Summary | None:
    """ "Distribution: 7 of 9 published" for one upstream revision (None: nothing to show)."""
    if revision.project_id != project.pk or revision.upstream_uuid is not None:
        return None
    cells = cells_for(project, [revision.pk]).get(revision.pk, {})
    live = [c for c in cells.values() if c.status != Status.DISCONNECTED]
    if not cells:
        return None
    published = sum(1 for c in live if c.status == Status.PUBLISHED)
    return Summary(published=published, total=len(live))


def distributed_revision_get(*, project: Project, revision_id: int) -> Revision:
    """One of the project's own (not copied) live revisions, for its distribution view."""
    revision = (
        Revision.objects.select_related("drawing")
        .filter(
            pk=revision_id, project=project, upstream_uuid__isnull=True, deleted_at__isnull=True
        )
        .first()
    )
    if revision is None:
        raise NotFound("Revision not found.")
    return revision


def downstream_connection_get(*, project: Project, connection_id: int) -> Connection:
    """One of the project's downstream connections shown in its distribution view."""
    conn = (
        Connection.objects.select_related("downstream__company")
        .filter(pk=connection_id, upstream=project, state__in=SHOWN_STATES)
        .first()
    )
    if conn is None:
        raise NotFound("Connection not found.")
    return conn


def revision_rows(project: Project, revision: Revision) -> list[tuple[Connection, Cell]]:
    """Each listed downstream with its cell for one upstream revision."""
    conns = downstreams(project)
    cells = cells_for(project, [revision.pk]).get(revision.pk, {})
    return [(c, cells.get(c.pk) or Cell(c.pk, Status.NOT_RECEIVED)) for c in conns]


def copies_of(connection: Connection) -> QuerySet[Revision]:
    """The downstream copies of this upstream's revisions (never the downstream's own)."""
    ups = Revision.objects.filter(project_id=connection.upstream_id, uuid=OuterRef("upstream_uuid"))
    return Revision.objects.filter(
        project_id=connection.downstream_id, upstream_uuid__isnull=False, deleted_at__isnull=True
    ).filter(Exists(ups))


def unpublished_of(connection: Connection) -> QuerySet[Revision]:
    """Copies the downstream has not published yet (withdrawn ones left out), oldest first."""
    return (
        copies_of(connection)
        .filter(is_published=False, withdrawn_upstream_at__isnull=True)
        .select_related("drawing")
        .order_by("created_at", "pk")
    )


@dataclass
class DownstreamRow:
    connection: Connection
    unpublished: int
    behind_changes: int
    behind_seconds: float


def downstream_connections(project: Project) -> QuerySet[Connection]:
    """The listed connections, each with its count of copies waiting to be published and
    the upstream's head for the lag: one query for a page of them (slice before reading)."""
    ups = Revision.objects.filter(project_id=project.pk, uuid=OuterRef("upstream_uuid"))
    waiting = (
        Revision.objects.filter(
            project_id=OuterRef("downstream_id"),
            upstream_uuid__isnull=False,
            deleted_at__isnull=True,
            is_published=False,
            withdrawn_upstream_at__isnull=True,
        )
        .filter(Exists(ups))
        .order_by()
        .values("project_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    head = ProjectSequence.objects.filter(project_id=OuterRef("upstream_id")).values("last_seq")
    return (
        Connection.objects.filter(upstream=project, state__in=SHOWN_STATES)
        .select_related("downstream__company")
        .annotate(upstream_head=Subquery(head), waiting=Subquery(waiting))
        .order_by("state", "downstream__company__name", "downstream__name", "pk")
    )


def downstream_row(conn: Connection) -> DownstreamRow:
    """One connection of ``downstream_connections`` as the view shows it."""
    status = sync_status(conn, with_runs=False)
    # `waiting` is annotated by downstream_connections, unknown to the Connection type.
    waiting = (conn.waiting or 0) if conn.state == State.CONNECTED else 0  # type: ignore[attr-defined]
    return DownstreamRow(conn, waiting, status.behind_changes, status.behind_seconds)


def downstream_rows(project: Project) -> list[DownstreamRow]:
    """Every listed connection's row (for small projects and tests; pages slice first)."""
    return [downstream_row(c) for c in downstream_connections(project)]


# The matrix: the current set's drawings (rows) x the listed downstreams (columns).


@dataclass
class MatrixFilters:
    area: int | None = None
    discipline: str = ""
    q: str = ""
    # Only rows where some connected downstream has not published the current revision.
    pending_only: bool = False


@dataclass
class MatrixRow:
    drawing: Drawing
    cells: list[Cell] = field(default_factory=list)


@dataclass
class MatrixPage:
    connections: list[Connection]
    rows: list[MatrixRow]
    next_cursor: str | None


def current_set(project: Project, filters: MatrixFilters) -> QuerySet[Drawing]:
    """The upstream's own live drawings that have a published revision, in log order."""
    qs = Drawing.objects.filter(
        project=project,
        deleted_at__isnull=True,
        upstream_uuid__isnull=True,
        current_revision__isnull=False,
    )
    if filters.area:
        qs = qs.filter(area_id=filters.area)
    if filters.discipline:
        qs = qs.filter(discipline=filters.discipline)
    if filters.q:
        qs = qs.filter(Q(number__icontains=filters.q) | Q(title__icontains=filters.q))
    if filters.pending_only:
        waiting = Revision.objects.filter(
            upstream_uuid=OuterRef("current_revision__uuid"),
            project_id__in=Connection.objects.filter(
                upstream=project, state=State.CONNECTED
            ).values("downstream_id"),
            is_published=False,
            deleted_at__isnull=True,
        )
        qs = qs.filter(Exists(waiting))
    return qs.order_by("position", "number", "pk")


def encode_cursor(drawing: Drawing) -> str:
    return f"{drawing.position}.{drawing.pk}"


def decode_cursor(value: str) -> tuple[int, int] | None:
    try:
        position, pk = (int(p) for p in value.split(".", 1))
    except ValueError:
        return None
    if not (-(2**31) <= position < 2**31 and 0 < pk < MAX_ID):
        return None
    return position, pk


def matrix_page(
    project: Project,
    filters: MatrixFilters,
    *,
    cursor: str = "",
    size: int = 50,
    brief: bool = False,
    max_cells: int | None = None,
) -> MatrixPage:
    """One page of the matrix: a query for the drawings, one for the cells, one for columns.

    The cursor is the last row's (position, id): keyset pagination stays fast however deep.
    With ``max_cells`` a page with many downstreams holds fewer rows (at least ten), so a
    page's work stays bounded whatever the number of downstreams.
    """
    conns = downstreams(project)
    if max_cells:
        size = min(size, max(10, max_cells // max(1, len(conns))))
    qs = current_set(project, filters).order_by("position", "pk")
    after = decode_cursor(cursor) if cursor else None
    if after is not None:
        qs = qs.filter(Q(position__gt=after[0]) | Q(position=after[0], pk__gt=after[1]))
    drawings = list(qs.select_related("current_revision")[: size + 1])
    more = len(drawings) > size
    drawings = drawings[:size]
    ids = [d.current_revision_id for d in drawings if d.current_revision_id]
    cells = cells_for(project, ids, brief=brief)
    rows = []
    for d in drawings:
        by_conn = cells.get(d.current_revision_id or 0, {})
        rows.append(
            MatrixRow(d, [by_conn.get(c.pk) or Cell(c.pk, Status.NOT_RECEIVED) for c in conns])
        )
    next_cursor = encode_cursor(drawings[-1]) if more and drawings else None
    return MatrixPage(connections=conns, rows=rows, next_cursor=next_cursor)


def matrix_records(project: Project, filters: MatrixFilters) -> Iterator[list[str]]:
    """Every cell of the matrix as CSV records, a page at a time (for the streamed export)."""
    yield [
        "Drawing",
        "Title",
        "Revision",
        "Downstream company",
        "Downstream project",
        "Status",
        "Received at",
        "Published at",
        "Published by",
    ]
    cursor = ""
    while True:
        page = matrix_page(project, filters, cursor=cursor, size=500)
        names = {c.pk: c for c in page.connections}
        for row in page.rows:
            rev = row.drawing.current_revision
            for cell in row.cells:
                conn = names[cell.connection_id]
                yield [
                    row.drawing.number,
                    row.drawing.title,
                    rev.revision_number if rev else "",
                    conn.downstream.company.name,
                    conn.downstream.name,
                    cell.label,
                    _iso(cell.received_at),
                    _iso(cell.published_at),
                    cell.published_by,
                ]
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""
