"""The one range of dates KAM accepts: 1950-01-01 to 2199-12-31.

Every date a person or a file gives (sales lines, activities, quarters, plan and cost-rate
periods, due dates, measurements) must lie in it. Python's dates end at years 1 and 9999, and
the engine's period arithmetic (twelve months back, the next plan period) steps outside a date
near either end: a sales line dated 0001-01-01 made every recompute fail with "year 0 is out of
range". The range keeps such steps valid with centuries to spare.

Model fields carry `validate_in_range` (so model forms, ModelSerializers, the admin and the
services' `full_clean` check it); plain form and serializer fields and the import's cell rules
call it or `out_of_range_message`. Code that reads dates the database already holds (rows
written before the range existed, or past validation) uses `clamp`.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

EARLIEST = dt.date(1950, 1, 1)
LATEST = dt.date(2199, 12, 31)


def in_range(day: dt.date) -> bool:
    return EARLIEST <= day <= LATEST


def out_of_range_message(day: dt.date | None = None) -> str:
    """What to tell the user about a date outside the range (naming it when given)."""
    what = f"{day.isoformat()} is" if day is not None else "The date is"
    return f"{what} out of range: write a date from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}."


def validate_in_range(value: dt.date) -> None:
    """Field validator: a date (or datetime) inside EARLIEST..LATEST."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not in_range(day):
        raise ValidationError(out_of_range_message(day), code="date_out_of_range")


def clamp(day: dt.date) -> dt.date:
    """The nearest date inside the range."""
    return min(max(day, EARLIEST), LATEST)
