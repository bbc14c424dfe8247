"""Pages: the upstream's distribution view (who received what, and published it), CSV export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from sheetflow.accounts.authed import request_user
from sheetflow.common.request import id_param
from sheetflow.connections import distribution as dist
from sheetflow.drawings.models import Area, Drawing
from sheetflow.projects.models import Project
from sheetflow.projects.permissions import Action, project_get

PAGE_SIZE = 50
# A matrix page holds at most this many cells: 50 drawings up to 50 downstreams, fewer rows
# beyond (25 rows with 100 downstreams).
MATRIX_CELLS = 2_500


def _project(request: HttpRequest, project_id: int) -> Project:
    return project_get(
        user=request_user(request), project_id=project_id, action=Action.DISTRIBUTION_VIEW
    )


def filters_from(params: Any) -> dist.MatrixFilters:
    """The matrix filters from a query string (bad values are ignored, not errors)."""
    return dist.MatrixFilters(
        area=id_param(params.get("area")),
        discipline=(params.get("discipline") or "")[:60],
        q=(params.get("q") or "")[:100],
        pending_only=params.get("pending") == "1",
    )


@login_required
@require_safe
def overview(request: HttpRequest, project_id: int) -> HttpResponse:
    """Per downstream: copies not yet published, last sync and lag."""
    project = _project(request, project_id)
    page = Paginator(dist.downstream_connections(project), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [dist.downstream_row(c) for c in page]
    return render(
        request,
        "connections/distribution.html",
        {"project": project, "tab": "connections", "rows": rows, "page": page},
    )


@login_required
@require_safe
def revision(request: HttpRequest, project_id: int, revision_id: int) -> HttpResponse:
    """One upstream revision: each downstream with received, published and by whom."""
    project = _project(request, project_id)
    rev = dist.distributed_revision_get(project=project, revision_id=revision_id)
    rows = dist.revision_rows(project, rev)
    live = [cell for _, cell in rows if cell.status != dist.Status.DISCONNECTED]
    return render(
        request,
        "connections/distribution_revision.html",
        {
            "project": project,
            "tab": "connections",
            "revision": rev,
            "rows": rows,
            "published": sum(1 for c in live if c.status == dist.Status.PUBLISHED),
            "total": len(live),
        },
    )


@login_required
@require_safe
def downstream(request: HttpRequest, project_id: int, connection_id: int) -> HttpResponse:
    """What one downstream has not published yet, oldest first."""
    project = _project(request, project_id)
    conn = dist.downstream_connection_get(project=project, connection_id=connection_id)
    page = Paginator(dist.unpublished_of(conn), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "connections/distribution_downstream.html",
        {"project": project, "tab": "connections", "connection": conn, "page": page},
    )


@login_required
@require_safe
def matrix(request: HttpRequest, project_id: int) -> HttpResponse:
    """The current set x the downstreams, a page of drawings at a time (keyset cursor)."""
    project = _project(request, project_id)
    filters = filters_from(request.GET)
    page = dist.matrix_page(
        project,
        filters,
        cursor=(request.GET.get("cursor") or "")[:40],
        size=PAGE_SIZE,
        brief=True,
        max_cells=MATRIX_CELLS,
    )
    query = {
        k: v for k, v in request.GET.items() if k in ("area", "discipline", "q", "pending") and v
    }
    disciplines = (
        Drawing.objects.filter(project=project, deleted_at__isnull=True, upstream_uuid__isnull=True)
        .exclude(discipline="")
        .order_by("discipline")
        .values_list("discipline", flat=True)
        .distinct()
    )
    cache: dict[tuple[str, object], str] = {}
    rows = [(row.drawing, cells_html(row.cells, cache)) for row in page.rows]
    return render(
        request,
        "connections/distribution_matrix.html",
        {
            "project": project,
            "tab": "connections",
            "page": page,
            "rows": rows,
            "filters": filters,
            "areas": Area.objects.filter(
                project=project, deleted_at__isnull=True, upstream_uuid__isnull=True
            ),
            "disciplines": list(disciplines[:200]),
            "query": urlencode(query),
            "next_query": urlencode({**query, "cursor": page.next_cursor or ""}),
        },
    )


def cells_html(cells: list[dist.Cell], cache: dict[tuple[str, object], str]) -> str:
    """A matrix row's cells, built here: thousands of cells per page render far faster than
    through the template engine, one node at a time. Titles hold only our own labels and
    dates (nothing typed by people), and equal cells share one string."""
    parts = []
    for cell in cells:
        key = (cell.status, cell.published_at)
        html = cache.get(key)
        if html is None:
            title = cell.label
            if cell.published_at:
                title += f" {cell.published_at:%Y-%m-%d %H:%M}"
            html = (
                f'<td class="dist-cell"><span class="dist-badge dist-{cell.status}" '
                f'title="{title}">{cell.letter}</span></td>'
            )
            cache[key] = html
        parts.append(html)
    return mark_safe("".join(parts))  # only our own statuses, labels and dates


class _Echo:
    """A file-like object whose write returns the line, for csv.writer over a stream."""

    def write(self, value: str) -> str:
        return value


def _safe(value: str) -> str:
    # Spreadsheet programs run cells that start like a formula; a quote keeps them text.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
@require_safe
def matrix_csv(request: HttpRequest, project_id: int) -> StreamingHttpResponse:
    """The whole matrix (filtered) as CSV, one line per drawing and downstream, streamed."""
    project = _project(request, project_id)
    filters = filters_from(request.GET)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        for record in dist.matrix_records(project, filters):
            yield writer.writerow([_safe(v) for v in record])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = f"{project.code or project.pk}-distribution.csv".replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
