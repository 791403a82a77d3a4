"""Fixtures of the import tests: two customers, an activity type, files built in memory, and a
snapshot of every table an import may write (to assert that a refused file wrote nothing)."""

import io

import pytest
from openpyxl import Workbook

from accounts.imports.services import import_file
from accounts.models import Account, Activity, Contact, ImportJob, SalesLine
from kam.imports.reading import Source
from scoring.models import CostRate, MetricEntry, Rating
from tests import factories

CUSTOMERS_HEADER = (
    "erp_code,name,industry,country,region,geographic_scope,turnover,market_growth_pct,"
    "category_spend,parent_erp_code"
)
SALES_HEADER = (
    "erp_document,erp_line,account_code,date,product_category,quantity,revenue,cost_of_goods"
)


@pytest.fixture
def customers(db):
    """C1 and C2, the customers the files refer to."""
    return [
        factories.AccountFactory(erp_code="C1", name="Alpha GmbH"),
        factories.AccountFactory(erp_code="C2", name="Beta AG"),
    ]


@pytest.fixture
def visit_type(db):
    return factories.ActivityTypeFactory(code="sales-visit", name="Sales visit")


def csv_source(text: str, name: str = "data.csv", encoding: str = "utf-8") -> Source:
    return Source.from_bytes(name, text.encode(encoding))


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def run(kind: str, source: Source, *, dry_run: bool = False, **kwargs):
    return import_file(kind=kind, source=source, dry_run=dry_run, **kwargs)


def errors(report) -> list[tuple]:
    """The report's errors as (row, column, value, message) tuples."""
    return [(e.row or None, e.column, e.value, e.message) for e in report.errors]


WRITABLE = (Account, SalesLine, Activity, Contact, CostRate, MetricEntry, Rating, ImportJob)


def snapshot() -> dict[str, int]:
    """Row counts of every table an import writes, history tables included."""
    counts = {model.__name__: model.objects.count() for model in WRITABLE}
    for model in (Account, Contact, CostRate):
        counts[f"history:{model.__name__}"] = model.history.count()
    return counts
