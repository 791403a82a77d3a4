"""The accounts and people a list's filter offers: those its rows name, read as choices.

A choice shows what `Account.__str__` and `User.__str__` show (`.only` those fields, so
kam.widgets.QuickSelect labels bare instances), in the order people look for them. The rows'
ids are gathered first and the table's primary key probed for them (kam.expressions
.InSubquery): a list names a few hundred of 50,000 accounts."""

from __future__ import annotations

from django.db.models import F, QuerySet, Subquery

from accounts.models import Account, User
from kam.expressions import InSubquery


def accounts_among(ids: QuerySet, accounts: QuerySet[Account] | None = None) -> QuerySet[Account]:
    """The accounts (of `accounts`, default all) whose ids the values() queryset `ids` lists,
    found by their primary key (to read their KAMs: `person_choices(...values("kam_id"))`)."""
    accounts = Account.objects.all() if accounts is None else accounts
    return accounts.filter(InSubquery(F("pk"), Subquery(ids)))


def account_choices(ids: QuerySet, accounts: QuerySet[Account] | None = None) -> QuerySet[Account]:
    """The accounts (of `accounts`, default all) whose ids the values() queryset `ids` lists."""
    return accounts_among(ids, accounts).only("pk", "name", "erp_code").order_by("name", "pk")


def person_choices(ids: QuerySet) -> QuerySet[User]:
    """The people whose ids the values() queryset `ids` lists (nulls are no one)."""
    return (
        User.objects.filter(InSubquery(F("pk"), Subquery(ids)))
        .only("pk", "first_name", "last_name", "username")
        .order_by("last_name", "first_name", "username")
    )
