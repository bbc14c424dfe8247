"""API: the upstream's distribution view (who received each revision, and published it)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, OuterRef, Subquery
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import BaseModel, Field

from sheetflow.accounts.authed import request_user
from sheetflow.common.api import Pagination, errors
from sheetflow.common.errors import Invalid
from sheetflow.common.request import MAX_ID
from sheetflow.connections import distribution as dist
from sheetflow.connections.api import ProjectRef
from sheetflow.connections.models import Connection
from sheetflow.drawings.models import Revision
from sheetflow.projects.models import Project
from sheetflow.projects.permissions import Action, project_get

router = Router(tags=["distribution"])

ERRORS = errors(401, 403, 404, 422)


def _project(request: HttpRequest, project_id: int) -> Project:
    user = request_user(request)
    return project_get(user=user, project_id=project_id, action=Action.DISTRIBUTION_VIEW)


class CellOut(Schema):
    connection_id: int
    status: str = Field(
        description="published, not_published, not_received, withdrawn_upstream or disconnected"
    )
    received_at: datetime | None
    published_at: datetime | None
    published_by: str = Field(description="Full name of who published the copy, if published")


class RevisionDistributionOut(CellOut):
    downstream: ProjectRef


class DownstreamOut(Schema):
    connection_id: int
    state: str
    downstream: ProjectRef
    unpublished: int = Field(description="Copies received and not published yet")
    last_synced_at: datetime | None
    behind_changes: int
    behind_seconds: float

    @staticmethod
    def resolve_connection_id(obj: Connection) -> int:
        return obj.pk

    @staticmethod
    def resolve_unpublished(obj: Connection) -> int:
        return dist.downstream_row(obj).unpublished

    @staticmethod
    def resolve_behind_changes(obj: Connection) -> int:
        return dist.downstream_row(obj).behind_changes

    @staticmethod
    def resolve_behind_seconds(obj: Connection) -> float:
        return dist.downstream_row(obj).behind_seconds


class UnpublishedOut(Schema):
    id: int = Field(description="The copy's id in the downstream project")
    upstream_revision_id: int | None
    drawing_number: str
    drawing_title: str
    revision_number: str
    received_at: datetime


# The matrix's rows and cells are plain pydantic models: a page holds thousands of cells,
# and ninja's Schema reads each one through its attribute getter, several times slower.
class MatrixCellOut(BaseModel):
    connection_id: int
    status: str
    received_at: datetime | None
    published_at: datetime | None
    published_by: str


class MatrixRowOut(BaseModel):
    drawing_id: int
    number: str
    title: str
    revision_id: int
    revision_number: str
    cells: list[MatrixCellOut]


class MatrixOut(Schema):
    downstreams: list[DownstreamRef]
    rows: list[MatrixRowOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: done")


class DownstreamRef(Schema):
    connection_id: int
    state: str
    downstream: ProjectRef


MatrixOut.model_rebuild()


class MatrixQuery(Schema):
    cursor: str = Field("", max_length=40)
    limit: int = Field(50, ge=1, le=200)
    area: int | None = Field(None, ge=1, le=MAX_ID)
    discipline: str = Field("", max_length=60)
    q: str = Field("", max_length=100)
    pending: bool = Field(False, description="Only drawings some downstream has not published")


def _cell(cell: dist.Cell) -> dict[str, object]:
    return {
        "connection_id": cell.connection_id,
        "status": cell.status,
        "received_at": cell.received_at,
        "published_at": cell.published_at,
        "published_by": cell.published_by,
    }


@router.get(
    "/projects/{project_id}/distribution/revisions/{revision_id}",
    response={200: list[RevisionDistributionOut], **ERRORS},
)
@paginate(Pagination)
def revision_distribution(request: HttpRequest, project_id: int, revision_id: int) -> object:
    """Each downstream project: when it received this revision, and whether it published it."""
    project = _project(request, project_id)
    revision = dist.distributed_revision_get(project=project, revision_id=revision_id)
    return [
        {**_cell(cell), "downstream": conn.downstream}
        for conn, cell in dist.revision_rows(project, revision)
    ]


@router.get(
    "/projects/{project_id}/distribution/downstreams", response={200: list[DownstreamOut], **ERRORS}
)
@paginate(Pagination)
def downstream_distribution(request: HttpRequest, project_id: int) -> object:
    """Per downstream connection: copies not published yet, last sync and lag."""
    project = _project(request, project_id)
    return dist.downstream_connections(project)


@router.get(
    "/projects/{project_id}/distribution/downstreams/{connection_id}/unpublished",
    response={200: list[UnpublishedOut], **ERRORS},
)
@paginate(Pagination)
def downstream_unpublished(request: HttpRequest, project_id: int, connection_id: int) -> object:
    """What one downstream has received and not published yet, oldest first."""
    project = _project(request, project_id)
    conn = dist.downstream_connection_get(project=project, connection_id=connection_id)
    source = Revision.objects.filter(project=project, uuid=OuterRef("upstream_uuid")).values("pk")
    return (
        dist.unpublished_of(conn)
        .annotate(upstream_revision_id=Subquery(source[:1]))
        .values(
            "id",
            "upstream_revision_id",
            "revision_number",
            drawing_number=F("drawing__number"),
            drawing_title=F("drawing__title"),
            received_at=F("created_at"),
        )
    )


@router.get("/projects/{project_id}/distribution/matrix", response={200: MatrixOut, **ERRORS})
def distribution_matrix(request: HttpRequest, project_id: int, query: Query[MatrixQuery]) -> object:
    """The current set (drawings with a published revision) x the downstreams, by cursor."""
    project = _project(request, project_id)
    if query.cursor and dist.decode_cursor(query.cursor) is None:
        raise Invalid("cursor: not a cursor this API gave out")
    filters = dist.MatrixFilters(
        area=query.area, discipline=query.discipline, q=query.q, pending_only=query.pending
    )
    page = dist.matrix_page(project, filters, cursor=query.cursor, size=query.limit)
    return {
        "downstreams": [
            {"connection_id": c.pk, "state": c.state, "downstream": c.downstream}
            for c in page.connections
        ],
        "rows": [
            {
                "drawing_id": row.drawing.pk,
                "number": row.drawing.number,
                "title": row.drawing.title,
                "revision_id": row.drawing.current_revision_id,
                "revision_number": row.drawing.current_revision.revision_number
                if row.drawing.current_revision
                else "",
                "cells": [
                    # Built from our own typed values: no validation needed per cell.
                    MatrixCellOut.model_construct(
                        connection_id=c.connection_id,
                        status=c.status,
                        received_at=c.received_at,
                        published_at=c.published_at,
                        published_by=c.published_by,
                    )
                    for c in row.cells
                ],
            }
            for row in page.rows
        ],
        "next_cursor": page.next_cursor,
    }
