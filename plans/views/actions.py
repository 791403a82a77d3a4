"""The actions list: every relationship-building action of the plans the user may see, across
accounts, filtered and sorted, a page at a time or downloaded whole (CSV or Excel); "My
actions", the ones a user owns, each marked done in place; and an action's progress page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kam import errors
from kam.editing import refusals_on
from kam.permissions import require
from plans.filters import ActionFilterSet, MyActionFilterSet
from plans.forms import ActionProgressForm
from plans.models import Action, ActionStatus
from plans.selectors import actions
from plans.services import items
from plans.tables import MY_ACTIONS
from plans.views.commitments import safe_next

PAGE_SIZE = 50


@login_required
def action_list(request: HttpRequest) -> HttpResponseBase:
    """What the user's plans promise to do, soonest due first. Plans are read by their
    accounts' people and the directors only, so operations see none."""
    filterset = ActionFilterSet(request.GET, request=request, today=timezone.localdate())
    if fmt := request.GET.get("export"):
        return filterset.bound_table.export(filterset.qs.iterator(chunk_size=2000), fmt)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "plans/action_list.html",
        filterset.page_context(page),
    )


def _list_url(request: HttpRequest) -> str:
    """The page to come back to after a change: the submitted `next` when it is this site's,
    else "My actions"."""
    return safe_next(request, reverse("plans:my_actions"))


@login_required
def my_actions(request: HttpRequest) -> HttpResponseBase:
    """Everyone's own actions across the plans they may see, overdue first, then by due date;
    each with a checkbox that marks it done in place (htmx) or with a plain form post."""
    filterset = MyActionFilterSet(request.GET, request=request, today=timezone.localdate())
    if fmt := request.GET.get("export"):
        return filterset.bound_table.export(filterset.qs.iterator(chunk_size=2000), fmt)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "plans/my_actions.html",
        {**filterset.page_context(page), "list_url": request.get_full_path()},
    )


def _action_or_404(request: HttpRequest, pk: int) -> Action:
    try:
        return actions.action_for_progress(user=request.user, pk=pk)
    except Action.DoesNotExist:
        raise Http404("No action found.") from None


def _my_row(request: HttpRequest, pk: int, announcement: str, *, short: str) -> HttpResponse:
    """One row of "My actions" as it is now (htmx swaps it in place), saying what happened."""
    row = actions.my_action_rows(user=request.user, today=timezone.localdate()).filter(pk=pk)
    row = row.first()
    if row is None:  # not on the user's list (another's action, an archived plan's)
        return HttpResponse(status=204)
    row.announcement, row.announcement_short = announcement, short
    return render(
        request,
        "plans/_my_action_row.html",
        {"row": row, "table": MY_ACTIONS.for_user(request.user), "list_url": _list_url(request)},
    )


@login_required
@require_POST
def action_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The done checkbox: ticked marks the action done, unticked reopens it (as open), through
    `action_progress` (its owner, or the account's KAMs). With htmx the row swaps in place;
    without JavaScript the form posts and the page comes back with a message."""
    action = _action_or_404(request, pk)
    require(request.user, "plans.progress_action", action, items.PROGRESS_REFUSAL)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponse("The version is missing.", status=400)
    done = bool(request.POST.get("done"))
    try:
        updated = items.action_progress(
            action=action,
            expected_version=version,
            actor=request.user,
            status=ActionStatus.DONE if done else ActionStatus.OPEN,
        )
    except errors.ConflictError:
        action.refresh_from_db()
        said = (
            f"Someone changed “{action.title}” meanwhile: it is "
            f"{action.get_status_display().lower()} now. Tick it again if that is not right."
        )
        ok = False
    except errors.DomainError as refusal:
        said, ok = str(refusal), False
    else:
        verb = "done" if updated.status == ActionStatus.DONE else "open again"
        said, ok = f"“{updated.title}” is {verb}.", True
    if request.htmx:
        # In the narrow Done column a success reads short; screen readers hear the sentence.
        return _my_row(request, pk, said, short=f"{verb.capitalize()}." if ok else said)
    (messages.success if ok else messages.error)(request, said)
    return redirect(_list_url(request))


@login_required
def action_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """An action's progress page: its status, its due date and a progress note, for its owner
    (a team member, not only the KAM) and the account's KAMs; with its notes and history."""
    action = _action_or_404(request, pk)
    require(request.user, "plans.progress_action", action, items.PROGRESS_REFUSAL)
    initial = {"status": action.status, "due_date": action.due_date, "version": action.version}
    form = ActionProgressForm(request.POST or None, initial=initial)
    conflict = ""
    if request.method == "POST" and form.is_valid():
        with refusals_on(form):
            try:
                items.action_progress(
                    action=action,
                    expected_version=form.cleaned_data["version"],
                    actor=request.user,
                    **form.field_values(),
                )
            except errors.ConflictError as clash:
                action.refresh_from_db()
                conflict = str(clash)
                form = form.with_version(action.version)
            else:
                messages.success(request, f"Saved the progress of “{action.title}”.")
                return redirect(_list_url(request))
    return render(
        request,
        "plans/action_progress.html",
        {
            "action": action,
            "form": form,
            "conflict": conflict,
            "notes": actions.action_notes(action),
            "history": actions.action_history(action),
            "list_url": _list_url(request),
            "can_edit_plan": request.user.has_perm("plans.change_plan", action.plan),
        },
        status=409 if conflict else 200,
    )
