"""Reads of interactions: an account's timeline, or one contact's, most recent first."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Account, Contact, Interaction, User

TIMELINE_ON_THE_PAGE = 10


def timeline(*, account: Account, contact: Contact | None = None) -> QuerySet[Interaction]:
    """The account's interactions (or those with `contact`), most recent first, with who took
    part and the activity recorded with each: three queries per page whatever its length (the
    rows, their contacts, our people)."""
    rows = Interaction.objects.filter(account=account)
    if contact is not None:
        rows = rows.filter(contacts=contact)
    return (
        rows.select_related("activity__activity_type", "recorded_by")
        .prefetch_related("contacts", "our_people")
        .order_by("-occurred_on", "-created_at", "-pk")
    )


def visible_interactions(user: User) -> QuerySet[Interaction]:
    """Every interaction of the accounts whose details the user may read (the API's list)."""
    return Interaction.objects.filter(account__in=Account.objects.with_details_visible_to(user))
