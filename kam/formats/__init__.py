"""The app's one date and one date-time format, and its one wording of the trailing 12 months.

Django reads the formats from `kam/formats/<locale>/formats.py` (settings `FORMAT_MODULE_PATH`)
before its own locale files, so `{{ day }}`, `{{ moment }}` and `|date` without an argument show
3 Dec 2026 and 3 Dec 2026 15:31 everywhere (no "3:31 p.m."); templates name a format, never
spell one (`|date:"DATETIME_FORMAT"`, `|date:"YEAR_MONTH_FORMAT"`; a test greps for ad-hoc
ones). Python code that writes a date into a sentence uses `day` and `moment`. Downloads keep
typed values (ISO in CSV; Excel formats of the same shape, `kam.exports`).
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"


def day(value: dt.date) -> str:
    """A date in the app's format: 3 Dec 2026."""
    return formats.date_format(value, "DATE_FORMAT")


def moment(value: dt.datetime) -> str:
    """A date-time in the app's format, in local time: 3 Dec 2026 15:31."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


def month(value: dt.date) -> str:
    return formats.date_format(value, "YEAR_MONTH_FORMAT")


def last_12_months(start: dt.date, end: dt.date) -> str:
    """The one wording of a 12-month window [start, end) with its months:
    "last 12 months (Dec 2025 - Nov 2026)"."""
    last_month = end - dt.timedelta(days=1)
    return f"last 12 months ({month(start)} - {month(last_month)})"
