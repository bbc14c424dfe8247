"""Pages: the drawing log, a drawing's history, the sheet viewer, bulk publishing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sheetflow.accounts.authed import request_user
from sheetflow.accounts.models import User
from sheetflow.common.errors import ServiceError
from sheetflow.common.request import id_param
from sheetflow.drawings import selectors, services
from sheetflow.drawings.files import revision_file
from sheetflow.drawings.forms import DrawingForm, RevisionForm
from sheetflow.drawings.models import BULK_IDS_MAX
from sheetflow.drawings.services.publishing import PublishReport
from sheetflow.projects.models import Project
from sheetflow.projects.permissions import Action, can, project_get

PAGE_SIZE = 50
SHOWN = 10  # drawings named in a bulk publish message before "and N more"
LOG_PARAMS = ("area", "discipline", "set", "published", "source", "status", "q", "sort")


def rights(user: User, project: Project) -> dict[str, Any]:
    """What the viewer may do here, and the tool's base address, for the templates."""
    return {
        # Rows build their links from this (a reverse() per link is slow on long pages).
        "base": reverse("drawings:log", kwargs={"project_id": project.pk}),
        "can_upload": can(user, project, Action.DRAWINGS_UPLOAD),
        "can_publish": can(user, project, Action.DRAWINGS_PUBLISH),
        "can_edit": can(user, project, Action.DRAWINGS_EDIT),
        "can_manage": can(user, project, Action.DRAWINGS_MANAGE),
    }


def sourced(name: str, connected: bool, source: str) -> str:
    """An area's or set's name, with where it comes from when it is a connected one."""
    return f"{name} · {source}" if connected and source else name


def log_rows(drawings: Any, *, admin: bool, source: str = "") -> list[dict[str, Any]]:
    """The log's rows as plain values for the template (see drawings/log.html)."""
    rows = []
    for d in drawings:
        rev = selectors.shown_revision(d, admin=admin)
        pending = selectors.pending_revision_number(d, rev, admin=admin)
        rows.append(
            {
                "id": d.pk,
                "number": d.number,
                "title": d.title,
                "discipline": d.discipline,
                "area": sourced(d.area.name, d.area.upstream_uuid is not None, source),
                "obsolete": d.status == "obsolete",
                "connected": d.upstream_uuid is not None,
                # A copy no longer synced (its connection ended): it says so, never "Connected".
                "disconnected": d.upstream_uuid is not None and not d.is_synced,
                "upstream_company": d.upstream_company_name,
                "upstream_project": d.upstream_project_name,
                "rev": rev.pk if rev else None,
                "revision": rev.revision_number if rev else "",
                "thumbnail": bool(rev and rev.thumbnail_id),
                "render_failed": bool(rev and rev.render_failed),
                "unpublished": bool(rev and not rev.is_published),
                "withdrawn": bool(rev and rev.withdrawn_upstream_at),
                "pending": pending,
                "set": sourced(
                    rev.drawing_set.name, rev.drawing_set.upstream_uuid is not None, source
                )
                if rev and rev.drawing_set
                else "",
                "date": rev.drawing_date.isoformat() if rev else "",
            }
        )
    return rows


def log_filters(params: Any) -> selectors.LogFilters:
    """The log's filters and sort from a query string (unknown values are ignored)."""
    sort = params.get("sort", "number")
    return selectors.LogFilters(
        area=id_param(params.get("area")),
        discipline=(params.get("discipline") or "")[:60] or None,
        drawing_set=id_param(params.get("set")),
        published=params.get("published")
        if params.get("published") in ("published", "unpublished")
        else None,
        source=params.get("source") if params.get("source") in ("own", "connected") else None,
        status=params.get("status") if params.get("status") in ("active", "obsolete") else None,
        q=(params.get("q") or "")[:100] or None,
        sort=sort if sort in selectors.SORTS else "number",
    )


