"""The app's formats for English (see kam/formats/__init__.py)."""

from kam.formats import (  # noqa: F401 (Django reads these names from this module)
    DATE_FORMAT,
    DATETIME_FORMAT,
    MONTH_DAY_FORMAT,
    TIME_FORMAT,
    YEAR_MONTH_FORMAT,
)

SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
