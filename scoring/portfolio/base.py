"""The portfolio dashboard's vocabulary: portfolio-size rules, the filters' scope and the
period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Q,
)
from django.utils.text import capfirst

from accounts.filters import ENTITIES, GROUPS
from accounts.models import AccountStatus
from kam.formats import last_12_months, month

KEY = AccountStatus.KEY.value

# Portfolio size rules of thumb (DOMAIN.md): shown as guardrails, never enforced.
TYPICAL_MIN, TYPICAL_MAX = 15, 35
LIMIT_MIN, LIMIT_MAX = 5, 50
TOO_MANY = 100
# Year-on-year revenue fall of a key account that deserves a warning.
REVENUE_FALL_WARNING = Decimal("0.15")
# The matrix draws at most this many bubbles; the table's CSV has every account.
MATRIX_MAX_BUBBLES = 300
# How many rows a warning list or overdue list shows on the page (the CSV has them all).
LIST_LIMIT = 20
# Overdue plans, actions and breached commitments listed beside their chart.
OVERDUE_LIMIT = 8
# Points along the whale and Pareto curves (plus the whale's peak).
CURVE_POINTS = 100
# The members listed under a group in the dashboard's tables (the account page has them all).
MEMBERS_SHOWN = 20
# Quarters in the effectiveness trends: benefits lag, so three years.
TREND_QUARTERS = 12


# --- filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which accounts the dashboard looks at: a KAM's, an industry's, a region's, or all; and
    at which level (`level`): units of selection (groups, rolled up, and standalone accounts:
    the default) or every legal entity with its own figures (DOMAIN.md "groups")."""

    kam_id: int | None = None
    industry: str = ""
    region: str = ""
    level: str = GROUPS

    @property
    def entities(self) -> bool:
        return self.level == ENTITIES

    @property
    def counted(self) -> str:
        """What the run's figures count, in the page's words."""
        return "legal entities" if self.entities else "groups and standalone accounts"

    def q(self, path: str = "") -> Q:
        """The scope as a filter on Account, or on a model whose `path` leads to Account."""
        prefix = f"{path}__" if path else ""
        condition = Q()
        if self.kam_id is not None:
            condition &= Q(**{f"{prefix}kam_id": self.kam_id})
        if self.industry:
            condition &= Q(**{f"{prefix}industry": self.industry})
        if self.region:
            condition &= Q(**{f"{prefix}region": self.region})
        return condition

    @property
    def is_whole_portfolio(self) -> bool:
        return self.kam_id is None and not self.industry and not self.region


@dataclass(frozen=True)
class Period:
    """A 12-month window [start, end): stage movements in it, trends over 3 years up to it."""

    start: dt.date
    end: dt.date
    label: str
    trailing: bool = False  # the last 12 months (its label says its months)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def described(self) -> str:
        """The period with its months: "Last 12 months (Aug 2025 - Jul 2026)", "2025 (Jan 2025 -
        Dec 2025)"."""
        if self.trailing:
            return self.label
        return f"{self.label} ({month(self.start)} - {month(self.last_day)})"

    @property
    def trend_quarters(self) -> list[dt.date]:
        """First days of the TREND_QUARTERS calendar quarters ending with the period's last."""
        last = quarter_start(self.last_day)
        return [add_months(last, -3 * back) for back in range(TREND_QUARTERS - 1, -1, -1)]


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


TRAILING = "t12m"


def period_choices(
    today: dt.date, data_years: tuple[int, int] | None, years: int = 4
) -> list[tuple[str, str]]:
    """The trailing 12 months, then those of the last `years` full calendar years that have
    data (`data_years`: the first and last year with any, None for none): a year without
    data would show empty charts."""
    first, last = data_years or (today.year, today.year - 1)
    return [(TRAILING, resolve_period(TRAILING, today=today).label)] + [
        (str(year), str(year))
        for year in range(today.year - 1, today.year - 1 - years, -1)
        if first <= year <= last
    ]


def resolve_period(value: str | None, *, today: dt.date) -> Period:
    """A period choice as dates: the 12 months up to `today`'s month, or a calendar year."""
    if value and value.isdigit():
        year = int(value)
        return Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), value)
    end = add_months(today, 1)
    start = add_months(end, -12)
    return Period(start, end, capfirst(last_12_months(start, end)), trailing=True)
