"""The profile page: who you are, your password (change it: every other session ends), and your
personal API tokens (create, shown once; revoke)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.api import tokens
from accounts.models import ApiToken
from accounts.services import user_sessions_end_elsewhere
from kam import rules as kam_rules
from kam.errors import DomainError
from kam.forms import style

app_name = "profile"


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=80,
        help_text="What it is for, e.g. “BI export” or “CRM sync”.",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


def _password_form(request: HttpRequest) -> PasswordChangeForm:
    form = PasswordChangeForm(user=request.user)
    style(form)
    return form


def _render(
    request: HttpRequest,
    form: TokenForm,
    new_token: str | None = None,
    password_form: PasswordChangeForm | None = None,
) -> HttpResponse:
    user_tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-pk")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "password_form": password_form or _password_form(request),
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


class PasswordChange(PasswordChangeView):
    """Django's password change (old password, the new one twice, AUTH_PASSWORD_VALIDATORS), on
    the profile page. The session hash includes the password, so every other session of the
    user ends; the view keeps this one (update_session_auth_hash)."""

    http_method_names = ["post"]
    success_url = reverse_lazy("profile:index")

    def get_form(self, form_class: type | None = None) -> PasswordChangeForm:
        form = super().get_form(form_class)
        style(form)
        return form

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(
            self.request,
            "Password changed. Every other browser and device where you were logged in is "
            "logged out; your API tokens keep working.",
        )
        return response

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:
        return _render(self.request, TokenForm(), password_form=form)


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
    path("password/", PasswordChange.as_view(), name="password_change"),
    path("logout-elsewhere/", logout_elsewhere, name="logout_elsewhere"),
    path("tokens/<int:pk>/revoke/", token_revoke, name="token_revoke"),
]
