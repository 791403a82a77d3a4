"""What a layout is: the documented columns of one import kind, each with its type, whether
it is required, an example and help; the kind's natural key and rules. The apps define their
layouts (`accounts/imports/layouts.py`, `scoring/imports.py`) and register them with their kinds.

A file's header must hold exactly the layout's columns, in any order; names are matched without
regard to case, and spaces or hyphens count as underscores ("ERP code" = "erp_code").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kam.imports.columns import ColumnType, Number

ZERO = Decimal("0")
MONEY_DIGITS = 16


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool
    example: Any
    help: str = ""

    @property
    def example_text(self) -> str:
        """The example as a file writes it, in the form the importer reads (ISO dates, a
        decimal point, a choice's stored value): the layouts page shows this."""
        value = self.example
        if hasattr(value, "isoformat"):
            return value.isoformat()
        if isinstance(value, Decimal):
            return f"{value:f}"
        return str(getattr(value, "value", value))


@dataclass(frozen=True)
class Layout:
    kind: str
    label: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    key_help: str
    rules: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def position(self, name: str) -> int:
        return self.names.index(name)


def money(*, signed: bool = False) -> Number:
    return Number(MONEY_DIGITS, 2, min_value=None if signed else ZERO)