@login_required
@require_safe
def drawing_log(request: HttpRequest, project_id: int) -> HttpResponse:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_VIEW)
    admin = selectors.sees_unpublished(user, project)
    params = request.GET
    filters = log_filters(params)
    log = selectors.drawing_log(user=user, project=project, filters=filters)
    page = Paginator(log, PAGE_SIZE).get_page(params.get("page"))  # type: ignore[arg-type,var-annotated]
    source = selectors.upstream_source(project=project)
    rows = log_rows(page.object_list, admin=admin, source=source)
    kept = {k: params[k] for k in LOG_PARAMS if params.get(k)}
    context: dict[str, Any] = {
        "project": project,
        "tab": "drawings",
        "page": page,
        "rows": rows,
        "filters": filters,
        "query": urlencode(kept),
        "query_without_sort": urlencode({k: v for k, v in kept.items() if k != "sort"}),
        "kept": kept,
        "areas": [
            (a.pk, sourced(a.name, a.upstream_uuid is not None, source))
            for a in selectors.areas(project=project)
        ],
        "sets": [
            (s.pk, sourced(s.name, s.upstream_uuid is not None, source))
            for s in selectors.drawing_sets(project=project)
        ],
        "disciplines": selectors.discipline_choices(project=project),
        "admin": admin,
        **rights(user, project),
    }
    return render(request, "drawings/log.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def drawing_detail(request: HttpRequest, project_id: int, drawing_id: int) -> HttpResponse:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_VIEW)
    drawing = selectors.drawing_get(user=user, project=project, drawing_id=drawing_id)
    areas = selectors.areas(project=project)
    initial = {
        "number": drawing.number,
        "title": drawing.title,
        "discipline": drawing.discipline,
        "area": drawing.area_id,
        "status": drawing.status,
        "position": drawing.position,
    }
    form = DrawingForm(request.POST or None, areas=areas, initial=initial)
    if request.method == "POST":
        project_get(user=user, project_id=project_id, action=Action.DRAWINGS_EDIT)
        if form.is_valid():
            try:
                services.drawing_update(drawing=drawing, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, f"{drawing.number} saved.")
                return redirect("drawings:drawing", project_id=project.pk, drawing_id=drawing.pk)
    revisions = list(selectors.drawing_revisions(user=user, drawing=drawing)[:200])
    context = {
        "project": project,
        "tab": "drawings",
        "drawing": drawing,
        "revisions": revisions,
        "form": form,
        **rights(user, project),
    }
    return render(request, "drawings/drawing.html", context)


@login_required
@require_POST
def drawing_delete(request: HttpRequest, project_id: int, drawing_id: int) -> HttpResponse:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_EDIT)
    drawing = selectors.drawing_get(user=user, project=project, drawing_id=drawing_id)
    try:
        services.drawing_delete(drawing=drawing)
    except ServiceError as exc:
        messages.error(request, exc.detail)
        return redirect("drawings:drawing", project_id=project.pk, drawing_id=drawing.pk)
    messages.success(request, f"{drawing.number} deleted.")
    return redirect("drawings:log", project_id=project.pk)


@login_required
@require_http_methods(["GET", "POST"])
def revision_detail(request: HttpRequest, project_id: int, revision_id: int) -> HttpResponse:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_VIEW)
    revision = selectors.revision_get(user=user, project=project, revision_id=revision_id)
    sets = selectors.drawing_sets(project=project)
    initial = {
        "revision_number": revision.revision_number,
        "revision_status": revision.revision_status,
        "drawing_date": revision.drawing_date,
        "received_date": revision.received_date,
        "drawing_set": revision.drawing_set_id,
    }
    form = RevisionForm(request.POST or None, sets=sets, initial=initial)
    if request.method == "POST":
        project_get(user=user, project_id=project_id, action=Action.DRAWINGS_EDIT)
        if form.is_valid():
            try:
                services.revision_update(revision=revision, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, "Revision saved.")
                return redirect("drawings:revision", project_id=project.pk, revision_id=revision.pk)
    context = {
        "project": project,
        "tab": "drawings",
        "revision": revision,
        "drawing": revision.drawing,
        "form": form,
        **rights(user, project),
    }
    return render(request, "drawings/revision.html", context)


