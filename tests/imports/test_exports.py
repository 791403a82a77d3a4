"""kam.exports (any list to CSV or XLSX, formula injection neutralised) and the portfolio export."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kam.exports import export_response, neutralise
from scoring.models import AccountScore, RunStatus, RunTrigger, ScoringRun
from tests import factories

COLUMNS = [
    ("Name", "name"),
    ("Amount", "amount"),
    ("Day", "day"),
    ("Key", "key"),
    ("Owner", "owner.name"),
]


class Owner:
    name = "@Eve"


ROWS = [
    {
        "name": '=HYPERLINK("http://x")',
        "amount": Decimal("-12.50"),
        "day": dt.date(2026, 3, 1),
        "key": True,
        "owner": Owner(),
    },
    {"name": "+49 89 1", "amount": Decimal("3"), "day": None, "key": False, "owner": None},
    {"name": "-2+3", "amount": None, "day": None, "key": None, "owner": None},
    {"name": "\tTab", "amount": 7, "day": None, "key": None, "owner": None},
    {"name": "Plain = text", "amount": 1.5, "day": None, "key": None, "owner": None},
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        ("", ""),
        (Decimal("-1"), Decimal("-1")),
        (-1, -1),
        (None, None),
    ],
)
def test_text_that_a_spreadsheet_would_evaluate_is_neutralised(value, expected):
    assert neutralise(value) == expected


def test_csv_export_neutralises_formulas_and_keeps_numbers(db):
    response = export_response(ROWS, COLUMNS, "things", "csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="things-{today}.csv"'
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(content[1:]))) == [
        ["Name", "Amount", "Day", "Key", "Owner"],
        ['\'=HYPERLINK("http://x")', "-12.50", "2026-03-01", "true", "'@Eve"],
        ["'+49 89 1", "3", "", "false", ""],
        ["'-2+3", "", "", "", ""],
        ["'\tTab", "7", "", "", ""],
        ["Plain = text", "1.5", "", "", ""],
    ]


def test_xlsx_export_neutralises_formulas_and_keeps_numbers_and_dates(db):
    response = export_response(ROWS, COLUMNS, "things", "xlsx")

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ('\'=HYPERLINK("http://x")', -12.5, dt.datetime(2026, 3, 1), True, "'@Eve")
    assert [row[0] for row in rows[2:]] == ["'+49 89 1", "'-2+3", "'\tTab", "Plain = text"]
    assert [row[1] for row in rows[2:]] == [3, None, 7, 1.5]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_an_unknown_export_format_is_not_found():
    with pytest.raises(Http404):
        export_response([], COLUMNS, "things", "pdf")


@pytest.fixture
def portfolio(kam):
    alpha = factories.KeyAccountFactory(erp_code="A1", name="Alpha", kam=kam)
    beta = factories.AccountFactory(erp_code="B1", name="=Beta")
    return alpha, beta


def succeeded_run(accounts) -> ScoringRun:
    run = ScoringRun.objects.create(
        status=RunStatus.SUCCEEDED,
        trigger=RunTrigger.MANUAL,
        as_of=dt.date(2026, 6, 30),
        finished_at=timezone.now(),
    )
    for rank, account in enumerate(accounts, start=1):
        AccountScore.objects.create(
            run=run,
            account=account,
            revenue=Decimal("1000000.00") / rank,
            net_profit=Decimal("-2500.50") * rank,
            attractiveness=Decimal("80.00") / rank,
            relative_strength=Decimal("50.00"),
            quadrant="strategic" if rank == 1 else "streamline",
            rank=rank,
            stage=account.stage,
            status=account.status,
            is_pareto=rank == 1,
            spend_below_revenue=rank == 2,
        )
    return run


def portfolio_csv(client) -> list[dict[str, str]]:
    response = client.get(reverse("imports:portfolio_export", args=["csv"]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


def test_the_portfolio_export_has_one_row_per_account_with_the_current_runs_figures(
    client, director, portfolio
):
    alpha, beta = portfolio
    succeeded_run([beta, alpha])  # an older run the export must ignore
    succeeded_run([alpha, beta])
    client.force_login(director)

    rows = {row["ERP code"]: row for row in portfolio_csv(client)}

    assert {code: row["Name"] for code, row in rows.items()} == {"A1": "Alpha", "B1": "'=Beta"}
    alpha_row, beta_row = rows["A1"], rows["B1"]
    assert (alpha_row["Rank"], alpha_row["Revenue, last 12 months"], alpha_row["Net profit"]) == (
        "1",
        "1000000.00",
        "-2500.50",
    )
    assert (alpha_row["Quadrant"], alpha_row["In the 80% revenue set"]) == ("Strategic", "true")
    assert (alpha_row["Status"], alpha_row["KAM"]) == ("Key account", alpha.kam.get_full_name())
    assert alpha_row["Category spend below our revenue"] == "false"
    assert beta_row["Category spend below our revenue"] == "true"
    assert (beta_row["Rank"], beta_row["Net profit"], beta_row["Attractiveness"]) == (
        "2",
        "-5001.00",  # -2500.50 * 2
        "40.00",  # 80 / 2
    )


def test_before_the_first_run_the_portfolio_export_has_empty_figures(client, director, portfolio):
    client.force_login(director)
    rows = portfolio_csv(client)
    assert len(rows) == 2
    assert {row["Revenue, last 12 months"] for row in rows} == {""}
    assert {row["Quadrant"] for row in rows} == {""}


def test_the_portfolio_export_is_one_query_however_many_accounts(client, director, portfolio):
    client.force_login(director)
    succeeded_run(list(portfolio))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            portfolio_csv(client)
        return len(captured.captured_queries)

    few = queries()
    factories.AccountFactory.create_batch(12)
    assert queries() == few


@pytest.mark.parametrize("role", ["kam", "operations"])
def test_kams_and_operations_may_not_export_the_portfolio(client, request, role, portfolio):
    client.force_login(request.getfixturevalue(role))
    for fmt in ("csv", "xlsx"):
        assert client.get(reverse("imports:portfolio_export", args=[fmt])).status_code == 403


def test_the_portfolio_exports_as_xlsx_too(client, admin_user, portfolio):
    client.force_login(admin_user)
    response = client.get(reverse("imports:portfolio_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    codes = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert (codes[0], sorted(codes[1:])) == ("ERP code", ["A1", "B1"])
