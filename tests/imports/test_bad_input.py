"""Every kind of bad input the issue lists: a clear message naming the problem, and nothing
written (the database is exactly as before, history tables included)."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.test import override_settings

from accounts.models import SalesLine
from kam.imports.reading import Source
from tests import factories
from tests.imports.conftest import (
    CUSTOMERS_HEADER,
    SALES_HEADER,
    csv_source,
    errors,
    run,
    snapshot,
    xlsx_bytes,
)

NOT_XLSX = "This is not an XLSX file (Excel 2007 or later). Save it as .xlsx or as CSV UTF-8."
GOOD_LINE = "INV-1,1,C1,2026-01-05,Fasteners,10,100.00,60.00"


@pytest.fixture
def stored_line(customers):
    """A line already imported: a refused file must neither add nor change lines."""
    return factories.SalesLineFactory(
        account=customers[0], erp_document="INV-0", erp_line=1, revenue=Decimal("10.00")
    )


def sales_csv(*lines: str, header: str = SALES_HEADER, delimiter: str = ",") -> Source:
    if delimiter != ",":
        header = header.replace(",", delimiter)
    return csv_source("\n".join([header, *lines]) + "\n", "sales.csv")


def refused(kind: str, source: Source) -> list[tuple]:
    """Import `source`; it must be refused and write nothing. Its errors."""
    before = snapshot()
    report = run(kind, source)
    assert not report.committed
    assert report.error_count == len(report.errors) > 0
    assert snapshot() == before
    return errors(report)


def test_a_file_not_in_utf8_is_refused_with_its_line(stored_line):
    text = f"{CUSTOMERS_HEADER}\nC9,Müller,,,,,,,,\n"
    source = csv_source(text, "customers.csv", encoding="latin-1")
    assert refused("customers", source) == [
        (
            2,
            "",
            "",
            "The file is not UTF-8 text: line 2 has the byte 0xFC, which is not UTF-8. Save the "
            'file as "CSV UTF-8" and upload it again.',
        )
    ]


def test_a_utf16_file_is_refused(stored_line):
    text = f"{CUSTOMERS_HEADER}\nC9,Müller,,,,,,,,\n"
    source = Source.from_bytes("customers.csv", text.encode("utf-16"))
    assert refused("customers", source) == [
        (
            None,
            "",
            "",
            'The file is UTF-16 encoded, not UTF-8: save it as "CSV UTF-8" and upload it again.',
        )
    ]


def test_missing_columns_are_named(stored_line):
    header = "erp_document,erp_line,account_code,date,quantity,revenue"
    assert refused("sales_lines", sales_csv("INV-1,1,C1,2026-01-05,1,2", header=header)) == [
        (
            1,
            "",
            "",
            "The header does not match the sales lines layout (missing columns: "
            "product_category, cost_of_goods). It must have exactly these columns, in any "
            "order: erp_document, erp_line, account_code, date, product_category, quantity, "
            "revenue, cost_of_goods.",
        )
    ]


def test_extra_and_repeated_columns_are_named(stored_line):
    header = SALES_HEADER + ",discount,date"
    source = sales_csv(GOOD_LINE + ",5,2026-01-05", header=header)
    assert refused("sales_lines", source) == [
        (
            1,
            "",
            "",
            "The header does not match the sales lines layout (unexpected column: discount; "
            "repeated column: date). It must have exactly these columns, in any order: "
            "erp_document, erp_line, account_code, date, product_category, quantity, revenue, "
            "cost_of_goods.",
        )
    ]


@pytest.mark.parametrize(
    "content", [b"", b"\xef\xbb\xbf", b"\n\n  \n"], ids=["0-bytes", "bom", "blank"]
)
def test_an_empty_file_is_refused(stored_line, content):
    source = Source.from_bytes("sales.csv", content)
    assert refused("sales_lines", source) == [(None, "", "", "The file is empty.")]


def test_a_header_without_rows_is_refused(stored_line):
    source = csv_source(SALES_HEADER + "\n\n,,,,,,,\n", "sales.csv")
    assert refused("sales_lines", source) == [
        (None, "", "", "The file has a header row but no data rows.")
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "No such date: 2026-02-30."),
        ("31.04.2026", "No such date: 31.04.2026."),
        ("03/04/2026", "Not a date: write YYYY-MM-DD (or DD.MM.YYYY)."),
        ("2026-1-5", "Not a date: write YYYY-MM-DD (or DD.MM.YYYY)."),
        ("yesterday", "Not a date: write YYYY-MM-DD (or DD.MM.YYYY)."),
    ],
)
def test_bad_dates_are_refused(stored_line, value, message):
    source = sales_csv(GOOD_LINE, f"INV-1,2,C1,{value},Fasteners,10,100.00,60.00")
    assert refused("sales_lines", source) == [(3, "date", value, message)]


OUT_OF_RANGE = "out of range: write a date from 1950-01-01 to 2199-12-31."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0001-01-01", f"0001-01-01 is {OUT_OF_RANGE}"),
        ("1949-12-31", f"1949-12-31 is {OUT_OF_RANGE}"),
        ("2200-01-01", f"2200-01-01 is {OUT_OF_RANGE}"),
        ("31.12.9999", f"9999-12-31 is {OUT_OF_RANGE}"),
    ],
)
@pytest.mark.parametrize("dry_run", [True, False])
def test_dates_outside_the_plausible_range_are_refused(stored_line, value, message, dry_run):
    source = sales_csv(GOOD_LINE, f"INV-1,2,C1,{value},Fasteners,10,100.00,60.00")
    before = snapshot()
    report = run("sales_lines", source, dry_run=dry_run)
    assert errors(report) == [(3, "date", value, message)]
    assert snapshot() == before


def test_the_first_and_last_plausible_days_are_accepted(stored_line):
    source = sales_csv(
        "INV-1,1,C1,1950-01-01,Fasteners,10,100.00,60.00",
        "INV-1,2,C1,31.12.2199,Fasteners,10,100.00,60.00",
    )
    report = run("sales_lines", source)
    assert report.error_count == 0
    stored = SalesLine.objects.filter(erp_document="INV-1").order_by("erp_line")
    assert list(stored.values_list("date", flat=True)) == [
        dt.date(1950, 1, 1),
        dt.date(2199, 12, 31),
    ]


POINT_THOUSANDS = (
    "Thousands separators are not accepted: write digits with a decimal point only, e.g. 1234.56."
)
COMMA_THOUSANDS = (
    "Thousands separators are not accepted: write digits with a decimal comma only, e.g. 1234,56."
)
POINT_WRONG_MARK = (
    "Wrong decimal mark: this file uses a decimal point and no thousands separators, e.g. "
    "1234.56 (comma-separated CSV and XLSX files write 1234.56, semicolon-separated CSV files "
    "1234,56)."
)
COMMA_WRONG_MARK = (
    "Wrong decimal mark: this file uses a decimal comma and no thousands separators, e.g. "
    "1234,56 (comma-separated CSV and XLSX files write 1234.56, semicolon-separated CSV files "
    "1234,56)."
)


@pytest.mark.parametrize(
    ("delimiter", "value", "message"),
    [
        (",", '"1,234.56"', POINT_THOUSANDS),
        (",", "1 234", POINT_THOUSANDS),
        (",", '"1234,56"', POINT_WRONG_MARK),
        (";", "1.234,56", COMMA_THOUSANDS),
        (";", "1234.56", COMMA_WRONG_MARK),
        (",", "12a", "Not a number: write digits with a decimal point, e.g. 1234.56."),
        (",", "1e5", "Not a number: write digits with a decimal point, e.g. 1234.56."),
        (",", "100.505", "At most 2 decimal places."),
        (",", "123456789012345.00", "Too large: at most 14 digits before the decimal mark."),
    ],
)
def test_bad_numbers_and_thousands_separators_are_refused(stored_line, delimiter, value, message):
    line = f"INV-1;1;C1;2026-01-05;Fasteners;10;{value};60".replace(";", delimiter)
    source = sales_csv(line, delimiter=delimiter)
    assert refused("sales_lines", source) == [(2, "revenue", value.strip('"'), message)]


def test_negative_quantities_are_refused(stored_line):
    source = sales_csv("INV-1,1,C1,2026-01-05,Fasteners,-3,100.00,60.00")
    assert refused("sales_lines", source) == [(2, "quantity", "-3", "Must not be negative.")]


def test_unknown_account_codes_are_refused(stored_line):
    source = sales_csv(GOOD_LINE, "INV-1,2,C404,2026-01-05,Fasteners,1,1.00,0")
    assert refused("sales_lines", source) == [
        (
            3,
            "account_code",
            "C404",
            "Unknown account code: no customer has this ERP code (import customers first).",
        )
    ]


def test_duplicate_keys_within_the_file_are_refused(stored_line):
    # erp_line 01 is line 1: the same key as row 2, written differently.
    source = sales_csv(
        GOOD_LINE, "INV-2,1,C2,2026-01-05,,1,1.00,0", "INV-1,01,C2,2026-01-06,,1,1,0"
    )
    assert refused("sales_lines", source) == [
        (
            4,
            "erp_document, erp_line",
            "INV-1 / 1",
            "Duplicate key: row 2 has the same erp_document and erp_line.",
        )
    ]


@pytest.mark.parametrize("influence", ["0", "6", "-1"])
def test_a_contact_influence_outside_1_to_5_is_refused(stored_line, influence):
    header = (
        "account_code,name,email,title,function,buying_role,influence,attitude,"
        "relationship_owner,last_contact_on,phone"
    )
    line = f"C1,Anna Weber,,,,decision_maker,{influence},,,,"
    source = csv_source(f"{header}\n{line}\n", "contacts.csv")
    assert refused("contacts", source) == [(2, "influence", influence, "Must be between 1 and 5.")]


def test_a_rating_outside_1_to_5_is_refused(stored_line):
    source = csv_source(
        "account_code,criterion,value,comment\nC1,strategic_value,4,\nC2,strategic_value,7,\n",
        "ratings.csv",
    )
    assert refused("ratings", source) == [(3, "value", "7", "Must be between 1 and 5.")]


def test_a_200_mb_file_is_refused_before_it_is_read(stored_line, tmp_path):
    path = tmp_path / "sales.csv"
    with path.open("wb") as sparse:  # a sparse file: 200 MB long, no disk used
        sparse.truncate(200 * 1024 * 1024)
    source = Source.from_path(path)
    never_opened = Source(source.name, source.size, opener=lambda: pytest.fail("file was read"))
    assert refused("sales_lines", never_opened) == [
        (
            None,
            "",
            "",
            "The file is 200.0 MB, larger than the 100.0 MB limit: split it into smaller files.",
        )
    ]


def _workbook_with(extra_members: dict[str, bytes]) -> bytes:
    """A real XLSX with extra members added to its zip."""
    output = io.BytesIO(xlsx_bytes([SALES_HEADER.split(","), GOOD_LINE.split(",")]))
    with zipfile.ZipFile(output, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in extra_members.items():
            archive.writestr(name, data)
    return output.getvalue()


def test_an_xlsx_zip_bomb_is_refused(stored_line):
    # 20 MB of zeros deflate to about 20 KB: a ratio near 1000 to 1.
    bomb = _workbook_with({"xl/media/padding.bin": bytes(20 * 1024 * 1024)})
    [(row, column, value, message)] = refused("sales_lines", Source.from_bytes("s.xlsx", bomb))
    assert (row, column, value) == (None, "", "")
    assert message.startswith("The XLSX file is compressed ")
    assert message.endswith(
        "to 1 (limit 100 to 1), which is what a zip bomb looks like: nothing was imported. "
        "Save it again from your spreadsheet programme, or as CSV UTF-8."
    )


@override_settings(KAM_IMPORT_XLSX_MAX_UNPACKED_BYTES=1024 * 1024)
def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused(stored_line):
    big = _workbook_with({"xl/media/noise.bin": bytes(range(256)) * 8192})  # 2 MB, incompressible
    assert refused("sales_lines", Source.from_bytes("s.xlsx", big)) == [
        (
            None,
            "",
            "",
            "The XLSX file would unpack to 2.0 MB, more than the 1.0 MB limit (a zip bomb, or far "
            "too big): nothing was imported.",
        )
    ]


@pytest.mark.parametrize(
    "content",
    [
        (SALES_HEADER + "\n" + GOOD_LINE + "\n").encode(),
        b"PK\x03\x04 not really a zip",
        b"",
    ],
    ids=["csv-named-xlsx", "broken-zip", "zip-without-workbook"],
)
def test_a_file_that_is_not_xlsx_is_refused(stored_line, content):
    if not content:
        output = io.BytesIO()
        with zipfile.ZipFile(output, "w") as archive:
            archive.writestr("readme.txt", "hello")
        content = output.getvalue()
    assert refused("sales_lines", Source.from_bytes("sales.xlsx", content)) == [
        (None, "", "", NOT_XLSX)
    ]


def test_an_unsupported_file_type_is_refused(stored_line):
    source = Source.from_bytes("sales.xls", b"\xd0\xcf\x11\xe0")
    assert refused("sales_lines", source) == [
        (None, "", "", "Unsupported file type '.xls': upload CSV (.csv) or Excel (.xlsx).")
    ]


def test_a_row_with_the_wrong_number_of_values_is_refused(stored_line):
    source = sales_csv(GOOD_LINE, "INV-1,2,C1,2026-01-05,Fasteners,10,1,234.56,60")
    assert refused("sales_lines", source) == [
        (3, "", "", "This row has 9 values; the header has 8 columns.")
    ]


def test_one_bad_row_among_good_ones_writes_none_of_them(stored_line):
    lines = [f"INV-9,{n},C1,2026-01-05,Fasteners,1,1.00,0" for n in range(1, 50)]
    lines.append("INV-9,50,C1,2026-01-05,Fasteners,1,1.00,-1")
    report = run("sales_lines", sales_csv(*lines))
    assert errors(report) == [(51, "cost_of_goods", "-1", "Must not be negative.")]
    assert not SalesLine.objects.filter(erp_document="INV-9").exists()