@login_required
@require_POST
def revision_delete(request: HttpRequest, project_id: int, revision_id: int) -> HttpResponse:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_EDIT)
    revision = selectors.revision_get(user=user, project=project, revision_id=revision_id)
    try:
        services.revision_delete(revision=revision)
    except ServiceError as exc:
        messages.error(request, exc.detail)
        return redirect("drawings:revision", project_id=project.pk, revision_id=revision.pk)
    messages.success(
        request, f"{revision.drawing.number} revision {revision.revision_number} deleted."
    )
    return redirect("drawings:log", project_id=project.pk)


@login_required
@require_safe
def revision_download(
    request: HttpRequest, project_id: int, revision_id: int, kind: str
) -> FileResponse:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_VIEW)
    revision = selectors.revision_get(user=user, project=project, revision_id=revision_id)
    return revision_file(revision, kind, download=kind == "sheet" and "inline" not in request.GET)


def report_messages(request: HttpRequest, report: PublishReport, *, verb: str) -> None:
    """Say per drawing what a bulk publish did and skipped; never a success banner for zero."""
    if report.done:
        names = ", ".join(item.label for item in report.done[:SHOWN])
        more = f" and {len(report.done) - SHOWN} more" if len(report.done) > SHOWN else ""
        messages.success(request, f"{report.count} revision(s) {verb}: {names}{more}.")
    if report.skipped:
        reasons = "; ".join(f"{item.label}: {item.reason}" for item in report.skipped[:SHOWN])
        more = f"; and {len(report.skipped) - SHOWN} more" if len(report.skipped) > SHOWN else ""
        lead = "Nothing was " + verb if not report.done else f"{len(report.skipped)} skipped"
        messages.warning(request, f"{lead}. Skipped {reasons}{more}.")
    elif not report.done:
        messages.warning(request, f"Nothing was {verb}: select at least one drawing first.")


@login_required
@require_POST
def publish(request: HttpRequest, project_id: int) -> HttpResponse:
    """Publish or unpublish the ticked drawings' pending/current revisions, or ticked revisions.

    The log ticks drawings (each publishes its pending revision, the newest unpublished one);
    a drawing's history and a revision page tick revisions themselves.
    """
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_PUBLISH)
    unpublish = request.POST.get("action") == "unpublish"
    drawing_ids = [i for i in (id_param(v) for v in request.POST.getlist("drawing")) if i][
        :BULK_IDS_MAX
    ]
    matching = None
    if request.POST.get("all_matching") == "1":
        # "Select all N matching": every drawing the filters match, on every page, provided
        # it is still the number the person saw when they chose it.
        log = selectors.drawing_log(user=user, project=project, filters=log_filters(request.POST))
        count = log.count()
        if count != id_param(request.POST.get("expected")):
            messages.error(
                request,
                f"{count} drawings match these filters now, not "
                f"{request.POST.get('expected')}: nothing was changed. Check and try again.",
            )
            return _back(request, project)
        matching = log.ids
    revision_ids = [i for i in (id_param(v) for v in request.POST.getlist("revision")) if i][
        :BULK_IDS_MAX
    ]
    report = PublishReport()
    if drawing_ids or matching is not None:
        bulk = (
            services.drawings_unpublish_current if unpublish else services.drawings_publish_pending
        )
        report = bulk(
            user=user,
            project_id=project.pk,
            drawing_ids=[] if matching is not None else drawing_ids,
            matching=matching,
        )
    if revision_ids:
        more = services.revisions_set_published(
            user=user, project_id=project.pk, revision_ids=revision_ids, published=not unpublish
        )
        report.done += more.done
        report.skipped += more.skipped
    report_messages(request, report, verb="unpublished" if unpublish else "published")
    return _back(request, project)


def _back(request: HttpRequest, project: Project) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("drawings:log", project_id=project.pk)
