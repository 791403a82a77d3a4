"""The profile page: who you are, and your personal API tokens (create, shown once; revoke)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.api import tokens
from accounts.models import ApiToken
from accounts.services import user_sessions_end_elsewhere
from kam import rules as kam_rules
from kam.errors import DomainError

app_name = "profile"


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=80,
        help_text="What it is for, e.g. “BI export” or “CRM sync”.",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


def _render(request: HttpRequest, form: TokenForm, new_token: str | None = None) -> HttpResponse:
    user_tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-pk")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "tokens": user_tokens,
            "active_tokens": sum(1 for token in user_tokens if token.is_active),
            "new_token": new_token,
            "user_roles": sorted(kam_rules.roles_of(request.user)),
        },
    )


@never_cache  # the page shows a new token once: no copy of it may stay in a cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _render(request, form)
    try:
        token, raw = tokens.api_token_create(user=request.user, name=form.cleaned_data["name"])
    except DomainError as error:
        form.add_error("name", str(error))
        return _render(request, form)
    messages.success(request, f"Token “{token.name}” created. Copy it now: it is shown only once.")
    return _render(request, TokenForm(), new_token=raw)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # Someone else's token is "not found", as a missing one: ids reveal nothing.
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is None:
        raise Http404("No such token.")
    tokens.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("profile:index")


@login_required
@require_POST
def logout_elsewhere(request: HttpRequest) -> HttpResponse:
    revoked = user_sessions_end_elsewhere(
        user=request.user, revoke_tokens=request.POST.get("revoke_tokens") == "on"
    )
    update_session_auth_hash(request, request.user)
    message = "You are logged out of every other browser and device."
    if revoked:
        plural = "s" if revoked != 1 else ""
        message += f" {revoked} API token{plural} revoked: they no longer work."
    messages.success(request, message)
    return redirect("profile:index")


urlpatterns = [
    path("", profile, name="index"),
    path("logout-elsewhere/", logout_elsewhere, name="logout_elsewhere"),
    path("tokens/<int:pk>/revoke/", token_revoke, name="token_revoke"),
]
