"""Pages: upload PDFs, review the pre-filled sheets, confirm."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from sheetflow.common.errors import ServiceError
from sheetflow.drawings import selectors, services
from sheetflow.drawings.forms import UploadForm
from sheetflow.drawings.views import _user, rights
from sheetflow.projects.permissions import Action, get_project


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, project_id: int) -> HttpResponse:
    user = _user(request)
    project = get_project(user, project_id, Action.DRAWINGS_UPLOAD)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        areas=selectors.areas(project=project),
        sets=selectors.drawing_sets(project=project),
        initial={"area": selectors.default_area(project=project)},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            files = [
                services.UploadedFile(name=f.name or "", file=f, size=f.size or 0)
                for f in data["pdf_files"]
            ]
            try:
                pending = services.upload_create(
                    project=project,
                    user=user,
                    files=files,
                    area=data["area"],
                    drawing_set=data["drawing_set"],
                    new_set_name=data["new_set_name"] or None,
                    drawing_date=data["drawing_date"],
                    received_date=data["received_date"],
                    revision_number=data["revision_number"],
                    revision_status=data["revision_status"],
                )
            except ServiceError as exc:
                form.add_error(None, exc.detail)
            else:
                return redirect("drawings:review", project_id=project.pk, upload_uuid=pending.uuid)
        status = 400
    context = {"project": project, "tab": "drawings", "form": form, **rights(user, project)}
    return render(request, "drawings/upload.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, project_id: int, upload_uuid: UUID) -> HttpResponse:
    user = _user(request)
    project = get_project(user, project_id, Action.DRAWINGS_UPLOAD)
    pending = services.upload_get(project=project, user=user, upload_uuid=upload_uuid)
    sheets = list(pending.sheets.all())
    error = ""
    values = {
        s.index: {
            "number": s.number,
            "title": s.title,
            "revision": pending.revision_number,
            "include": True,
        }
        for s in sheets
    }
    if request.method == "POST":
        if request.POST.get("action") == "discard":
            services.upload_discard(upload=pending)
            messages.success(request, "Upload discarded.")
            return redirect("drawings:log", project_id=project.pk)
        edits = []
        for s in sheets:
            i = s.index
            edit = services.SheetEdit(
                index=i,
                number=request.POST.get(f"number_{i}", s.number),
                title=request.POST.get(f"title_{i}", s.title),
                revision_number=request.POST.get(f"revision_{i}", pending.revision_number),
                include=request.POST.get(f"include_{i}") == "on",
            )
            values[i] = {
                "number": edit.number,
                "title": edit.title,
                "revision": edit.revision_number,
                "include": edit.include,
            }
            edits.append(edit)
        try:
            created = services.upload_confirm(upload=pending, user=user, edits=edits)
        except ServiceError as exc:
            error = exc.detail
        else:
            messages.success(
                request,
                f"{len(created)} sheet(s) added, unpublished. Thumbnails appear once rendered.",
            )
            return redirect(
                f"{_log_url(project.pk)}?published=unpublished"
                if rights(user, project)["can_publish"]
                else _log_url(project.pk)
            )
    context = {
        "project": project,
        "tab": "drawings",
        "upload": pending,
        "rows": [(s, values[s.index]) for s in sheets],
        "error": error,
        **rights(user, project),
    }
    return render(request, "drawings/review.html", context, status=400 if error else 200)


def _log_url(project_id: int) -> str:
    from django.urls import reverse

    return reverse("drawings:log", kwargs={"project_id": project_id})
