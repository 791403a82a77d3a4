"""Account pages: the list every role starts from and the KAM's workspace for one account
(header, plan, contacts, team, ratings, commitments, metrics, history) with its forms.

Every form works without JavaScript (POST, then a redirect back to the section); a refused
or invalid form comes back with what was typed. Permissions are asked of kam/rules.py here
for the page and again by the services for every write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import services
from accounts.filters import AccountFilterSet
from accounts.forms import ContactForm, StageChangeForm, TeamMemberForm
from accounts.models import Account, Contact, TeamMembership
from accounts.runs import current_run
from accounts.selectors import accounts as accounts_selectors
from accounts.selectors import history
from kam import errors
from kam.editing import call_service, conflict_fields, refusals_on, refusals_shown
from kam.permissions import require

PAGE_SIZE = 50
# The forms the apps above accounts add to the account page (plans: a new plan; scoring: a
# rating), each (page, shows=, can=, today=) -> context; registered in their AppConfig.ready.
PAGE_FORMS: list[Callable[..., dict[str, Any]]] = []


def add_page_forms(forms: Callable[..., dict[str, Any]]) -> None:
    """Add an app's forms to the account page (called from its AppConfig.ready)."""
    if forms not in PAGE_FORMS:
        PAGE_FORMS.append(forms)


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    run = current_run()
    filterset = AccountFilterSet(request.GET, request=request, run=run)
    if fmt := request.GET.get("export"):
        return filterset.bound_table.export(filterset.qs.iterator(chunk_size=2000), fmt)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/account_list.html",
        {**filterset.page_context(page), "run": run},
    )


def _account_or_404(request: HttpRequest, pk: int) -> Account:
    try:
        return accounts_selectors.visible_account(user=request.user, pk=pk)
    except Account.DoesNotExist:
        # Not visible and missing get the same answer, so ids reveal nothing.
        raise Http404("No account found.") from None


def _section_url(account: Account, section: str) -> str:
    return f"{reverse('accounts:detail', args=[account.pk])}#{section}"


def metric_chart_data(page: accounts_selectors.AccountPage) -> dict[str, Any]:
    """The quarterly trend series for the charts (workspace.js draws them; the page shows the
    same figures as a table)."""

    def series(name: str) -> list[float | None]:
        return [
            None if getattr(snapshot, name) is None else float(getattr(snapshot, name))
            for snapshot in page.snapshots
        ]

    return {
        # Each snapshot's quarter (set by scoring's section) names a partial quarter as such.
        "labels": [snapshot.quarter.shown for snapshot in page.snapshots],
        "partial": [snapshot.quarter.partial for snapshot in page.snapshots],
        "charts": [
            {
                "id": "money",
                "title": "Revenue and cost to serve",
                "series": [
                    {"label": "Revenue", "data": series("revenue")},
                    {"label": "Cost to serve", "data": series("cost_to_serve")},
                    {"label": "Net profit", "data": series("net_profit")},
                ],
            },
            {
                "id": "margins",
                "title": "Margins and cost to serve, % of revenue",
                "series": [
                    {"label": "Gross margin %", "data": series("gross_margin_pct")},
                    {"label": "Net margin %", "data": series("net_margin_pct")},
                    {"label": "Cost to serve %", "data": series("cost_to_serve_pct")},
                ],
            },
            {
                "id": "wallet",
                "title": "Share of wallet %",
                "series": [{"label": "Share of wallet %", "data": series("share_of_wallet_pct")}],
            },
            {
                "id": "satisfaction",
                "title": "Satisfaction (0-100)",
                "series": [{"label": "Satisfaction", "data": series("satisfaction")}],
            },
        ],
    }


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The account workspace: what a KAM opens every morning. A constant number of queries
    whatever the number of contacts, commitments or history rows (asserted in tests)."""
    user = request.user
    account = _account_or_404(request, pk)
    shows = {
        "details": user.has_perm("accounts.view_account_details", account),
        "plans": user.has_perm("plans.view_plan", account),
        "commitments": user.has_perm("plans.view_commitment", account),
    }
    can = {
        "change_stage": user.has_perm("accounts.change_stage", account),
        "change_contact": user.has_perm("accounts.change_contact", account),
        "change_team": user.has_perm("accounts.change_team", account),
        "rate": user.has_perm("scoring.rate_account", account),
        "change_plan": user.has_perm("plans.change_plan", account),
        "record_interaction": user.has_perm("accounts.record_interaction", account),
    }
    today = timezone.localdate()
    page = accounts_selectors.account_page(
        account=account,
        run=current_run() if shows["details"] else None,
        include_details=shows["details"],
        include_plans=shows["plans"],
        include_commitments=shows["commitments"],
        today=today,
    )
    context: dict[str, Any] = {"page": page, "account": account, "shows": shows, "can": can}
    if can["change_stage"]:
        context["stage_form"] = StageChangeForm(current=account.stage, auto_id="id_stage_%s")
    if can["change_team"]:
        context["team_form"] = TeamMemberForm(
            candidates=accounts_selectors.team_candidates(account), auto_id="id_team_%s"
        )
    for forms in PAGE_FORMS:
        context.update(forms(page, shows=shows, can=can, today=today))
    if shows["details"]:
        context["chart_data"] = metric_chart_data(page)
    return render(request, "accounts/account_detail.html", context)


def _history_account_or_404(request: HttpRequest, pk: int) -> Account:
    """The account whose history the user may read (its details), else the account's 404."""
    account = _account_or_404(request, pk)
    if not request.user.has_perm("accounts.view_account_details", account):
        raise Http404("No account found.")
    return account


