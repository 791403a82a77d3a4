"""KAMs' 1-5 ratings of the rated selection criteria (DOMAIN.md, "Selecting key accounts").

Ratings are append-only: each rating is a new row and the newest per (account, criterion) is the
one the next scoring run uses, so the history of who rated what, and when, is never lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, User
from accounts.services import refuse_member
from kam.errors import DomainError, InvalidInput
from kam.permissions import require
from scoring.models import Criterion, CriterionKind, Rating

RATING_VALUES = range(1, 6)
MAX_RATING_COMMENT = 2000
VALUE_REFUSAL = "A rating is a whole number from 1 to 5."


def not_rated_message(criterion: Criterion | str) -> str:
    label = criterion.label if isinstance(criterion, Criterion) else criterion
    return f"“{label}” is not an active rated criterion."


@transaction.atomic
def ratings_record(
    *,
    account: Account,
    values: Mapping[str, int],
    comments: Mapping[str, str] | None = None,
    actor: User,
) -> list[Rating]:
    """Record the account's ratings of several rated criteria at once ({criterion key: 1-5},
    with an optional comment per key): all of them or, if one is refused, none.

    Only those who may rate the account (kam/rules.py `scoring.rate_account`: the KAMs serving
    it, administrators) may; every key names an active rated criterion (computed criteria take
    their value from data, never a rating); every value is a whole number 1 (low) to 5 (high).
    The refusals name the criteria they concern (InvalidInput keyed by criterion key). All the
    ratings of one save carry the same time, so the history shows them as one judgement."""
    require(actor, "scoring.rate_account", account, "You may not rate this account.")
    refuse_member(account, "rating")
    comments = comments or {}
    if not values:
        raise DomainError("Choose a rating for at least one criterion.")
    criteria = Criterion.objects.in_bulk(list(values), field_name="key")
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        criterion = criteria.get(key)
        if criterion is None or criterion.kind != CriterionKind.RATED or not criterion.active:
            errors[key] = [not_rated_message(criterion or key)]
        elif isinstance(value, bool) or not isinstance(value, int) or value not in RATING_VALUES:
            errors[key] = [VALUE_REFUSAL]
        elif len(comments.get(key) or "") > MAX_RATING_COMMENT:
            errors[key] = [f"A comment holds at most {MAX_RATING_COMMENT:,} characters."]
    if errors:
        raise InvalidInput(errors)
    now = timezone.now()
    return Rating.objects.bulk_create(
        Rating(
            account=account,
            criterion=criteria[key],
            value=value,
            comment=(comments.get(key) or "").strip(),
            rated_by=actor,
            rated_at=now,
        )
        for key, value in values.items()
    )


def rating_record(
    *, account: Account, criterion: Criterion, value: int, comment: str = "", actor: User
) -> Rating:
    """Record one rating (the same rules as `ratings_record`, which it calls with one)."""
    try:
        (rating,) = ratings_record(
            account=account,
            values={criterion.key: value},
            comments={criterion.key: comment},
            actor=actor,
        )
    except InvalidInput as refusal:
        raise DomainError(" ".join(refusal.errors[criterion.key])) from None
    return rating


def next_nightly_run(now: dt.datetime | None = None) -> dt.datetime:
    """When the nightly recompute (KAM_RECOMPUTE_AT, local time) next starts after `now`."""
    now = timezone.localtime(now)
    hour, minute = (int(part) for part in settings.KAM_RECOMPUTE_AT.split(":"))
    start = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return start if start > now else start + dt.timedelta(days=1)
