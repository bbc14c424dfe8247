"""Pages: areas, sets and the discipline map (drawings admins)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from sheetflow.accounts.authed import request_user
from sheetflow.common.errors import ServiceError
from sheetflow.common.request import LIST_SHOWN_MAX, id_param
from sheetflow.drawings import selectors, services
from sheetflow.drawings.forms import DisciplineForm, NameForm
from sheetflow.drawings.views import rights
from sheetflow.projects.models import Project
from sheetflow.projects.permissions import Action, project_get


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, project_id: int) -> HttpResponse:
    """Areas, sets and disciplines on one page; each form posts a ``what`` and ``op``."""
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_VIEW)
    if request.method == "POST":
        project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_MANAGE)
        what, op = request.POST.get("what"), request.POST.get("op")
        try:
            _apply(request, project, what or "", op or "")
        except ServiceError as exc:
            messages.error(request, exc.detail)
        return redirect("drawings:manage", project_id=project.pk)
    context = {
        "project": project,
        "tab": "drawings",
        "areas": selectors.areas(project=project)[:LIST_SHOWN_MAX],
        "sets": selectors.drawing_sets(project=project)[:LIST_SHOWN_MAX],
        "disciplines": selectors.disciplines(project=project)[:LIST_SHOWN_MAX],
        **rights(user, project),
    }
    return render(request, "drawings/manage.html", context)


def _apply(request: HttpRequest, project: Project, what: str, op: str) -> None:
    post = request.POST
    if what == "discipline":
        if op == "delete":
            services.discipline_delete(project=project, prefix=post.get("prefix", ""))
            messages.success(request, "Prefix removed.")
            return
        dform = DisciplineForm(post)
        if not dform.is_valid():
            raise ServiceError("Give a prefix (letters) and a discipline name.")
        services.discipline_set(
            project=project,
            prefix=dform.cleaned_data["letters"],
            name=dform.cleaned_data["name"],
        )
        messages.success(request, "Discipline map saved.")
        return
    form = NameForm(post)
    target_id = id_param(post.get("id"))
    if what == "area":
        if op == "create":
            name = _valid_name(form)
            services.area_create(project=project, name=name)
        elif op == "rename" and target_id:
            area = selectors.area_get(project=project, area_id=target_id)
            services.area_update(area=area, name=_valid_name(form))
        elif op == "delete" and target_id:
            services.area_delete(area=selectors.area_get(project=project, area_id=target_id))
        messages.success(request, "Areas saved.")
    elif what == "set":
        if op == "create":
            name = _valid_name(form)
            services.set_create(project=project, name=name, date=form.cleaned_data.get("date"))
        elif op == "rename" and target_id:
            found = selectors.set_get(project=project, set_id=target_id)
            services.set_update(
                drawing_set=found, name=_valid_name(form), date=form.cleaned_data.get("date")
            )
        elif op == "delete" and target_id:
            services.set_delete(drawing_set=selectors.set_get(project=project, set_id=target_id))
        messages.success(request, "Sets saved.")


def _valid_name(form: NameForm) -> str:
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        raise ServiceError(errors or "Invalid name.")
    return str(form.cleaned_data["name"])
