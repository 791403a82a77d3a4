"""Reads of the account workspace's sections: the decision-making unit and its coverage, the
ratings with their history, and the quarterly metrics.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from accounts.models import DMU_MIN_INFLUENCE, DMU_RECENT_DAYS, Account, Attitude, Contact
from scoring.models import Criterion, CriterionKind, MetricSnapshot, Rating

RATING_HISTORY_ENTRIES = 50
# Three years of quarters for the trend charts.
TREND_QUARTERS = 12

# --- The decision-making unit ---------------------------------------------------------------


@dataclass(frozen=True)
class DmuCoverage:
    """DOMAIN.md: the share of influential contacts (influence >= 4) with a relationship owner
    and a contact in the last 90 days; the thresholds (accounts/models.py) are the scoring
    engine's too, so the page and the nightly run agree."""

    influential: int
    covered: int

    @property
    def pct(self) -> Decimal | None:
        if not self.influential:
            return None
        return (Decimal(100) * self.covered / self.influential).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


def is_covered(contact: Contact, today: dt.date) -> bool:
    since = today - dt.timedelta(days=DMU_RECENT_DAYS)
    return (
        contact.relationship_owner_id is not None
        and contact.last_contact_on is not None
        and since <= contact.last_contact_on <= today
    )


def dmu_coverage(contacts: list[Contact], today: dt.date) -> DmuCoverage:
    influential = [contact for contact in contacts if contact.influence >= DMU_MIN_INFLUENCE]
    return DmuCoverage(
        influential=len(influential),
        covered=sum(1 for contact in influential if is_covered(contact, today)),
    )


@dataclass(frozen=True)
class DmuRow:
    influence: int
    cells: list[list[Contact]]  # one list per attitude, in ATTITUDES order


ATTITUDES = [Attitude.SUPPORTER, Attitude.NEUTRAL, Attitude.DETRACTOR]


def dmu_grid(contacts: list[Contact]) -> list[DmuRow]:
    """Contacts placed by influence (5 at the top) and attitude (supporters on the left)."""
    cells: dict[tuple[int, str], list[Contact]] = defaultdict(list)
    for contact in contacts:
        cells[(contact.influence, contact.attitude)].append(contact)
    return [
        DmuRow(influence, [cells[(influence, attitude.value)] for attitude in ATTITUDES])
        for influence in range(5, 0, -1)
    ]


# --- Ratings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingRow:
    criterion: Criterion
    latest: Rating | None


def rated_criteria() -> list[Criterion]:
    return list(
        Criterion.objects.filter(kind=CriterionKind.RATED, active=True).order_by("position", "key")
    )


def rating_rows(account: Account, criteria: list[Criterion]) -> list[RatingRow]:
    """Each active rated criterion with its newest rating of the account (the one that counts),
    in one query however many ratings were made."""
    newest = (
        Rating.objects.filter(account=account)
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("criterion_id")],
                order_by=[F("rated_at").desc(), F("pk").desc()],
            )
        )
        .filter(recency=1)
        .select_related("rated_by")
    )
    by_criterion = {rating.criterion_id: rating for rating in newest}
    return [RatingRow(criterion, by_criterion.get(criterion.pk)) for criterion in criteria]


def rating_history(account: Account, *, limit: int = RATING_HISTORY_ENTRIES) -> list[Rating]:
    return list(
        Rating.objects.filter(account=account)
        .select_related("criterion", "rated_by")
        .order_by("-rated_at", "-pk")[:limit]
    )


# --- Metrics ---------------------------------------------------------------------------------


def trend_snapshots(account: Account) -> list[MetricSnapshot]:
    """The account's last twelve quarterly snapshots (three years), oldest first."""
    newest = MetricSnapshot.objects.filter(account=account).order_by("-period_start")[
        :TREND_QUARTERS
    ]
    return list(reversed(list(newest)))
