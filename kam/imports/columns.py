"""Cell rules: how each column type reads a cell, what it accepts, and the message when not.

Every cell is cleaned to a *canonical* string (stripped, ISO dates, numbers with a decimal
point) or refused with a `CellError` whose message says what to write instead. The COPY fast
path stages canonical strings into columns of each type's `sql_type` (PostgreSQL parses them as
it copies); the row-wise path turns them into Python values with `to_python`. Both use these
rules, so both report the same errors.

Numbers (documented on the layouts page):
- comma-separated CSV and XLSX use a decimal point (1234.56); semicolon-separated CSV uses a
  decimal comma (1234,56), as spreadsheet programmes write it where the comma is the decimal mark;
- thousands separators (1,234.56 / 1.234,56 / 1 234) are refused, never guessed;
- a number never has more decimal places than the field keeps: nothing is rounded silently.
Dates: YYYY-MM-DD, or DD.MM.YYYY (the dot form is unambiguous); 03/04/2026 is refused. Dates
and quarters outside kam.bounds' range (1950-01-01 to 2199-12-31) are refused per cell.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from kam import bounds

POINT = "point"
COMMA = "comma"

# A cell the fast path may take as it is: no surrounding blanks, no control characters.
_TEXT_CHAR = r"[^\x00-\x1f]"
_TEXT_EDGE = r"[^\x00-\x1f\s]"
_DIGITS = "[0-9]"


class CellError(Exception):
    """A cell's value is not acceptable; the message tells the user what to write."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ColumnType:
    """How one kind of cell is read. Subclasses define `clean`, `to_python` and `pattern`."""

    label = "text"
    sql_type = "text"

    def clean(self, value: str, convention: str) -> str:
        """The canonical form of a stripped, non-blank value, or CellError."""
        raise NotImplementedError

    def to_python(self, canonical: str) -> Any:
        return canonical

    def pattern(self, convention: str) -> str | None:
        """A regular expression every value the fast path may take unchanged matches, or None
        when the type needs `clean` for every value (ranges a pattern cannot express)."""
        return None

    def blank(self) -> Any:
        """The value of an optional blank cell."""
        return ""


class Text(ColumnType):
    def __init__(self, max_length: int) -> None:
        self.max_length = max_length
        self.label = f"text, up to {max_length} characters"

    def clean(self, value: str, convention: str) -> str:
        if "\x00" in value:
            raise CellError("Contains a NUL character; remove it.")
        if len(value) > self.max_length:
            raise CellError(
                f"Too long: at most {self.max_length} characters (this has {len(value)})."
            )
        return value

    def pattern(self, convention: str) -> str:
        middle = max(self.max_length - 2, 0)
        return f"{_TEXT_EDGE}(?:{_TEXT_CHAR}{{0,{middle}}}{_TEXT_EDGE})?"


class Slug(Text):
    """A code made of letters, digits, hyphens and underscores (activity types, criteria)."""

    def __init__(self, max_length: int) -> None:
        super().__init__(max_length)
        self.label = f"code (letters, digits, - and _), up to {max_length} characters"

    def clean(self, value: str, convention: str) -> str:
        value = super().clean(value, convention)
        if not re.fullmatch(r"[-a-zA-Z0-9_]+", value):
            raise CellError("Not a code: use letters, digits, hyphens and underscores only.")
        return value

    def pattern(self, convention: str) -> str:
        return f"[-a-zA-Z0-9_]{{1,{self.max_length}}}"


class CountryCode(ColumnType):
    label = "two-letter ISO 3166 country code"

    def clean(self, value: str, convention: str) -> str:
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise CellError("Not a country code: write the two-letter ISO code, e.g. DE.")
        return value.upper()


class Email(ColumnType):
    label = "e-mail address"

    def clean(self, value: str, convention: str) -> str:
        try:
            validate_email(value)
        except ValidationError:
            raise CellError("Not an e-mail address.") from None
        return value


