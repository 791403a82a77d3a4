"""The bounds KAM puts on what people type: one range of dates, 1950-01-01 to 2199-12-31, and
one greatest length of a long text on a plan, MAX_TEXT characters.

Every date a person or a file gives (sales lines, activities, quarters, plan and cost-rate
periods, due dates, measurements) must lie in it. Python's dates end at years 1 and 9999, and
the engine's period arithmetic (twelve months back, the next plan period) steps outside a date
near either end: a sales line dated 0001-01-01 made every recompute fail with "year 0 is out of
range". The range keeps such steps valid with centuries to spare.

Model fields carry `validate_in_range` (so model forms, ModelSerializers, the admin and the
services' `full_clean` check it); plain form and serializer fields and the import's cell rules
call it or `out_of_range_message`. Code that reads dates the database already holds (rows
written before the range existed, or past validation) uses `clamp`.

A progress note on an action holds at most MAX_NOTE characters (`validate_note_length`).

Long texts (a plan section, a solution's or an action's description) are diffed on the
conflict page and the version comparison; kam.diffing's work is bounded for texts of this
length. The model fields carry `validate_text_length` (so the admin, ModelSerializers and the
services' `full_clean` check it, and the API schema says maxLength); the plan's forms, the
section serializer and `plan_section_save` use the same validator on the text with its line
ends normalised (a newline is one character, as the browser's maxlength counts it).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.deconstruct import deconstructible

MAX_TEXT = 50_000
# A progress note on an action: a few lines of what happened, not a document.
MAX_NOTE = 2_000

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


def text_too_long_message(length: int | None = None, limit: int = MAX_TEXT) -> str:
    """What to tell the user about a text longer than `limit` (with its length when given)."""
    has = f" (this one has {length:,})" if length is not None else ""
    return (
        f"This text is too long: at most {limit:,} characters are kept{has}. "
        "Shorten it, or keep the detail in a linked document."
    )


@deconstructible
class TextLengthValidator(MaxLengthValidator):
    """MaxLengthValidator(MAX_TEXT, or `limit`) with KAM's message (an instance of it, so the
    API schema reads maxLength from it)."""

    def __init__(self, limit: int = MAX_TEXT) -> None:
        super().__init__(limit)

    def __call__(self, value: str) -> None:
        limit = self.limit_value
        if len(value) > limit:
            raise ValidationError(
                text_too_long_message(len(value), limit),
                code="text_too_long",
                params={"limit_value": limit, "show_value": len(value), "value": value},
            )


validate_text_length = TextLengthValidator()


# An interaction (a meeting or call with the customer's people) names at most this many of the
# account's contacts and as many of our people: a meeting has a handful, and the bound keeps a
# form or an API body from naming thousands. Its notes and next steps are short texts.
MAX_PARTICIPANTS = 30
MAX_INTERACTION_NOTE = 5_000
validate_note_length = TextLengthValidator(MAX_NOTE)
