"""KAMs' 1-5 ratings of the rated selection criteria (DOMAIN.md, "Selecting key accounts").

Ratings are append-only: each rating is a new row and the newest per (account, criterion) is the
one the next scoring run uses, so the history of who rated what, and when, is never lost.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, User
from accounts.services import refuse_member
from kam.errors import DomainError
from kam.permissions import require
from scoring.models import Criterion, CriterionKind, Rating

RATING_VALUES = range(1, 6)


@transaction.atomic
def rating_record(
    *, account: Account, criterion: Criterion, value: int, comment: str = "", actor: User
) -> Rating:
    """Record a rating of an active rated criterion for an account, 1 (low) to 5 (high).

    Only those who may rate the account (kam/rules.py `scoring.rate_account`: the KAMs serving
    it, administrators) may; computed criteria take their value from data, never a rating.
    """
    require(actor, "scoring.rate_account", account, "You may not rate this account.")
    refuse_member(account, "rating")
    if criterion.kind != CriterionKind.RATED or not criterion.active:
        raise DomainError(f"“{criterion.label}” is not an active rated criterion.")
    if isinstance(value, bool) or value not in RATING_VALUES:
        raise DomainError("A rating is a whole number from 1 to 5.")
    return Rating.objects.create(
        account=account,
        criterion=criterion,
        value=value,
        comment=(comment or "").strip(),
        rated_by=actor,
        rated_at=timezone.now(),
    )
