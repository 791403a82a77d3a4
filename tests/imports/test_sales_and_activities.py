"""Sales lines and activities: idempotent on their natural keys, corrected files update, every
format the issue lists, and the PostgreSQL COPY path reporting exactly what the row-wise path
reports (on SQLite both calls take the row-wise path)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.imports.services import REFUSED_BY_DATABASE, uses_copy
from accounts.models import Activity, SalesLine
from kam.exports import export_response
from kam.imports.pg_copy import Merge
from kam.imports.reading import Source
from tests import factories
from tests.imports.conftest import SALES_HEADER, csv_source, errors, run, snapshot, xlsx_bytes

LINES = [
    "INV-1,1,C1,2026-01-05,Fasteners,10,100.50,60.00",
    "INV-1,2,C1,2026-01-05,Bearings,2.5,25.00,12.25",
    "INV-2,1,C2,2026-02-10,,1,-40.00,0",
]


def sales(*lines: str, name: str = "sales.csv") -> Source:
    return csv_source("\n".join([SALES_HEADER, *lines]) + "\n", name)


def stored_lines() -> list[tuple]:
    return list(
        SalesLine.objects.order_by("erp_document", "erp_line").values_list(
            "erp_document",
            "erp_line",
            "account__erp_code",
            "date",
            "product_category",
            "quantity",
            "revenue",
            "cost_of_goods",
        )
    )


EXPECTED = [
    (
        "INV-1",
        1,
        "C1",
        dt.date(2026, 1, 5),
        "Fasteners",
        Decimal("10"),
        Decimal("100.5"),
        Decimal("60"),
    ),
    (
        "INV-1",
        2,
        "C1",
        dt.date(2026, 1, 5),
        "Bearings",
        Decimal("2.5"),
        Decimal("25"),
        Decimal("12.25"),
    ),
    ("INV-2", 1, "C2", dt.date(2026, 2, 10), "", Decimal("1"), Decimal("-40"), Decimal("0")),
]


def counts(report) -> tuple[int, int, int, int, int]:
    return report.rows, report.created, report.updated, report.unchanged, report.error_count


@pytest.mark.parametrize("fast", [None, False], ids=["default-path", "row-wise"])
def test_importing_the_same_file_twice_changes_nothing_the_second_time(customers, fast):
    first = run("sales_lines", sales(*LINES), fast=fast)
    assert first.committed
    assert counts(first) == (3, 3, 0, 0, 0)
    assert stored_lines() == EXPECTED
    before = snapshot()

    second = run("sales_lines", sales(*LINES), fast=fast)

    assert counts(second) == (3, 0, 0, 3, 0)
    assert stored_lines() == EXPECTED
    assert snapshot() == before


@pytest.mark.parametrize("fast", [None, False], ids=["default-path", "row-wise"])
def test_a_corrected_file_updates_only_what_changed(customers, fast):
    run("sales_lines", sales(*LINES), fast=fast)
    corrected = [LINES[0].replace("100.50", "110.50"), LINES[1], LINES[2].replace(",C2,", ",C1,")]

    report = run(
        "sales_lines", sales(*corrected, "INV-3,1,C2,2026-03-01,Seals,4,8.00,3.00"), fast=fast
    )

    assert counts(report) == (4, 1, 2, 1, 0)
    lines = {(line[0], line[1]): line for line in stored_lines()}
    assert lines["INV-1", 1][6] == Decimal("110.50")
    assert lines["INV-2", 1][2] == "C1"
    assert lines["INV-3", 1][5:] == (Decimal("4"), Decimal("8"), Decimal("3"))


@pytest.mark.parametrize("fast", [None, False], ids=["default-path", "row-wise"])
@pytest.mark.parametrize(
    ("document", "number", "code"),
    # A document after every stored one (the COPY path's plain INSERT), and a new line of a
    # stored document, whose key sits among stored keys (INSERT ... ON CONFLICT DO NOTHING).
    [("INV-4", 1, "C2"), ("INV-1", 3, "C1")],
    ids=["new-document", "new-line-of-a-stored-document"],
)
def test_new_lines_go_in_beside_the_stored_ones_untouched(customers, fast, document, number, code):
    run("sales_lines", sales(*LINES), fast=fast)

    report = run(
        "sales_lines", sales(f"{document},{number},{code},2026-03-01,Seals,4,8,3"), fast=fast
    )

    assert report.committed
    assert counts(report) == (1, 1, 0, 0, 0)
    new = (document, number, code, dt.date(2026, 3, 1), "Seals", Decimal(4), Decimal(8), Decimal(3))
    assert stored_lines() == sorted([*EXPECTED, new])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_a_key_stored_meanwhile_refuses_the_whole_file(customers, monkeypatch):
    """Another import storing one of the file's keys between the key-range check and the plain
    INSERT: the unique index refuses the file, and nothing of it is written."""
    run("sales_lines", sales(LINES[0]))
    monkeypatch.setattr(Merge, "range_stored_sql", lambda self: "SELECT false WHERE %s < %s")
    before = snapshot()

    report = run("sales_lines", sales(*LINES))

    assert not report.committed
    assert errors(report) == [(None, "", "", REFUSED_BY_DATABASE)]
    assert snapshot() == before


def test_a_dry_run_reports_the_plan_and_writes_nothing(customers):
    run("sales_lines", sales(LINES[0]))
    before = snapshot()

    report = run("sales_lines", sales(LINES[0].replace("100.50", "1.00"), *LINES[1:]), dry_run=True)

    assert counts(report) == (3, 2, 1, 0, 0)
    assert report.dry_run and not report.committed
    assert snapshot() == before
    assert SalesLine.objects.get(erp_document="INV-1", erp_line=1).revenue == Decimal("100.50")


def test_a_semicolon_file_with_bom_decimal_commas_and_dotted_dates(customers):
    text = (
        "\ufeff" + SALES_HEADER.replace(",", ";") + "\r\n"
        "INV-1;1;C1;05.01.2026;Fasteners;10;100,50;60\r\n"
        "INV-1;2;C1;2026-01-05;Bearings;2,5;25;12,25\r\n"
        "INV-2;1;C2;10.02.2026;;1;-40,00;0\r\n"
    )
    report = run("sales_lines", csv_source(text))
    assert counts(report) == (3, 3, 0, 0, 0)
    assert stored_lines() == EXPECTED


def test_columns_in_another_order_and_spelling_are_matched(customers):
    header = (
        "Account Code,ERP-Document,erp_line,Date,Quantity,Revenue,Cost of goods,Product category"
    )
    text = f"{header}\nC1,INV-1,1,2026-01-05,10,100.50,60.00,Fasteners\n"
    report = run("sales_lines", csv_source(text))
    assert counts(report) == (1, 1, 0, 0, 0)
    assert stored_lines() == EXPECTED[:1]


def test_padded_cells_and_quoted_values_are_read_as_written(customers):
    text = f'{SALES_HEADER}\n INV-1 , 1 ,C1, 2026-01-05 ,"Fasteners",010, 100.50 ,60.00\n'
    report = run("sales_lines", csv_source(text))
    assert counts(report) == (1, 1, 0, 0, 0)
    assert stored_lines() == EXPECTED[:1]


def test_an_xlsx_file_with_typed_cells(customers):
    content = xlsx_bytes(
        [
            SALES_HEADER.split(","),
            ["INV-1", 1, "C1", dt.datetime(2026, 1, 5), "Fasteners", 10, 100.5, 60],
            ["INV-1", 2.0, "C1", "2026-01-05", "Bearings", 2.5, "25.00", 12.25],
            ["INV-2", 1, "C2", dt.date(2026, 2, 10), None, 1, -40, 0, None, None],
            [None, None, None],
        ]
    )
    report = run("sales_lines", Source.from_bytes("sales.xlsx", content))
    assert counts(report) == (3, 3, 0, 0, 0)
    assert stored_lines() == EXPECTED


def test_an_exported_xlsx_imports_back_without_changes(customers):
    """XLSX round trip: export the stored lines with kam.exports, import the file again."""
    run("sales_lines", sales(*LINES))
    columns = [
        ("erp_document", "erp_document"),
        ("erp_line", "erp_line"),
        ("account_code", "account.erp_code"),
        ("date", "date"),
        ("product_category", "product_category"),
        ("quantity", "quantity"),
        ("revenue", "revenue"),
        ("cost_of_goods", "cost_of_goods"),
    ]
    lines = SalesLine.objects.select_related("account").order_by("erp_document", "erp_line")
    response = export_response(lines, columns, "sales", "xlsx")
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    assert [row[6] for row in sheet.iter_rows(min_row=2, values_only=True)] == [100.5, 25, -40]
    before = snapshot()

    report = run("sales_lines", Source.from_bytes("sales.xlsx", content))

    assert counts(report) == (3, 0, 0, 3, 0)
    assert snapshot() == before


MIXED = [
    "INV-1,1,C1,2026-01-05,Fasteners,10,100.50,60.00",
    "INV-1,2,C404,2026-01-05,Bearings,2.5,25.00,12.25",
    "INV-1,1,C2,2026-02-30,,1,-40.00,-1",
    "INV-3,x,C1,2026-01-05,,1,1,1",
    "INV-4,1,C1,2026-01-05,,1,1",
    ",,,,,,,",
    "INV-5,1,C1,2026-01-05,Seals,1,1.005,0",
    "INV-2,1,C2,2026-02-10,,1,-40.00,0",
]


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "commit"])
def test_the_copy_path_and_the_row_wise_path_report_the_same(customers, dry_run):
    factories.SalesLineFactory(
        account=customers[1],
        erp_document="INV-2",
        erp_line=1,
        date=dt.date(2026, 2, 10),
        product_category="",
        quantity=Decimal("1"),
        revenue=Decimal("-40"),
        cost_of_goods=Decimal("0"),
    )
    before = snapshot()
    default = run("sales_lines", sales(*MIXED), dry_run=dry_run).to_dict()
    row_wise = run("sales_lines", sales(*MIXED), dry_run=dry_run, fast=False).to_dict()

    assert default == row_wise
    assert (default["rows"], default["created"], default["updated"], default["unchanged"]) == (
        7,
        1,
        0,
        1,
    )
    assert [(e["row"], e["column"], e["value"]) for e in default["errors"]] == [
        (3, "account_code", "C404"),
        (4, "erp_document, erp_line", "INV-1 / 1"),
        (4, "date", "2026-02-30"),
        (4, "cost_of_goods", "-1"),
        (5, "erp_line", "x"),
        (6, "", ""),
        (8, "revenue", "1.005"),
    ]
    assert snapshot() == before


def test_sales_lines_take_the_copy_path_on_postgresql_only(db):
    assert uses_copy("sales_lines") == (connection.vendor == "postgresql")
    assert uses_copy("activities") == (connection.vendor == "postgresql")
    assert not uses_copy("customers")


def test_an_import_makes_the_same_number_of_queries_for_3_and_for_60_rows(customers):
    def queries(count: int, document: str) -> int:
        lines = [f"{document},{n},C{n % 2 + 1},2026-01-05,,1,1.00,0" for n in range(1, count + 1)]
        with CaptureQueriesContext(connection) as captured:
            report = run("sales_lines", sales(*lines))
        assert report.created == count
        return len(captured.captured_queries)

    assert queries(3, "INV-A") == queries(60, "INV-B")


ACTIVITY_HEADER = "external_ref,account_code,activity_type,date,quantity,note"


@pytest.mark.parametrize("fast", [None, False], ids=["default-path", "row-wise"])
def test_activities_are_matched_on_their_external_reference(customers, visit_type, director, fast):
    text = (
        f"{ACTIVITY_HEADER}\n"
        "CRM-1,C1,sales-visit,2026-03-12,2,Quarterly review\n"
        "CRM-2,C2,sales-visit,2026-03-13,1.5,\n"
    )
    first = run("activities", csv_source(text), actor=director, fast=fast)
    assert counts(first) == (2, 2, 0, 0, 0)
    again = run("activities", csv_source(text), actor=director, fast=fast)
    assert counts(again) == (2, 0, 0, 2, 0)
    corrected = run(
        "activities", csv_source(text.replace("1.5,", "3,Follow-up")), actor=director, fast=fast
    )
    assert counts(corrected) == (2, 0, 1, 1, 0)
    activity = Activity.objects.get(external_ref="CRM-2")
    assert (activity.quantity, activity.note, activity.recorded_by) == (
        Decimal("3"),
        "Follow-up",
        director,
    )
    assert activity.account.erp_code == "C2"


@pytest.mark.parametrize("fast", [None, False], ids=["default-path", "row-wise"])
def test_an_unknown_activity_type_is_refused(customers, visit_type, fast):
    text = f"{ACTIVITY_HEADER}\nCRM-1,C1,sales-visit,2026-03-12,2,\nCRM-2,C1,golf,2026-03-12,1,\n"
    before = snapshot()
    report = run("activities", csv_source(text), fast=fast)
    assert errors(report) == [
        (
            3,
            "activity_type",
            "golf",
            "Unknown activity type: set the type up in KAM first (its code, e.g. sales-visit).",
        )
    ]
    assert snapshot() == before
