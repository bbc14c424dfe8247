"""Pages: the downstream review queue (connected revisions waiting to be published here)."""

from __future__ import annotations

from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from sheetflow.accounts.authed import request_user
from sheetflow.common.errors import ServiceError
from sheetflow.common.request import id_param
from sheetflow.drawings import review, services
from sheetflow.drawings.views import report_messages, rights
from sheetflow.projects.permissions import Action, project_get

PAGE_SIZE = 50
WITHDRAWN_SHOWN = 20


def _filters(params: QueryDict) -> review.QueueFilters:
    return review.QueueFilters(
        batch=review.batch_time(params.get("batch")), q=(params.get("q") or "")[:100] or None
    )


def _kept(params: QueryDict) -> dict[str, str]:
    return {k: str(params.get(k)) for k in ("batch", "q") if params.get(k)}


def _entry(revision: Any) -> dict[str, Any]:
    return {"revision": revision, "drawing": revision.drawing, "change": review.change(revision)}


@login_required
@require_safe
def queue(request: HttpRequest, project_id: int) -> HttpResponse:
    """Connected revisions waiting for review, grouped by the sync batch that brought them."""
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_VIEW_UNPUBLISHED)
    filters = _filters(request.GET)
    qs = review.waiting(project=project, filters=filters).select_related(
        "drawing", "drawing__current_revision", "drawing_set"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    on_page = list(page.object_list)
    counts = {
        b["created_at"]: b
        for b in review.batches(project=project, at=sorted({r.created_at for r in on_page}))
    }
    groups = []
    for at, rows in groupby(on_page, key=lambda r: r.created_at):
        batch = counts.get(at, {"count": 0, "company": "", "source": ""})
        groups.append(
            {
                "key": review.batch_key(at),
                "label": review.batch_label(batch["count"], batch["company"], at),
                "source": batch["source"],
                "count": batch["count"],
                "entries": [_entry(r) for r in rows],
            }
        )
    withdrawn = review.withdrawn(project=project)
    kept = _kept(request.GET)
    context = {
        "project": project,
        "tab": "drawings",
        "page": page,
        "groups": groups,
        "filters": filters,
        "batch_key": request.GET.get("batch", "") if filters.batch else "",
        "query": urlencode(kept),
        "withdrawn": list(withdrawn[:WITHDRAWN_SHOWN]),
        "withdrawn_count": withdrawn.count(),
        **rights(user, project),
    }
    return render(request, "drawings/queue.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def queue_publish(request: HttpRequest, project_id: int) -> HttpResponse:
    """Publish one revision, one batch, or every matching revision of the queue.

    Publishing all matching first shows how many that is (GET) and publishes only that many
    (POST with ``expected``): if the queue changed in between, it asks again.
    """
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_PUBLISH)
    params = request.POST if request.method == "POST" else request.GET
    filters = _filters(params)
    back = reverse("drawings:queue", kwargs={"project_id": project.pk})
    kept = _kept(params)
    if request.method == "GET":
        count = review.waiting(project=project, filters=filters).count()
        context = {
            "project": project,
            "tab": "drawings",
            "count": count,
            "filters": filters,
            "kept": kept,
            "batch_label": _batch_label(project, filters),
            "back": f"{back}?{urlencode(kept)}" if kept else back,
            **rights(user, project),
        }
        return render(request, "drawings/queue_confirm.html", context)
    one = id_param(params.get("revision"))
    expected = id_param(params.get("expected"))
    try:
        report = services.queue_publish(
            user=user,
            project=project,
            filters=filters,
            revision_ids=[one] if one else None,
            expected=expected if one is None else None,
        )
    except ServiceError as exc:
        messages.error(request, exc.detail)
        return redirect(f"{reverse('drawings:queue_publish', args=[project.pk])}?{urlencode(kept)}")
    report_messages(request, report, verb="published")
    # After a batch or everything matching, the filters that chose them have nothing left.
    keep_q = {"q": kept["q"]} if one and "q" in kept else {}
    if one and "batch" in kept:
        keep_q["batch"] = kept["batch"]
    return redirect(f"{back}?{urlencode(keep_q)}" if keep_q else back)


def _batch_label(project: Any, filters: review.QueueFilters) -> str:
    if filters.batch is None:
        return ""
    for b in review.batches(project=project, at=[filters.batch]):
        return review.batch_label(b["count"], b["company"], b["created_at"])
    return ""
