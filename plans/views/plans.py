"""Pages of the account plan: the plan, edited in place; its lifecycle; versions compared side by
side; the printable view.

In place: each section is its own form; with htmx a save swaps only that section (so text typed
in other sections stays), and so does adding an objective, a solution or an action. Without
JavaScript every form is a plain POST followed by a redirect back to the plan.

No lost updates: a save against a version that is no longer current shows the user's text and
the current one side by side with the differences highlighted, the user's text in a textarea
bound to the current version: save it (keep mine), reload (take the current one) or edit (merge).

Who: a plan is a 404 for anyone outside the account's people and the directors (operations
included); the people who may see but not change it (directors, team members outside the KAM
group) get a 403 on any write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import Account
from accounts.runs import current_run
from kam import errors
from kam.bounds import MAX_TEXT
from kam.diffing import normalise_text, parts_diff, text_diff
from kam.editing import conflict_fields, refusals_on, refusals_shown
from kam.permissions import require
from plans.forms import (
    ActionForm,
    CommitmentForm,
    CompareForm,
    ObjectiveForm,
    PlanCreateForm,
    PlanDetailsForm,
    ReasonForm,
    SectionForm,
    SolutionForm,
    VersionNoteForm,
)
from plans.models import Commitment, Plan, PlanSection, PlanStatus, PlanVersion, SectionKind
from plans.selectors import plans as plans_selectors
from plans.services import commitments
from plans.services import plans as plans_services
from plans.services.plans import plan_abilities

VERSIONS_PAGE_SIZE = 25


def plan_url(plan: Plan, anchor: str = "") -> str:
    url = reverse("plans:plan_detail", args=[plan.pk])
    return f"{url}#{anchor}" if anchor else url


def plan_or_404(request: HttpRequest, pk: int) -> Plan:
    try:
        return plans_selectors.plan_for_page(user=request.user, pk=pk)
    except Plan.DoesNotExist:
        # Not visible and missing get the same answer, so ids reveal nothing.
        raise Http404("No plan found.") from None


def require_edit(request: HttpRequest, plan: Plan) -> None:
    require(
        request.user, "plans.change_plan", plan, "Only the KAMs serving this account edit its plan."
    )


# --- Creating and reading -------------------------------------------------------------------


@login_required
def plan_create(request: HttpRequest, account_pk: int) -> HttpResponse:
    """Start a plan for a key account (its KAMs only)."""
    try:
        account = Account.objects.visible_to(request.user).select_related("kam").get(pk=account_pk)
    except Account.DoesNotExist:
        raise Http404("No account found.") from None
    if not request.user.has_perm("plans.view_plan", account):
        raise Http404("No account found.")
    require(request.user, "plans.change_plan", account, "Only the account's KAMs start its plan.")
    today = timezone.localdate()
    form = PlanCreateForm(
        request.POST or None, initial=plans_selectors.new_plan_defaults(account, today)
    )
    if request.method == "POST" and form.is_valid():
        with refusals_on(form):
            plan = plans_services.plan_create(
                account=account, actor=request.user, **form.cleaned_data
            )
            messages.success(request, "Plan started: write its sections below.")
            return redirect(plan_url(plan))
    return render(request, "plans/plan_create.html", {"account": account, "form": form})


def _item_forms(page: plans_selectors.PlanPage) -> dict[str, Any]:
    return {
        "objective_form": ObjectiveForm(auto_id="id_objective_%s"),
        "solution_form": SolutionForm(auto_id="id_solution_%s"),
        "action_form": ActionForm(people=page.team, auto_id="id_action_%s"),
    }


def _plan_page(
    request: HttpRequest, plan: Plan, *, commitment_form: CommitmentForm | None = None
) -> HttpResponse:
    page = plans_selectors.plan_page(plan=plan, run=current_run(), today=timezone.localdate())
    can = plan_abilities(user=request.user, plan=plan)
    context: dict[str, Any] = {
        "plan": plan,
        "page": page,
        "can": can,
        "max_text": MAX_TEXT,
        # Pipeline, not content: open in every status but archived (plans/services/opportunities).
        "can_opportunities": request.user.has_perm("plans.change_opportunity", plan)
        and plan.status != PlanStatus.ARCHIVED,
    }
    if can.edit:
        context.update(_item_forms(page))
        context["version_form"] = VersionNoteForm()
    if commitment_form is not None:
        # A refused proposal is shown with its messages even where the page offers no form
        # (an archived plan), so the user reads why and keeps what they typed.
        context["commitment_form"] = commitment_form
    elif can.commit:
        context["commitment_form"] = CommitmentForm()
    return render(request, "plans/plan_detail.html", context)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan, every part of it, edited in place by its KAMs. A fixed number of queries
    however many sections, objectives, solutions, actions and versions it has."""
    return _plan_page(request, plan_or_404(request, pk))


