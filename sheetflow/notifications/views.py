"""Pages: the user's notifications."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sheetflow.accounts.authed import request_user
from sheetflow.notifications import selectors, services


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    unread_only = request.GET.get("unread") == "1"
    paginator = Paginator(selectors.notifications_for(user=user, unread=unread_only), 30)
    page = paginator.get_page(request.GET.get("page"))
    context = {"page": page, "unread_only": unread_only}
    return render(request, "notifications/list.html", context)


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark read and go to the page where the user acts."""
    note = services.notification_mark_read(
        user=request_user(request), notification_id=notification_id
    )
    if note.link and url_has_allowed_host_and_scheme(note.link, allowed_hosts=None):
        return redirect(note.link)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request_user(request))
    return redirect("notifications:list")