class Choice(ColumnType):
    """One of a model's TextChoices, by value or label, in any case."""

    def __init__(self, choices: Any, default: str = "") -> None:
        self.values = {value: value for value in choices.values}
        self.values.update({label.lower(): value for value, label in choices.choices})
        self.choices = list(choices.values)
        self.default = default
        self.label = "one of: " + ", ".join(self.choices)

    def clean(self, value: str, convention: str) -> str:
        try:
            return self.values[value.lower()]
        except KeyError:
            raise CellError(f"Unknown value: expected one of {', '.join(self.choices)}.") from None

    def pattern(self, convention: str) -> str:
        return "|".join(re.escape(value) for value in self.choices)

    def blank(self) -> str:
        return self.default


class Integer(ColumnType):
    sql_type = "integer"

    def __init__(self, min_value: int = 0, max_value: int = 2_147_483_647) -> None:
        self.min_value = min_value
        self.max_value = max_value
        self.label = (
            f"whole number {min_value} to {max_value}"
            if max_value < 1000
            else "whole number, not negative"
        )

    def clean(self, value: str, convention: str) -> str:
        if not re.fullmatch(r"-?[0-9]+", value):
            if re.fullmatch(r"-?[0-9]{1,3}([.,' \u00a0\u202f][0-9]{3})+", value):
                raise CellError("Thousands separators are not accepted: write digits only.")
            raise CellError("Not a whole number.")
        number = int(value)
        if not self.min_value <= number <= self.max_value:
            if number < 0 <= self.min_value and self.max_value >= 1000:
                raise CellError("Must not be negative.")
            raise CellError(f"Must be between {self.min_value} and {self.max_value}.")
        return str(number)

    def to_python(self, canonical: str) -> int:
        return int(canonical)

    def pattern(self, convention: str) -> str | None:
        if 0 <= self.min_value <= self.max_value <= 9:
            return f"[{self.min_value}-{self.max_value}]"
        if self.min_value == 0 and self.max_value >= 999_999_999:
            return "0|[1-9][0-9]{0,8}"
        return None

    def blank(self) -> None:
        return None


class Number(ColumnType):
    """A decimal with at most `places` decimals and `max_digits` digits, strictly written."""

    sql_type = "numeric"

    def __init__(
        self,
        max_digits: int,
        places: int,
        *,
        min_value: Decimal | None = None,
        min_exclusive: bool = False,
        max_value: Decimal | None = None,
    ) -> None:
        self.max_digits = max_digits
        self.places = places
        self.min_value = min_value
        self.min_exclusive = min_exclusive
        self.max_value = max_value
        if min_value is None:
            self.label = f"number, up to {places} decimals"
        elif min_exclusive:
            self.label = f"number greater than {min_value}, up to {places} decimals"
        else:
            self.label = f"number, not negative, up to {places} decimals"

    def clean(self, value: str, convention: str) -> str:
        mark = "." if convention == POINT else ","
        match = re.fullmatch(rf"(-?)([0-9]+)(?:{re.escape(mark)}([0-9]+))?", value)
        if match is None:
            raise CellError(_number_problem(value, convention))
        sign, whole, fraction = match.group(1), match.group(2), match.group(3) or ""
        if sign and (self.min_value is not None and self.min_value >= 0):
            raise CellError("Must not be negative.")
        if len(fraction) > self.places:
            raise CellError(f"At most {self.places} decimal places.")
        whole = whole.lstrip("0") or "0"
        if len(whole) > self.max_digits - self.places:
            raise CellError(
                f"Too large: at most {self.max_digits - self.places} digits before the "
                "decimal mark."
            )
        canonical = f"{sign}{whole}" + (f".{fraction}" if fraction else "")
        number = Decimal(canonical)
        if self.min_value is not None and self.min_exclusive and number <= self.min_value:
            raise CellError(f"Must be greater than {self.min_value}.")
        if self.max_value is not None and number > self.max_value:
            raise CellError(f"Must be at most {self.max_value}.")
        return canonical

    def to_python(self, canonical: str) -> Decimal:
        return Decimal(canonical)

    def pattern(self, convention: str) -> str | None:
        if self.min_exclusive or self.max_value is not None:
            return None
        mark = r"\." if convention == POINT else ","
        sign = "-?" if self.min_value is None else ""
        whole = self.max_digits - self.places
        return f"{sign}(?:0|[1-9][0-9]{{0,{whole - 1}}})(?:{mark}[0-9]{{1,{self.places}}})?"

    def blank(self) -> None:
        return None


