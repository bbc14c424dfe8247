"""Pages: downloads of the drawing log as CSV and of the current set as a zip of PDFs."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from sheetflow.accounts.authed import request_user
from sheetflow.accounts.models import User
from sheetflow.common.errors import ServiceError
from sheetflow.drawings import export, selectors
from sheetflow.drawings.views import log_filters
from sheetflow.projects.models import Project
from sheetflow.projects.permissions import Action, project_get


def _filename(project: Project, what: str, ext: str) -> str:
    code = re.sub(r"[^A-Za-z0-9._-]+", "-", project.code).strip("-") or "project"
    return f"{code} {what} {timezone.localdate().isoformat()}.{ext}"


def csv_response(
    user: User, project: Project, filters: selectors.LogFilters
) -> StreamingHttpResponse:
    log = selectors.drawing_log(user=user, project=project, filters=filters)
    admin = selectors.sees_unpublished(user, project)
    response = StreamingHttpResponse(
        export.log_csv(log, admin=admin), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(project, "drawing log", "csv")}"'
    )
    return response


def zip_response(project: Project, sheets: export.SetExport) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.set_zip(sheets), content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(project, "current set", "zip")}"'
    )
    response["X-Sheet-Count"] = str(sheets.count)
    return response


@login_required
@require_safe
def log_csv(request: HttpRequest, project_id: int) -> HttpResponseBase:
    """The drawing log as CSV, with the filters and order the log page shows."""
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_VIEW)
    return csv_response(user, project, log_filters(request.GET))


@login_required
@require_safe
def current_set_zip(request: HttpRequest, project_id: int) -> HttpResponseBase:
    """The current set of the drawings the filters show, as a zip of their sheet PDFs."""
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_VIEW)
    log = selectors.drawing_log(user=user, project=project, filters=log_filters(request.GET))
    try:
        sheets = export.current_set(log)
    except ServiceError as exc:
        messages.error(request, exc.detail)
        back = reverse("drawings:log", kwargs={"project_id": project.pk})
        query = request.GET.urlencode()
        return redirect(f"{back}?{query}" if query else back)
    return zip_response(project, sheets)
