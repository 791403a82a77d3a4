"""Pages of a plan's opportunities: added from the white-space map's cell (category and member
prefilled) or the plan page, edited (and closed as won or lost) on a page of their own."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.selectors.accounts import plan_team
from kam import errors
from kam.editing import refusals_on
from kam.permissions import require
from plans.forms import OpportunityForm
from plans.models import Opportunity, Plan
from plans.services import opportunities as services
from plans.views.plans import plan_or_404, plan_url

ANCHOR = "opportunities"


def _require_change(request: HttpRequest, plan: Plan) -> None:
    require(
        request.user,
        "plans.change_opportunity",
        plan,
        "Only the KAMs serving this account change its opportunities.",
    )


def _form(plan: Plan, *args: Any, **kwargs: Any) -> OpportunityForm:
    return OpportunityForm(
        *args,
        people=plan_team(plan.account),
        members=services.member_choices(plan),
        **kwargs,
    )


def _initial(request: HttpRequest, plan: Plan) -> dict[str, Any]:
    """What the map's cell link says (category and member), checked by the form's choices."""
    initial: dict[str, Any] = {"member": plan.account_id, "owner": plan.account.kam_id}
    for name in ("category", "member"):
        value = request.GET.get(name, "")
        if value.isdigit():
            initial[name] = int(value)
    return initial


@login_required
def opportunity_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    _require_change(request, plan)
    form = _form(plan, request.POST or None, initial=_initial(request, plan))
    if request.method == "POST" and form.is_valid():
        saved = None
        with refusals_on(form):
            saved = services.opportunity_create(
                plan=plan, actor=request.user, **form.field_values()
            )
        if saved is not None:
            messages.success(request, f"Opportunity “{saved}” added to the plan.")
            return redirect(plan_url(plan, ANCHOR))
    return render(
        request,
        "plans/opportunity_form.html",
        {"plan": plan, "form": form, "creating": True},
        status=400 if form.errors else 200,
    )


@login_required
def opportunity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = (
        Opportunity.objects.select_related("plan", "category", "member").filter(pk=pk).first()
    )
    if opportunity is None:
        raise Http404("No opportunity found.")
    plan = plan_or_404(request, opportunity.plan_id)
    _require_change(request, plan)
    form = _form(plan, request.POST or None, instance=opportunity)
    if request.method == "POST" and form.is_valid():
        saved = None
        with refusals_on(form):
            try:
                saved = services.opportunity_update(
                    opportunity=opportunity,
                    expected_version=form.cleaned_data["version"],
                    actor=request.user,
                    **form.field_values(),
                )
            except errors.ConflictError as conflict:
                form.add_error(None, f"{conflict} Reload the page to see the current version.")
        if saved is not None:
            messages.success(request, f"Opportunity “{saved}” saved.")
            return redirect(plan_url(plan, ANCHOR))
    return render(
        request,
        "plans/opportunity_form.html",
        {"plan": plan, "form": form, "object": opportunity, "creating": False},
        status=400 if form.errors else 200,
    )
