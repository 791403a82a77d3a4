"""Pages of a plan's objectives, solutions and actions: added in place (htmx swaps the list),
edited on a page of their own, deleted at the version seen; a save over a newer version shows
both, field by field (see plans/views/plans.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.runs import current_run
from kam import errors
from kam.editing import conflict_fields, refusals_on, refusals_shown
from plans.forms import ActionForm, ObjectiveForm, SolutionForm
from plans.models import Action, Objective, Plan, Solution
from plans.selectors import plans as plans_selectors
from plans.services import items
from plans.services.plans import plan_abilities
from plans.views.plans import plan_or_404, plan_url, require_edit


@dataclass(frozen=True)
class ItemPages:
    model: type[models.Model]
    form: type[Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    argument: str  # the update/delete services' keyword for the item
    anchor: str
    region: str  # the template swapped in place by htmx
    noun: str
    people: bool  # the form offers the KAM and the team as owners

    def make_form(self, page_team: list[Any], *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("auto_id", f"id_{self.argument}_%s")
        if self.people:
            kwargs["people"] = page_team
        return self.form(*args, **kwargs)


ITEMS = {
    "objectives": ItemPages(
        Objective,
        ObjectiveForm,
        items.objective_create,
        items.objective_update,
        items.objective_delete,
        "objective",
        "objectives",
        "plans/_objectives.html",
        "objective",
        False,
    ),
    "solutions": ItemPages(
        Solution,
        SolutionForm,
        items.solution_create,
        items.solution_update,
        items.solution_delete,
        "solution",
        "solutions",
        "plans/_solutions.html",
        "solution",
        False,
    ),
    "actions": ItemPages(
        Action,
        ActionForm,
        items.action_create,
        items.action_update,
        items.action_delete,
        "action",
        "actions",
        "plans/_actions.html",
        "action",
        True,
    ),
}


def _kind(kind: str) -> ItemPages:
    if kind not in ITEMS:
        raise Http404("No such part of a plan.")
    return ITEMS[kind]


def _item_or_404(request: HttpRequest, item: ItemPages, pk: int) -> Any:
    """An objective, solution or action of a plan the user may see (404 otherwise)."""
    try:
        return item.model.objects.select_related("plan__account__kam").get(
            pk=pk, plan__in=plans_selectors.visible_plans(request.user)
        )
    except item.model.DoesNotExist:
        raise Http404(f"No {item.noun} found.") from None


def _region_response(
    request: HttpRequest, plan: Plan, item: ItemPages, form: Any, announcement: str = ""
) -> HttpResponse:
    page = plans_selectors.plan_page(plan=plan, run=current_run(), today=timezone.localdate())
    context = {
        "plan": plan,
        "page": page,
        "can": plan_abilities(user=request.user, plan=plan),
        f"{item.argument}_form": form,
        "announcement": announcement,
    }
    return render(request, item.region, context)


@login_required
def item_create(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Add an objective, solution or action. With htmx its list swaps in place (the form with
    its errors and the typed values, or the list with the new item and an empty form)."""
    item = _kind(kind)
    plan = plan_or_404(request, pk)
    require_edit(request, plan)
    team = plans_selectors.plan_team(plan.account)
    form = item.make_form(team, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_on(form):
            created = item.create(plan=plan, actor=request.user, **form.field_values())
            if request.htmx:
                return _region_response(
                    request,
                    plan,
                    item,
                    item.make_form(team),
                    announcement=f"Added “{created}”.",
                )
            messages.success(request, f"Added “{created}”.")
            return redirect(plan_url(plan, item.anchor))
    if request.htmx:
        return _region_response(request, plan, item, form)
    return render(
        request,
        "plans/item_form.html",
        {"plan": plan, "form": form, "item": item, "kind": kind, "creating": True},
    )


def _item_page(
    request: HttpRequest,
    plan: Plan,
    item: ItemPages,
    kind: str,
    form: Any,
    obj: Any,
    *,
    conflict: Any = None,
) -> HttpResponse:
    return render(
        request,
        "plans/item_form.html",
        {
            "plan": plan,
            "form": form,
            "item": item,
            "kind": kind,
            "object": obj,
            "conflict": conflict,
            "can": plan_abilities(user=request.user, plan=plan),
        },
        status=409 if conflict else 200,
    )


@login_required
def item_edit(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Edit an objective, solution or action; over a newer version: both, field by field."""
    item = _kind(kind)
    obj = _item_or_404(request, item, pk)
    plan = obj.plan
    require_edit(request, plan)
    team = plans_selectors.plan_team(plan.account)
    if request.method != "POST":
        return _item_page(request, plan, item, kind, item.make_form(team, instance=obj), obj)
    form = item.make_form(team, request.POST, instance=obj)
    if form.is_valid():
        with refusals_on(form):
            try:
                item.update(
                    **{item.argument: obj},
                    expected_version=form.cleaned_data["version"],
                    actor=request.user,
                    **form.field_values(),
                )
            except errors.ConflictError as conflict:
                current = _item_or_404(request, item, pk)
                return _item_page(
                    request,
                    plan,
                    item,
                    kind,
                    form.with_version(current.version, instance=current),
                    current,
                    conflict={"message": str(conflict), "fields": conflict_fields(form, current)},
                )
            messages.success(request, f"Saved “{obj}”.")
            return redirect(plan_url(plan, item.anchor))
    return _item_page(request, plan, item, kind, form, obj)


@login_required
@require_POST
def item_delete(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Delete at the version the user saw; if it changed meanwhile, show it before deleting."""
    item = _kind(kind)
    obj = _item_or_404(request, item, pk)
    plan = obj.plan
    require_edit(request, plan)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponse("The version is missing.", status=400)
    with refusals_shown(request):
        try:
            item.delete(**{item.argument: obj}, expected_version=version, actor=request.user)
        except errors.ConflictError as conflict:
            current = _item_or_404(request, item, pk)
            team = plans_selectors.plan_team(plan.account)
            return _item_page(
                request,
                plan,
                item,
                kind,
                item.make_form(team, instance=current),
                current,
                conflict={"message": str(conflict), "deleting": True},
            )
        messages.success(request, f"Deleted “{obj}”.")
    return redirect(plan_url(plan, item.anchor))
