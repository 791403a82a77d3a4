"""The KAM's side of the plan shared with the customer: make a personal link for a DMU contact
(shown once), see each link's openings and the customer's answers, revoke a link."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kam.editing import refusals_on
from kam.permissions import require
from plans.forms import PlanShareForm
from plans.models import PlanShare
from plans.selectors.sharing import plan_shares as plan_shares_of
from plans.services import sharing
from plans.views.plans import plan_or_404


@never_cache  # the page shows a new link once: no copy of it may stay in a cache
@login_required
def plan_shares(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    require(request.user, "plans.share_plan", plan, "Only the account's KAMs share its plan.")
    form = PlanShareForm(request.POST or None, plan=plan, auto_id="id_share_%s")
    context: dict[str, Any] = {"plan": plan}
    if request.method == "POST" and form.is_valid():
        with refusals_on(form):
            data = form.cleaned_data
            share, raw = sharing.share_create(
                plan=plan,
                contact=data["contact"],
                actor=request.user,
                sections=data["sections"],
                objective_ids=[o.pk for o in data["objectives"]],
                action_ids=[a.pk for a in data["actions"]],
                commitment_ids=[c.pk for c in data["commitments"]],
                days=data["days"],
            )
            context["new_link"] = request.build_absolute_uri(reverse("shared:page", args=[raw]))
            context["new_share"] = share
            form = PlanShareForm(plan=plan, auto_id="id_share_%s")
    context["form"] = form
    context["shares"] = plan_shares_of(plan)
    return render(request, "plans/plan_shares.html", context)


@require_POST
@login_required
def plan_share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    share = PlanShare.objects.filter(pk=pk).select_related("plan", "contact").first()
    if share is None:
        raise Http404("No such link.")
    plan = plan_or_404(request, share.plan_id)
    share.plan = plan
    sharing.share_revoke(share=share, actor=request.user)
    messages.success(request, f"The link for {share.contact.name} is revoked: it no longer works.")
    return redirect("plans:plan_shares", plan.pk)
