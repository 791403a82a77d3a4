"""Excel downloads formatted for people: typed numbers and dates with their formats, column
widths, a bold frozen header with an autofilter; labels instead of codes in every list's
CSV and XLSX."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AccountStatus, Quadrant, Stage
from kam.exports import export_response
from scoring.models import AccountScore
from tests import factories
from tests.portfolio.builders import make_run, score

COLUMNS = [
    ("Account name", "name"),
    ("Revenue", "revenue"),
    ("Rate", "rate"),
    ("Rank", "rank"),
    ("Due", "due"),
    ("Recorded at", "at"),
]
ROWS = [
    {
        "name": "Müller Antriebstechnik GmbH & Co. KG, Werk Süd",
        "revenue": Decimal("1234567.89"),
        "rate": Decimal("12.3456"),
        "rank": 3,
        "due": dt.date(2026, 3, 1),
        "at": timezone.make_aware(dt.datetime(2026, 3, 1, 15, 31)),
    },
    {"name": "B", "revenue": None, "rate": None, "rank": 10, "due": None, "at": None},
]


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_the_header_is_bold_frozen_and_filtered(db):
    sheet = workbook(export_response(ROWS, COLUMNS, "test", "xlsx"))

    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F3"
    assert all(cell.font.b for cell in sheet[1])
    assert [cell.value for cell in sheet[1]] == [header for header, _ in COLUMNS]


def test_numbers_and_dates_are_typed_with_formats(db):
    sheet = workbook(export_response(ROWS, COLUMNS, "test", "xlsx"))
    revenue, rate, rank, due, at = (sheet.cell(2, column) for column in range(2, 7))

    assert (revenue.value, revenue.number_format) == (1234567.89, "#,##0.00")  # a number
    assert rate.number_format == "#,##0.0000"
    assert (rank.value, rank.number_format) == (3, "0")
    assert (due.value.date(), due.number_format) == (dt.date(2026, 3, 1), "d mmm yyyy")
    # Local time, without a time zone (Excel has none), in the app's date-time format.
    assert (at.value, at.number_format) == (dt.datetime(2026, 3, 1, 15, 31), "d mmm yyyy hh:mm")


def test_columns_are_as_wide_as_their_first_rows_need(db):
    sheet = workbook(export_response(ROWS, COLUMNS, "test", "xlsx"))
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEF"}

    name = len("Müller Antriebstechnik GmbH & Co. KG, Werk Süd")
    assert widths["A"] >= name
    assert widths["B"] >= len("1,234,567.89")
    assert widths["D"] < widths["A"]
    assert all(8 <= width <= 60 for width in widths.values())


@pytest.fixture
def scored_accounts(kam):
    run = make_run()
    key = factories.KeyAccountFactory(name="Key Co", kam=kam, stage=Stage.STRATEGIC)
    other = factories.AccountFactory(name="Other Co")
    rows = [score(run, key, rank=1, revenue=500), score(run, other, rank=2, revenue=100)]
    rows[0].quadrant, rows[1].quadrant = Quadrant.STRATEGIC, Quadrant.STREAMLINE
    AccountScore.objects.bulk_create(rows)
    return run


def test_the_account_list_names_status_stage_and_quadrant_by_label(
    client, director, scored_accounts
):
    client.force_login(director)
    sheet = workbook(client.get(reverse("accounts:list"), {"export": "xlsx"}))
    headers = [cell.value for cell in sheet[1]]
    rows = {row[headers.index("Name")]: row for row in sheet.iter_rows(min_row=2, values_only=True)}

    key = rows["Key Co"]
    assert key[headers.index("Status")] == AccountStatus.KEY.label
    assert key[headers.index("Stage")] == "Strategic"
    assert key[headers.index("Quadrant")] == "Strategic"
    assert rows["Other Co"][headers.index("Quadrant")] == "Streamline"
    revenue = sheet.cell(2, headers.index("Revenue, last 12 months") + 1)
    assert revenue.number_format == "#,##0.00"


def test_the_scores_list_names_status_and_quadrant_by_label(client, director, scored_accounts):
    client.force_login(director)
    sheet = workbook(client.get(reverse("portfolio:scores"), {"export": "xlsx"}))
    headers = [cell.value for cell in sheet[1]]
    values = list(sheet.iter_rows(min_row=2, values_only=True))

    assert {row[headers.index("Quadrant")] for row in values} == {"Strategic", "Streamline"}
    assert "streamline" not in {row[headers.index("Quadrant")] for row in values}


def test_the_portfolio_matrix_download_names_codes_by_label(client, director, scored_accounts):
    client.force_login(director)
    response = client.get(reverse("portfolio:export", args=["matrix"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header = rows[0]

    key = next(row for row in rows[1:] if row[1] == "Key Co")
    assert key[header.index("status")] == "Key account"
    assert key[header.index("stage")] == "Strategic"
    assert key[header.index("quadrant")] == "Strategic"
    other = next(row for row in rows[1:] if row[1] == "Other Co")
    assert other[header.index("quadrant")] == "Streamline"
