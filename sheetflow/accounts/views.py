"""Pages: sign-in, sign-out, personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from sheetflow.accounts import backends, services
from sheetflow.accounts.authed import request_user
from sheetflow.accounts.forms import SignInForm, TokenForm
from sheetflow.accounts.models import ApiToken
from sheetflow.common.error_responses import with_retry_after
from sheetflow.common.errors import Throttled


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = ""
    form = SignInForm(request.POST or None)
    refused: Throttled | None = None
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        try:
            user = backends.sign_in(request, email=email, password=form.cleaned_data["password"])
        except Throttled as exc:
            # Shown on the form rather than the error page, so the visitor can try again.
            form.add_error(None, exc.detail)
            refused = exc
        else:
            if user is None:
                form.add_error(None, "Wrong email or password.")
            else:
                login(request, user)
                return redirect(next_url or "projects:list")
    context = {"form": form, "next": next_url}
    if refused is None:
        return render(request, "accounts/sign_in.html", context)
    response = render(request, "accounts/sign_in.html", context, status=refused.status)
    return with_retry_after(response, refused)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _, new_secret = services.token_create(
            user=request_user(request),
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_in_days=form.expires_in_days(),
        )
        form = TokenForm()
    items = ApiToken.objects.filter(user=request.user.pk).order_by("-created_at")[:100]
    return render(
        request, "accounts/tokens.html", {"form": form, "tokens": items, "new_secret": new_secret}
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = services.token_revoke(user=request_user(request), token_id=token_id)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("accounts:tokens")
