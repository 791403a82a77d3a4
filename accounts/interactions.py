"""Interactions: the meetings and calls of the account's people with the customer's DMU
(DOMAIN.md, "DMU, coverage and interactions").

Recording one is one step: the interaction, each contact's last contact date (which feeds DMU
coverage) and, if asked, the matching cost-to-serve activity, all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from simple_history.utils import get_history_manager_for_model

from accounts.models import Account, Activity, ActivityType, Contact, Interaction, User
from accounts.selectors.accounts import plan_team
from kam.bounds import MAX_PARTICIPANTS
from kam.errors import InvalidInput
from kam.permissions import require
from kam.records import validated

MAX_QUANTITY = Decimal("999999999.999")


@transaction.atomic
def interaction_record(
    *,
    account: Account,
    occurred_on: dt.date,
    kind: str,
    subject: str,
    contacts: Iterable[Contact],
    our_people: Iterable[User],
    notes: str = "",
    next_steps: str = "",
    activity_type: ActivityType | None = None,
    activity_quantity: Decimal | None = None,
    actor: User,
) -> Interaction:
    """Record a meeting or call with contacts of the account.

    Who: the account's KAM and team, and administrators (`accounts.record_interaction`).
    Rules: on a day not after today; at least one of the account's contacts and at least one
    of our people (the KAM or a team member), each at most `kam.bounds.MAX_PARTICIPANTS`.
    Each contact's `last_contact_on` moves up to the day (never back), with a history row and
    a new version (an edit of the contact opened before then conflicts rather than undoing
    it). With an activity type (an active one), the cost-to-serve activity of that day is
    recorded too (quantity > 0, default 1 driver unit) and linked to the interaction."""
    require(actor, "accounts.record_interaction", account, "You may not record interactions here.")
    contacts, our_people = _distinct(contacts), _distinct(our_people)
    errors: dict[str, list[str]] = {}
    if occurred_on is not None and occurred_on > timezone.localdate():
        errors["occurred_on"] = [
            "An interaction is recorded once it has happened: not in the future."
        ]
    if not contacts:
        errors["contacts"] = ["Name at least one contact of the account."]
    elif len(contacts) > MAX_PARTICIPANTS:
        errors["contacts"] = [f"At most {MAX_PARTICIPANTS} contacts."]
    elif any(contact.account_id != account.pk for contact in contacts):
        errors["contacts"] = ["Every contact must belong to this account."]
    team = {person.pk for person in plan_team(account)}
    if not our_people:
        errors["our_people"] = ["Name at least one of our people who took part."]
    elif len(our_people) > MAX_PARTICIPANTS:
        errors["our_people"] = [f"At most {MAX_PARTICIPANTS} people."]
    elif outsiders := [str(person) for person in our_people if person.pk not in team]:
        errors["our_people"] = [f"Not the KAM nor on the account's team: {', '.join(outsiders)}."]
    activity = None
    if activity_type is not None:
        quantity = Decimal(1) if activity_quantity is None else activity_quantity
        if not activity_type.active:
            errors["activity_type"] = [f"“{activity_type}” is no longer in use."]
        elif not quantity.is_finite() or quantity <= 0 or quantity > MAX_QUANTITY:
            errors["activity_quantity"] = ["A quantity above zero, in driver units."]
        else:
            activity = Activity(
                account=account,
                activity_type=activity_type,
                date=occurred_on,
                quantity=quantity,
                note=(subject or "").strip()[:200],
                recorded_by=actor,
            )
    elif activity_quantity is not None:
        errors["activity_type"] = ["Choose the activity the quantity is of."]
    interaction = Interaction(
        account=account,
        occurred_on=occurred_on,
        kind=kind,
        subject=(subject or "").strip(),
        notes=(notes or "").strip(),
        next_steps=(next_steps or "").strip(),
        recorded_by=actor,
    )
    try:
        validated(interaction, exclude=["account", "activity", "recorded_by"])
    except InvalidInput as invalid:
        errors = {**invalid.errors, **errors}
    if errors:
        raise InvalidInput(errors)
    if activity is not None:
        validated(activity, exclude=["account", "activity_type", "recorded_by"])
        activity.save()
        interaction.activity = activity
    interaction.save()
    interaction.contacts.set(contacts)
    interaction.our_people.set(our_people)
    _contacts_met(contacts, occurred_on, actor=actor, reason=f"Interaction of {occurred_on}")
    return interaction


def _distinct[T](items: Iterable[T]) -> list[T]:
    seen: dict[int, T] = {}
    for item in items:
        seen.setdefault(item.pk, item)
    return list(seen.values())


def _contacts_met(contacts: list[Contact], day: dt.date, *, actor: User, reason: str) -> None:
    """Move the contacts' last contact date up to `day` (one UPDATE; those met later already
    keep theirs), bumping their version, and write their history rows."""
    pks = [contact.pk for contact in contacts]
    # Locked, so that two interactions recorded at once each move only what they should.
    moved = Contact.objects.select_for_update().filter(
        Q(last_contact_on__isnull=True) | Q(last_contact_on__lt=day), pk__in=pks
    )
    moved_pks = list(moved.order_by("pk").values_list("pk", flat=True))
    if not moved_pks:
        return
    Contact.objects.filter(pk__in=moved_pks).update(
        last_contact_on=day, version=F("version") + 1, updated_at=timezone.now()
    )
    get_history_manager_for_model(Contact).bulk_history_create(
        list(Contact.objects.filter(pk__in=moved_pks).order_by("pk")),
        update=True,
        default_user=actor,
        default_change_reason=reason,
    )
