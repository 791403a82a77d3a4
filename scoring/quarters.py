"""Calendar quarters as the trend charts and tables show them, partial ones marked.

A scoring run records the first day of business data it found (`ScoringRun.counts["data_from"]`,
the earliest sales line or activity). The quarter that contains that day holds fewer than three
months of data when the day is not in the quarter's first month (the demo's first quarter has
one month): it is marked "partial: 1 of 3 months" on every trend chart and table, never drawn
as a full quarter. Runs before this was recorded mark nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

MONTHS_IN_QUARTER = 3


@dataclass(frozen=True)
class Quarter:
    start: dt.date  # its first day
    months: int = MONTHS_IN_QUARTER  # months with data: 0 to 3

    @property
    def label(self) -> str:
        return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"

    @property
    def partial(self) -> bool:
        return 0 < self.months < MONTHS_IN_QUARTER

    @property
    def shown(self) -> str:
        """The label every chart and table uses: "2023 Q4 (partial: 1 of 3 months)"."""
        if not self.partial:
            return self.label
        return f"{self.label} (partial: {self.months} of {MONTHS_IN_QUARTER} months)"


def data_from(run: Any) -> dt.date | None:
    """The first day of business data the run found (None: no run, or not recorded)."""
    if run is None:
        return None
    value = (run.counts or {}).get("data_from")
    return dt.date.fromisoformat(value) if value else None


def quarter(start: dt.date, first_day: dt.date | None) -> Quarter:
    """The quarter starting `start`, with the months it has data for when data starts on
    `first_day`."""
    if first_day is None:
        return Quarter(start)
    first_month = first_day.year * 12 + first_day.month
    months = start.year * 12 + start.month
    with_data = MONTHS_IN_QUARTER - max(0, min(MONTHS_IN_QUARTER, first_month - months))
    return Quarter(start, with_data)


def quarters(starts: list[dt.date], run: Any) -> list[Quarter]:
    first_day = data_from(run)
    return [quarter(start, first_day) for start in starts]
