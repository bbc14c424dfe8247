"""Pages: the sheet viewer (pdf.js in the browser) and revision compare."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from sheetflow.accounts.authed import request_user
from sheetflow.common.errors import NotFound
from sheetflow.common.request import id_param
from sheetflow.drawings import selectors
from sheetflow.drawings.files import comparison_image
from sheetflow.drawings.models import ComparisonStatus, Revision, SheetComparison
from sheetflow.drawings.services.comparing import comparison_request
from sheetflow.drawings.views import LOG_PARAMS, log_filters, rights
from sheetflow.projects.models import Project
from sheetflow.projects.permissions import Action, project_get


@login_required
@require_safe
def viewer(request: HttpRequest, project_id: int, revision_id: int) -> HttpResponse:
    """One revision in the viewer, with previous/next in the log's order and its history."""
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_VIEW)
    revision = selectors.revision_get(user=user, project=project, revision_id=revision_id)
    drawing = revision.drawing
    kept = {k: request.GET[k] for k in LOG_PARAMS if request.GET.get(k)}
    before, after = selectors.log_neighbours(
        user=user, project=project, filters=log_filters(request.GET), drawing_id=drawing.pk
    )
    revisions = list(selectors.drawing_revisions(user=user, drawing=drawing)[:200])
    older = next(
        (r for r in revisions if r.order_key() < revision.order_key()),
        None,
    )
    context = {
        "project": project,
        "tab": "drawings",
        "revision": revision,
        "drawing": drawing,
        "revisions": revisions,
        "older": older,
        "query": urlencode(kept),
        "before": before,
        "after": after,
        **rights(user, project),
    }
    return render(request, "drawings/viewer.html", context)


def _pair(
    request: HttpRequest, project: Project, drawing_id: int
) -> tuple[Revision | None, Revision | None]:
    """The two revisions named by ?a=&b= (either may be missing), both of this drawing."""
    user = request_user(request)
    found = []
    for key in ("a", "b"):
        revision_id = id_param(request.GET.get(key))
        revision = None
        if revision_id:
            revision = selectors.revision_get(user=user, project=project, revision_id=revision_id)
            if revision.drawing_id != drawing_id:
                raise NotFound("That revision is not of this drawing.")
        found.append(revision)
    return found[0], found[1]


@login_required
@require_safe
def compare(request: HttpRequest, project_id: int, drawing_id: int) -> HttpResponse:
    """Two revisions overlaid or side by side, with the changed areas and words listed."""
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_VIEW)
    drawing = selectors.drawing_get(user=user, project=project, drawing_id=drawing_id)
    revisions = list(selectors.drawing_revisions(user=user, drawing=drawing)[:200])
    rev_a, rev_b = _pair(request, project, drawing.pk)
    # Without a choice: the newest revision against the one before it.
    if rev_b is None and revisions:
        rev_b = revisions[0]
    if rev_a is None and rev_b is not None:
        rev_a = next((r for r in revisions if r.order_key() < rev_b.order_key()), None)
    comparison = None
    same = rev_a is not None and rev_b is not None and rev_a.sheet_id == rev_b.sheet_id
    if rev_a is not None and rev_b is not None and not same:
        comparison = comparison_request(revision_a=rev_a, revision_b=rev_b)
    context: dict[str, Any] = {
        "project": project,
        "tab": "drawings",
        "drawing": drawing,
        "revisions": revisions,
        "rev_a": rev_a,
        "rev_b": rev_b,
        "comparison": comparison,
        "same": same,
        "pending": comparison is not None and comparison.status == ComparisonStatus.PENDING,
        "regions": _regions(comparison),
        "query": urlencode({"a": rev_a.pk, "b": rev_b.pk}) if rev_a and rev_b else "",
        "mode": "side" if request.GET.get("mode") == "side" else "overlay",
        "admin": selectors.sees_unpublished(user, project),
        **rights(user, project),
    }
    if request.headers.get("HX-Request"):
        return render(request, "drawings/_compare_result.html", context)
    return render(request, "drawings/compare.html", context)


def _regions(comparison: SheetComparison | None) -> list[dict[str, Any]]:
    """The changed areas with where they are, for the list beside the images."""
    if comparison is None or comparison.status != ComparisonStatus.READY:
        return []
    out = []
    for number, (x, y, w, h) in enumerate(comparison.regions, start=1):
        across = ("left", "centre", "right")[min(2, int(3 * (x + w / 2) / comparison.width))]
        down = ("top", "middle", "bottom")[min(2, int(3 * (y + h / 2) / comparison.height))]
        where = "centre" if (down, across) == ("middle", "centre") else f"{down} {across}"
        share = 100 * w * h / (comparison.width * comparison.height)
        out.append(
            {
                "number": number,
                "x": x,
                "y": y,
                "w": w,
                "h": h,
                "label_y": max(y - 6, 14),
                "where": where,
                "share": share,
            }
        )
    return out


@login_required
@require_safe
def compare_image(
    request: HttpRequest, project_id: int, drawing_id: int, kind: str
) -> FileResponse:
    """One image of a computed comparison (overlay, or either aligned rendering)."""
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_VIEW)
    drawing = selectors.drawing_get(user=user, project=project, drawing_id=drawing_id)
    rev_a, rev_b = _pair(request, project, drawing.pk)
    if rev_a is None or rev_b is None:
        raise NotFound("No such image.")
    return comparison_image(rev_a, rev_b, kind)