@login_required
def plan_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan on A4, without navigation or forms: print it or save it as PDF."""
    plan = plan_or_404(request, pk)
    page = plans_selectors.plan_page(plan=plan, run=current_run(), today=timezone.localdate())
    return render(request, "plans/plan_print.html", {"plan": plan, "page": page})


# --- Service commitments in the plan ----------------------------------------------------------


@login_required
@require_POST
def commitment_propose(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose a service commitment as part of the plan; refused input shows the plan page
    again with the form open, the typed values and the messages."""
    plan = plan_or_404(request, pk)
    require(
        request.user,
        "plans.change_commitment",
        plan.account,
        "Only the account's KAMs and the directors propose commitments.",
    )
    form = CommitmentForm(request.POST)
    if form.is_valid():
        with refusals_on(form):
            created = commitments.commitment_create(
                account=plan.account, plan=plan, actor=request.user, **form.cleaned_data
            )
            messages.success(request, f"Commitment “{created}” proposed.")
            return redirect(plan_url(plan, "commitments"))
    return _plan_page(request, plan, commitment_form=form)


@login_required
@require_POST
def commitment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a commitment proposed in a plan (404 for a plan the user cannot see)."""
    try:
        commitment = Commitment.objects.select_related("account").get(
            pk=pk, plan__in=plans_selectors.visible_plans(request.user)
        )
    except Commitment.DoesNotExist:
        raise Http404("No commitment found.") from None
    with refusals_shown(request):
        commitments.commitment_deactivate(commitment=commitment, actor=request.user)
        messages.success(request, f"Commitment “{commitment}” withdrawn.")
    return redirect(reverse("plans:plan_detail", args=[commitment.plan_id]) + "#commitments")


# --- Plan details -----------------------------------------------------------------------------


def _details_page(
    request: HttpRequest, plan: Plan, form: PlanDetailsForm, *, conflict: Any = None
) -> HttpResponse:
    return render(
        request,
        "plans/plan_edit.html",
        {"plan": plan, "form": form, "conflict": conflict},
        status=409 if conflict else 200,
    )


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Title, review date, period end and investment required, with the plan's version."""
    plan = plan_or_404(request, pk)
    require_edit(request, plan)
    if request.method != "POST":
        return _details_page(request, plan, PlanDetailsForm(instance=plan))
    form = PlanDetailsForm(request.POST, instance=plan)
    if form.is_valid():
        with refusals_on(form):
            try:
                plans_services.plan_update(
                    plan=plan,
                    expected_version=form.cleaned_data["version"],
                    actor=request.user,
                    **form.field_values(),
                )
            except errors.ConflictError as conflict:
                current = plan_or_404(request, pk)
                return _details_page(
                    request,
                    current,
                    form.with_version(current.version, instance=current),
                    conflict={"message": str(conflict), "fields": conflict_fields(form, current)},
                )
            messages.success(request, "Plan details saved.")
            return redirect(plan_url(plan))
    return _details_page(request, plan, form)


# --- Sections, in place -----------------------------------------------------------------------


def _section_row(plan: Plan, kind: str) -> plans_selectors.SectionRow:
    section = PlanSection.objects.filter(plan=plan, kind=kind).select_related("updated_by").first()
    return plans_selectors.SectionRow(kind, str(SectionKind(kind).label), section)