def _number_problem(value: str, convention: str) -> str:
    """Why a value is not a number in this file's convention, saying what to write instead."""
    example = "1234.56" if convention == POINT else "1234,56"
    separators = re.findall(r"[.,' \u00a0\u202f]", value)
    if re.fullmatch(r"-?[0-9]+([.,' \u00a0\u202f][0-9]+)+", value):
        if len(separators) > 1 or set(separators) - {".", ","}:
            return (
                f"Thousands separators are not accepted: write digits with a decimal "
                f"{convention} only, e.g. {example}."
            )
        return (
            f"Wrong decimal mark: this file uses a decimal {convention} and no thousands "
            f"separators, e.g. {example} (comma-separated CSV and XLSX files write 1234.56, "
            "semicolon-separated CSV files 1234,56)."
        )
    return f"Not a number: write digits with a decimal {convention}, e.g. {example}."


DATE_HELP = (
    f"date: YYYY-MM-DD (or DD.MM.YYYY), {bounds.EARLIEST:%Y-%m-%d} to {bounds.LATEST:%Y-%m-%d}"
)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DOT_DATE = re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{4})")


def parse_date(value: str) -> dt.date:
    """A date written YYYY-MM-DD or DD.MM.YYYY, inside kam.bounds' range."""
    day = _calendar_date(value)
    if not bounds.in_range(day):
        raise CellError(bounds.out_of_range_message(day))
    return day


def _calendar_date(value: str) -> dt.date:
    """Any calendar date written YYYY-MM-DD or DD.MM.YYYY; other forms (03/04/2026) are
    ambiguous."""
    if match := _ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    elif match := _DOT_DATE.fullmatch(value):
        day, month, year = match.groups()
    else:
        raise CellError("Not a date: write YYYY-MM-DD (or DD.MM.YYYY).")
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(f"No such date: {value}.") from None


class Date(ColumnType):
    label = DATE_HELP
    sql_type = "date"

    def clean(self, value: str, convention: str) -> str:
        return parse_date(value).isoformat()

    def to_python(self, canonical: str) -> dt.date:
        return dt.date.fromisoformat(canonical)

    def pattern(self, convention: str) -> str:
        # Only the shape: the fast path checks the calendar (2026-02-30) with `clean`, cached.
        return r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}\.[0-9]{2}\.[0-9]{4}"

    def blank(self) -> None:
        return None


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


class Quarter(ColumnType):
    """A calendar quarter: 2026-Q2, or any date in it (normalised to the quarter's first day)."""

    label = "quarter: 2026-Q2, or a date in the quarter (YYYY-MM-DD)"

    def clean(self, value: str, convention: str) -> str:
        if match := re.fullmatch(r"([0-9]{4})-?[Qq]([1-4])", value):
            year, quarter = int(match.group(1)), int(match.group(2))
            # Checked before building the date: year 0 has no date at all.
            if not bounds.EARLIEST.year <= year <= bounds.LATEST.year:
                raise CellError(
                    f"{value} is out of range: write a quarter from {bounds.EARLIEST.year}-Q1 "
                    f"to {bounds.LATEST.year}-Q4."
                )
            return dt.date(year, 3 * quarter - 2, 1).isoformat()
        try:
            day = _calendar_date(value)
        except CellError:
            raise CellError(
                "Not a quarter: write 2026-Q2, or a date in the quarter (2026-04-01)."
            ) from None
        if not bounds.in_range(day):
            raise CellError(bounds.out_of_range_message(day))
        return quarter_start(day).isoformat()

    def to_python(self, canonical: str) -> dt.date:
        return dt.date.fromisoformat(canonical)
