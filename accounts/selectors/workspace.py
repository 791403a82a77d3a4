"""Reads of the account workspace's decision-making unit and its coverage (the ratings and the
quarterly metrics are scoring's: scoring/account_page.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from accounts.models import DMU_MIN_INFLUENCE, DMU_RECENT_DAYS, Attitude, Contact

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