def _section_response(
    request: HttpRequest,
    plan: Plan,
    row: plans_selectors.SectionRow,
    *,
    conflict: dict[str, Any] | None = None,
    announcement: str = "",
    error: str = "",
    draft: str | None = None,
) -> HttpResponse:
    """The section as stored, or with `draft` (the text typed) in its textarea."""
    context = {
        "plan": plan,
        "row": row,
        "can": plan_abilities(user=request.user, plan=plan),
        "conflict": conflict,
        "announcement": announcement,
        "error": error,
        "draft": draft,
        "max_text": MAX_TEXT,
    }
    if request.htmx:
        return render(request, "plans/_section.html", context)
    # Without JavaScript a conflict or a refusal is a page of its own.
    status = 409 if conflict else 400
    return render(request, "plans/section_page.html", context, status=status)


@login_required
def section_save(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Save one section. GET (htmx) gives the section as stored: "take the current text"."""
    plan = plan_or_404(request, pk)
    if kind not in SectionKind.values:
        raise Http404("No such section.")
    if request.method != "POST":
        if request.htmx:
            return _section_response(request, plan, _section_row(plan, kind))
        return redirect(plan_url(plan, f"section-{kind}"))
    require_edit(request, plan)
    form = SectionForm(request.POST)
    if "version" in form.errors:
        return HttpResponse("The section's version is missing.", status=400)
    if not form.is_valid():  # the text is refused (too long): shown again as typed
        return _section_response(
            request,
            plan,
            _section_row(plan, kind),
            error=" ".join(form.errors["body"]),
            draft=normalise_text(request.POST.get("body", "")),
        )
    body = form.cleaned_data["body"]
    try:
        section = plans_services.plan_section_save(
            plan=plan,
            kind=kind,
            body=body,
            expected_version=form.cleaned_data["version"],
            actor=request.user,
        )
    except errors.PermissionDenied:
        raise
    except errors.ConflictError as conflict:
        row = _section_row(plan, kind)
        return _section_response(
            request,
            plan,
            row,
            conflict={
                "message": str(conflict),
                "mine": body,
                # The text shown as current is the one re-read just now: bind to its version.
                "version": row.version,
                "diff": text_diff(body, row.body),
            },
        )
    except errors.InvalidInput as refusal:
        row = _section_row(plan, kind)
        return _section_response(request, plan, row, error=str(refusal), draft=body)
    except errors.DomainError as refusal:
        if request.htmx:
            return _section_response(request, plan, _section_row(plan, kind), error=str(refusal))
        messages.error(request, str(refusal))
        return redirect(plan_url(plan, f"section-{kind}"))
    label = SectionKind(kind).label
    if request.htmx:
        row = plans_selectors.SectionRow(kind, str(label), section)
        return _section_response(
            request,
            plan,
            row,
            # The plan's version number, the one counter the page shows (a section's own
            # version only guards against lost updates).
            announcement=f"Saved: plan version {plans_selectors.newest_version_number(plan)}.",
        )
    messages.success(request, f"“{label}” saved.")
    return redirect(plan_url(plan, f"section-{kind}"))


# --- Lifecycle -----------------------------------------------------------------------------


@login_required
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit the plan for approval; the service says who may and when."""
    plan = plan_or_404(request, pk)
    with refusals_shown(request):
        plans_services.plan_submit(plan=plan, actor=request.user)
        messages.success(request, "Plan submitted for approval.")
    return redirect(plan_url(plan))


@dataclass(frozen=True)
class Step:
    """A lifecycle step taken with words kept in the plan's history: its service (called with
    plan, actor and reason), who may, and what its confirmation page says."""

    service: Callable[..., Any]
    perm: str
    refusal: str
    title: str
    label: str
    required: bool
    button: str
    css: str
    done: str
    explanation: str = ""


STEPS = {
    "approve": Step(
        lambda *, reason, **kw: plans_services.plan_approve(comment=reason, **kw),
        "plans.approve_plan",
        "Only a sales director approves plans.",
        "Approve the plan",
        "Comment for the KAM (optional, kept with the approved version)",
        False,
        "Approve",
        "btn-success",
        "Plan approved.",
    ),
    "send_back": Step(
        plans_services.plan_return,
        "plans.approve_plan",
        "Only a sales director sends plans back.",
        "Send the plan back to its KAM",
        "What the plan needs (kept with the version; the KAM is notified)",
        True,
        "Send back",
        "btn-danger",
        "Plan sent back to its KAM.",
    ),
    "archive": Step(
        plans_services.plan_archive,
        "plans.archive_plan",
        "Only a sales director or an administrator archives a plan.",
        "Archive the plan",
        "Why it is archived",
        True,
        "Archive",
        "btn-danger",
        "Plan archived.",
        "An archived plan no longer changes and no longer counts as the account's plan. "
        "A director or an administrator can restore it.",
    ),
    "restore": Step(
        plans_services.plan_restore,
        "plans.archive_plan",
        "Only a sales director or an administrator restores a plan.",
        "Restore the plan",
        "Why it is restored (optional)",
        False,
        "Restore",
        "btn-primary",
        "Plan restored.",
        "The plan returns to the status it had before it was archived.",
    ),
}


@login_required
def plan_decide(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Approve, send back, archive or restore, each confirmed on a page of its own with the
    comment or reason it keeps; the service says who may and when."""
    plan = plan_or_404(request, pk)
    spec = STEPS[step]
    require(request.user, spec.perm, plan, spec.refusal)
    # Bound on every POST, even an empty one: approving needs no comment.
    data = request.POST if request.method == "POST" else None
    form = ReasonForm(data, label=spec.label, required=spec.required)
    back = _next_url(request)
    if request.method == "POST" and form.is_valid():
        with refusals_on(form):
            spec.service(plan=plan, reason=form.cleaned_data["reason"], actor=request.user)
            messages.success(request, spec.done)
            return redirect(back or plan_url(plan))
    return render(
        request,
        "plans/plan_decide.html",
        {"plan": plan, "form": form, "step": spec, "next": back},
    )


def _next_url(request: HttpRequest) -> str:
    """Where a step taken from another page (the plans list) returns: a path of this site."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else ""


@login_required
@require_POST
def plan_next_period(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    require_edit(request, plan)
    with refusals_shown(request):
        successor = plans_services.plan_start_next_period(plan=plan, actor=request.user)
        messages.success(
            request,
            "Next period's plan started from this one; this plan runs until it is approved.",
        )
        return redirect(plan_url(successor))
    return redirect(plan_url(plan))


@login_required
@require_POST
def plan_version_save(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    require_edit(request, plan)
    form = VersionNoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    version = plans_services.plan_version_save(plan=plan, actor=request.user, note=note)
    messages.success(request, f"Version {version.number} kept.")
    return redirect(plan_url(plan, "versions"))


# --- Versions ---------------------------------------------------------------------------------


@login_required
def plan_versions(request: HttpRequest, pk: int) -> HttpResponse:
    """Every saved version, newest first; pick any two to compare."""
    plan = plan_or_404(request, pk)
    page_obj = Paginator(plans_selectors.plan_versions(plan), VERSIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "plans/plan_versions.html", {"plan": plan, "page_obj": page_obj})


@login_required
def plan_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two versions side by side, part by part, with the changes highlighted."""
    plan = plan_or_404(request, pk)
    form = CompareForm(request.GET)
    if not form.is_valid():
        return redirect("plans:plan_versions", pk=plan.pk)
    try:
        older, newer = plans_selectors.plan_version_pair(
            plan, form.cleaned_data["a"], form.cleaned_data["b"]
        )
    except PlanVersion.DoesNotExist:
        raise Http404("No such version.") from None
    snapshots = plans_selectors.version_snapshots([older, newer])
    parts = parts_diff(
        plans_selectors.snapshot_parts(snapshots[older.pk]),
        plans_selectors.snapshot_parts(snapshots[newer.pk]),
    )
    return render(
        request,
        "plans/plan_compare.html",
        {
            "plan": plan,
            "can": plan_abilities(user=request.user, plan=plan),
            "older": older,
            "newer": newer,
            "parts": parts,
            "changed": sum(1 for part in parts if part.changed),
            "older_label": f"Version {older.number}",
            "newer_label": f"Version {newer.number}",
        },
    )
