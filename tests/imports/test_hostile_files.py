"""Files that broke the import before: formulas without values, sheets styling millions of empty
rows behind a lying dimension, classic Mac line endings, headers the csv module cannot read and
NUL bytes quoted by the report. Each is read correctly or refused with a clear message, and
nothing is written or cleared silently."""

import csv
import io
import json
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from accounts.imports import services
from accounts.models import Account, ImportJob
from kam.imports.reading import Source, estimate_rows
from tests import factories
from tests.imports.conftest import CUSTOMERS_HEADER, SALES_HEADER, errors, run, xlsx_bytes

SHEET = "xl/worksheets/sheet1.xml"


def rewrite_sheet(content: bytes, change) -> bytes:
    """`content` with its first sheet's XML passed through `change`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == SHEET:
                data = change(data.decode()).encode()
            target.writestr(item, data)
    return output.getvalue()


def customers_xlsx(turnover) -> Source:
    header = CUSTOMERS_HEADER.split(",")
    row = ["C1", "Alpha GmbH", "", "", "", "", turnover, "3.5", "250000", ""]
    return Source.from_bytes("customers.xlsx", xlsx_bytes([header, row]))


@pytest.fixture
def customer(db):
    return factories.AccountFactory(
        erp_code="C1",
        name="Alpha GmbH",
        turnover=Decimal("9000000"),
        market_growth_pct=Decimal("1.0"),
        category_spend=Decimal("100000"),
    )


def test_a_formula_without_a_calculated_value_is_an_error_not_a_blank(customer):
    report = run("customers", customers_xlsx("=B7*1000"))

    assert not report.committed
    assert errors(report) == [
        (
            2,
            "turnover",
            "=B7*1000",
            "This cell holds a formula (=B7*1000) but no calculated value: open the file in a "
            "spreadsheet programme, let it calculate and save it again, or type the value.",
        )
    ]
    customer.refresh_from_db()
    assert customer.turnover == Decimal("9000000")


def test_a_formula_with_a_calculated_value_imports_that_value_and_says_so(customer):
    content = rewrite_sheet(
        customers_xlsx("=B7*1000").opener().read(),
        # an empty value is written <v /> or <v></v>, depending on whether lxml is installed
        lambda xml: re.sub(
            r"<f>B7\*1000</f><v ?/>|<f>B7\*1000</f><v></v>", "<f>B7*1000</f><v>7500000</v>", xml
        ),
    )
    report = run("customers", Source.from_bytes("customers.xlsx", content))

    assert report.committed, errors(report)
    assert report.notes == [
        "1 cell held a formula: the value the spreadsheet last calculated was read."
    ]
    assert report.to_dict()["notes"] == report.notes
    customer.refresh_from_db()
    assert customer.turnover == Decimal("7500000")


def styled_empty_rows(content: bytes, count: int) -> bytes:
    """The sheet with `count` empty but styled rows after its data, declaring that it holds two
    rows (as some generators write it)."""

    def change(xml: str) -> str:
        last = max(int(n) for n in re.findall(r'<row r="(\d+)"', xml))
        empty = "".join(
            f'<row r="{n}" s="1" customFormat="1" spans="1:16384"><c r="XFD{n}" s="1"/></row>'
            for n in range(last + 1, last + 1 + count)
        )
        xml = re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:B2"', xml)
        return xml.replace("</sheetData>", empty + "</sheetData>")

    return rewrite_sheet(content, change)


def test_empty_styled_rows_are_skipped_and_a_lying_dimension_cuts_nothing(customers):
    header = SALES_HEADER.split(",")
    lines = [
        [f"INV-{n}", "1", "C1", "2026-01-05", "Fasteners", "1", "10.00", "6.00"] for n in range(5)
    ]
    content = styled_empty_rows(xlsx_bytes([header, *lines]), 2000)

    report = run("sales_lines", Source.from_bytes("sales.xlsx", content))

    assert report.committed, errors(report)
    assert (report.rows, report.created) == (5, 5)


@override_settings(KAM_IMPORT_INLINE_MAX_ROWS=50)
def test_the_inline_or_background_choice_counts_the_rows_in_the_file(customers):
    header = SALES_HEADER.split(",")
    line = ["INV-1", "1", "C1", "2026-01-05", "Fasteners", "1", "10.00", "6.00"]
    content = styled_empty_rows(xlsx_bytes([header, line]), 200)
    source = Source.from_bytes("sales.xlsx", content)

    # The sheet declares A1:B2 (one data row); 201 rows follow the header.
    assert estimate_rows(source) == 201
    assert 50 < estimate_rows(source, enough=50) <= 201

    job = services.import_job_create(
        kind="sales_lines",
        upload=SimpleUploadedFile("sales.xlsx", content),
        actor=factories.DirectorFactory(),
    )
    assert services.runs_in_background(job)


def test_row_elements_cut_by_a_chunk_boundary_are_counted_once(db):
    from kam.imports import reading

    xml = b"<sheetData>" + b"".join(b'<row r="%d"><c/></row>' % n for n in range(1, 40))
    for size in (1, 3, 7, 11):
        sheet = io.BytesIO(xml)
        original = sheet.read
        sheet.read = lambda _n, original=original, size=size: original(size)
        assert reading._count_row_elements(sheet, None) == 39


def test_classic_mac_line_endings_are_read(customers):
    text = (
        "\r".join(
            [
                SALES_HEADER,
                "INV-1,1,C1,2026-01-05,Fasteners,1,10.00,6.00",
                'INV-2,1,C2,2026-01-06,"Bolts, large",1,12.00,7.00',
            ]
        )
        + "\r"
    )
    source = Source.from_bytes("sales.csv", text.encode())

    report = run("sales_lines", source)

    assert report.committed, errors(report)
    assert (report.rows, report.created) == (2, 2)
    assert estimate_rows(source) == 2


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            SALES_HEADER.replace("date", '"date'),
            "The header is not valid CSV (unexpected end of data). Check its quotes.",
        ),
        (
            "erp_document," + "x" * (csv.field_size_limit() + 1),
            f"The header has a cell longer than {csv.field_size_limit():,} characters: no value "
            "in any layout is that long. Check the file's quotes and delimiters.",
        ),
    ],
    ids=["unclosed-quote", "over-the-field-limit"],
)
def test_a_header_the_csv_module_cannot_read_is_refused_with_a_message(customers, header, message):
    source = Source.from_bytes("sales.csv", f"{header}\nINV-1,1,C1\n".encode())

    assert errors(run("sales_lines", source)) == [(1, "", "", message)]


def test_a_header_of_thousands_of_columns_gets_a_short_message(customers):
    header = ",".join(f"col{n}" for n in range(5000))
    source = Source.from_bytes("sales.csv", f"{header}\n".encode())

    [(row, _column, _value, message)] = errors(run("sales_lines", source))

    assert row == 1
    assert "col0, col1, col2" in message
    assert "and 4990 more" in message
    assert len(message) < 1000


def test_a_nul_byte_quoted_by_the_report_is_stored_with_the_job(customers):
    text = f"{SALES_HEADER}\nINV-1,1,C\x009,2026-01-05,Fasteners,1,10.00,6.00\n"
    director = factories.DirectorFactory()
    job = services.import_job_create(
        kind="sales_lines", upload=SimpleUploadedFile("sales.csv", text.encode()), actor=director
    )

    services.import_job_start(job=job, commit=False, actor=director)

    job = ImportJob.objects.get(pk=job.pk)
    assert job.status != "failed"
    stored = json.dumps(job.report)
    assert "\\u0000" not in stored
    [error] = job.report["errors"]
    assert error["row"] == 2
    assert error["value"] == "C\u24009"
    assert Account.objects.count() == 2
