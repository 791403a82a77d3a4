"""The periods one run reads, all derived from the run's `as_of` date.

- Trailing 12 months (T12): the 12 complete calendar months before as_of's month, i.e.
  [first day of as_of's month - 12 months, first day of as_of's month).
- Previous 12 months: the 12 months before that, for revenue growth.
- Snapshots: complete calendar quarters before the quarter that contains as_of. Each run
  recomputes the quarters that overlap the trailing 12 months (where late sales lines and
  activities land); older quarters are history and are only (re)computed when missing (first
  run, history imported later) or when a full rebuild is asked for (recompute --full-history).
- DMU coverage: contacts reached within DMU_RECENT_DAYS days before as_of, as_of included.
- Ratings and satisfaction entries count when made on or before as_of.

The arithmetic never raises, whatever dates the database holds: as_of and every date stepped
from are first brought inside kam.bounds' range (1950-01-01 to 2199-12-31), and steps of a few
years from there stay far inside Python's (years 1 to 9999). Rows dated outside the range fall
outside every period a run reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import DMU_RECENT_DAYS
from kam import bounds


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` away from `day`'s month (`day` taken inside the
    accepted range first)."""
    day = bounds.clamp(day)
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


@dataclass(frozen=True)
class Window:
    as_of: dt.date

    def __post_init__(self) -> None:
        object.__setattr__(self, "as_of", bounds.clamp(self.as_of))

    @property
    def t12_end(self) -> dt.date:
        """Exclusive end of the trailing 12 months: the first day of as_of's month."""
        return self.as_of.replace(day=1)

    @property
    def t12_start(self) -> dt.date:
        return add_months(self.t12_end, -12)

    @property
    def prev_start(self) -> dt.date:
        return add_months(self.t12_end, -24)

    @property
    def dmu_since(self) -> dt.date:
        return self.as_of - dt.timedelta(days=DMU_RECENT_DAYS)

    @property
    def ratings_until(self) -> dt.datetime:
        """Exclusive bound on rated_at: the end of as_of in the installation's time zone."""
        next_day = self.as_of + dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(next_day, dt.time()))

    @property
    def snapshot_end(self) -> dt.date:
        """Exclusive end of the snapshot quarters: the start of as_of's (incomplete) quarter."""
        return quarter_start(self.as_of)

    @property
    def snapshot_recent_start(self) -> dt.date:
        """The oldest quarter every run recomputes: the one containing the start of T12."""
        return quarter_start(self.t12_start)
