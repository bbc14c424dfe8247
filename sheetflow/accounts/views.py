"""Pages: sign-in, sign-out, personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from sheetflow.accounts import services
from sheetflow.accounts.backends import retry_after
from sheetflow.accounts.forms import SignInForm, TokenForm
from sheetflow.accounts.models import ApiToken


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = ""
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        wait = retry_after(request)
        if wait:
            form.add_error(None, f"Too many failed attempts. Try again in {wait} seconds.")
            status = 429
        elif user is None:
            form.add_error(None, "Wrong email or password.")
        else:
            login(request, user)
            return redirect(next_url or "projects:list")
    response = render(
        request, "accounts/sign_in.html", {"form": form, "next": next_url}, status=status
    )
    if status == 429:
        response["Retry-After"] = str(retry_after(request))
    return response


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
            user=request.user,  # type: ignore[arg-type]
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
    token = services.token_revoke(user=request.user, token_id=token_id)  # type: ignore[arg-type]
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("accounts:tokens")