@login_required
def account_history_latest(request: HttpRequest, pk: int) -> HttpResponse:
    """The account page's History section: its newest changes, as a fragment the page loads
    when it scrolls into view (merging every tracked model's history is the page's heaviest
    read, so the page itself no longer waits for it)."""
    account = _history_account_or_404(request, pk)
    entries = history.account_history(account=account, limit=history.PAGE_HISTORY_ENTRIES)
    return render(request, "accounts/_history_table.html", {"entries": entries})


@login_required
def account_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The account's whole history, newest first, a page at a time."""
    account = _history_account_or_404(request, pk)
    size = history.HISTORY_PAGE_SIZE
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    entries = history.account_history(account=account, limit=number * size + 1)
    shown = entries[(number - 1) * size : number * size]
    return render(
        request,
        "accounts/account_history.html",
        {
            "account": account,
            "entries": shown,
            "page_number": number,
            "has_next": len(entries) > number * size,
            "has_previous": number > 1,
        },
    )


@login_required
def stage_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the account's relationship stage, with a reason (recorded with who and when)."""
    account = _account_or_404(request, pk)
    require(request.user, "accounts.change_stage", account)
    form = StageChangeForm(request.POST or None, current=account.stage)
    if request.method == "POST" and form.is_valid():
        change = call_service(
            form,
            lambda: services.account_change_stage(
                account=account,
                to_stage=form.cleaned_data["to_stage"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            ),
        )
        if change is not None:
            messages.success(
                request,
                f"Stage moved from {change.get_from_stage_display()} to "
                f"{change.get_to_stage_display()}.",
            )
            return redirect(_section_url(account, "overview"))
    return render(request, "accounts/stage_form.html", {"account": account, "form": form})


# --- Contacts ---------------------------------------------------------------------------------


def _contact_or_404(request: HttpRequest, account: Account, contact_pk: int) -> Contact:
    if not request.user.has_perm("accounts.view_contact", account):
        raise Http404("No contact found.")
    return get_object_or_404(
        Contact.objects.select_related("relationship_owner"), pk=contact_pk, account=account
    )


def _contact_form_page(
    request: HttpRequest,
    account: Account,
    form: ContactForm,
    *,
    contact: Contact | None = None,
    conflict: Any = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "accounts/contact_form.html",
        {"account": account, "form": form, "contact": contact, "conflict": conflict},
        status=status,
    )


@login_required
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(request, pk)
    require(request.user, "accounts.change_contact", account)
    people = accounts_selectors.plan_team(account)
    form = ContactForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        with refusals_on(form):
            contact = services.contact_create(
                account=account, actor=request.user, **form.field_values()
            )
            messages.success(request, f"{contact.name} added to the decision-making unit.")
            return redirect(_section_url(account, "contacts"))
    return _contact_form_page(request, account, form)


@login_required
def contact_edit(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """Edit a contact; a save over a newer version shows both, field by field (409)."""
    account = _account_or_404(request, pk)
    contact = _contact_or_404(request, account, contact_pk)
    require(request.user, "accounts.change_contact", account)
    people = accounts_selectors.plan_team(account)
    if request.method != "POST":
        form = ContactForm(instance=contact, people=people)
        return _contact_form_page(request, account, form, contact=contact)
    form = ContactForm(request.POST, instance=contact, people=people)
    if form.is_valid():
        with refusals_on(form):
            try:
                services.contact_update(
                    contact=contact,
                    expected_version=form.cleaned_data["version"],
                    actor=request.user,
                    **form.field_values(),
                )
            except errors.ConflictError as conflict:
                current = _contact_or_404(request, account, contact_pk)
                return _contact_form_page(
                    request,
                    account,
                    form.with_version(current.version, instance=current),
                    contact=current,
                    conflict={"message": str(conflict), "fields": conflict_fields(form, current)},
                    status=409,
                )
            messages.success(request, f"{contact.name} saved.")
            return redirect(_section_url(account, "contacts"))
    return _contact_form_page(request, account, form, contact=contact)


@login_required
@require_POST
def contact_delete(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """Delete a contact at the version the user saw; if it changed meanwhile, show it first."""
    account = _account_or_404(request, pk)
    contact = _contact_or_404(request, account, contact_pk)
    require(request.user, "accounts.change_contact", account)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponse("The version is missing.", status=400)
    with refusals_shown(request):
        try:
            services.contact_delete(contact=contact, expected_version=version, actor=request.user)
        except errors.ConflictError as conflict:
            current = _contact_or_404(request, account, contact_pk)
            form = ContactForm(instance=current, people=accounts_selectors.plan_team(account))
            return _contact_form_page(
                request,
                account,
                form,
                contact=current,
                conflict={"message": str(conflict), "deleting": True},
                status=409,
            )
        messages.success(request, f"{contact.name} removed from the decision-making unit.")
    return redirect(_section_url(account, "contacts"))


# --- Team ---------------------------------------------------------------------------------


@login_required
def team_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(request, pk)
    require(request.user, "accounts.change_team", account)
    form = TeamMemberForm(
        request.POST or None, candidates=accounts_selectors.team_candidates(account)
    )
    if request.method == "POST" and form.is_valid():
        membership = call_service(
            form,
            lambda: services.team_member_add(
                account=account,
                user=form.cleaned_data["user"],
                functional_role=form.cleaned_data["functional_role"],
                actor=request.user,
            ),
        )
        if membership is not None:
            messages.success(
                request,
                f"{membership.user} joined the team ({membership.get_functional_role_display()}).",
            )
            return redirect(_section_url(account, "team"))
    return render(request, "accounts/team_form.html", {"account": account, "form": form})


@login_required
@require_POST
def team_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    account = _account_or_404(request, pk)
    require(request.user, "accounts.change_team", account)
    membership = get_object_or_404(
        TeamMembership.objects.select_related("user", "account"), pk=membership_pk, account=account
    )
    services.team_member_remove(membership=membership, actor=request.user)
    messages.success(request, f"{membership.user} left the team.")
    return redirect(_section_url(account, "team"))
