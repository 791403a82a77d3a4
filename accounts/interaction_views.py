"""The interactions page of an account (/accounts/<pk>/interactions/): record a meeting or call
with the DMU, and the timeline, most recent first (the account's, or one contact's with
?contact=<id>)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.forms import InteractionForm
from accounts.interactions import interaction_record
from accounts.models import Account, ActivityType, Contact
from accounts.selectors.accounts import plan_team, visible_account
from accounts.selectors.interactions import timeline
from kam.editing import call_service
from kam.permissions import require

PAGE_SIZE = 25


@login_required
def interactions(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        account = visible_account(user=user, pk=pk)
    except Account.DoesNotExist:
        raise Http404("No account found.") from None
    if not user.has_perm("accounts.view_interaction", account):
        raise Http404("No account found.")
    if request.method == "POST":
        require(user, "accounts.record_interaction", account)
    contacts = list(Contact.objects.filter(account=account).order_by("-influence", "name", "pk"))
    contact = _chosen_contact(request, contacts)
    form = None
    if user.has_perm("accounts.record_interaction", account):
        people = plan_team(account)
        form = InteractionForm(
            request.POST or None,
            contacts=contacts,
            people=people,
            activity_types=ActivityType.objects.filter(active=True).order_by("name", "pk"),
            initial={
                "occurred_on": timezone.localdate(),
                "contacts": [str(contact.pk)] if contact else [],
                "our_people": [str(user.pk)] if any(p.pk == user.pk for p in people) else [],
            },
        )
    if form is not None and request.method == "POST" and form.is_valid():
        recorded = call_service(
            form, lambda: interaction_record(account=account, actor=user, **form.service_values())
        )
        if recorded is not None:
            met = ", ".join(c.name for c in recorded.contacts.all())
            cost = f"; {recorded.activity.activity_type} recorded" if recorded.activity else ""
            messages.success(
                request, f"Interaction of {recorded.occurred_on:%-d %b %Y} with {met} saved{cost}."
            )
            return redirect(reverse("accounts:interactions", args=[account.pk]))
    page = Paginator(timeline(account=account, contact=contact), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/interactions.html",
        {"account": account, "form": form, "contact": contact, "page_obj": page},
    )


def _chosen_contact(request: HttpRequest, contacts: list[Contact]) -> Contact | None:
    """The contact of ?contact=<id> among the account's (a 404 for another account's)."""
    wanted = request.GET.get("contact")
    if not wanted:
        return None
    found = next((c for c in contacts if str(c.pk) == wanted), None)
    if found is None:
        raise Http404("No contact found.")
    return found
