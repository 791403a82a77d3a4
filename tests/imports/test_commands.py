"""`manage.py import_data` (the ERP feed's entry) and `manage.py bench_import`, run as from a
shell: exit codes, the report on standard output, nothing written on errors."""

import io
import re
from contextlib import redirect_stderr, redirect_stdout

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.models import Account, SalesLine
from tests.imports.conftest import SALES_HEADER, snapshot


def manage(*argv: str) -> tuple[int, str, str]:
    """Run a command like `python manage.py ...`: (exit code, stdout, stderr). The command
    closes the database connections when it ends, so its tests use `transactional_db`."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            ManagementUtility(["manage.py", *argv]).execute()
            code = 0
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def sales_file(tmp_path):
    def write(*lines: str):
        path = tmp_path / "sales.csv"
        path.write_text("\n".join([SALES_HEADER, *lines]) + "\n", encoding="utf-8")
        return str(path)

    return write


def test_a_clean_file_imports_with_exit_code_0(transactional_db, customers, sales_file):
    path = sales_file("INV-1,1,C1,2026-01-05,,1,10.00,5.00", "INV-1,2,C2,2026-01-05,,1,20.00,5.00")

    code, out, err = manage("import_data", "sales_lines", path)

    assert (code, err) == (0, "")
    assert out == (
        "sales.csv (sales_lines): 2 rows: 2 created, 0 updated, 0 unchanged (skipped); "
        "0 errors. Imported.\n"
    )
    assert SalesLine.objects.count() == 2


def test_any_error_gives_exit_code_1_the_report_and_no_writes(
    transactional_db, customers, sales_file
):
    path = sales_file("INV-1,1,C1,2026-01-05,,1,10.00,5.00", "INV-1,2,C9,2026-13-05,,-1,20.00,5")
    before = snapshot()

    code, out, err = manage("import_data", "sales_lines", path)

    assert code == 1
    assert out.splitlines() == [
        "sales.csv (sales_lines): 2 rows: 1 to be created, 0 to be updated, 0 unchanged "
        "(skipped); 3 errors. Nothing was imported.",
        "  row 3, column account_code, value 'C9': Unknown account code: no customer has this "
        "ERP code (import customers first).",
        "  row 3, column date, value '2026-13-05': No such date: 2026-13-05.",
        "  row 3, column quantity, value '-1': Must not be negative.",
    ]
    assert err == "CommandError: 3 errors: nothing was imported.\n"
    assert snapshot() == before


def test_a_dry_run_writes_nothing_and_exits_0_when_clean(transactional_db, customers, sales_file):
    path = sales_file("INV-1,1,C1,2026-01-05,,1,10.00,5.00")
    before = snapshot()

    code, out, _ = manage("import_data", "sales_lines", path, "--dry-run")

    assert code == 0
    assert "1 to be created" in out and "Dry run: nothing was written." in out
    assert snapshot() == before


def test_a_missing_or_oversized_file_exits_1(transactional_db, tmp_path):
    code, _, err = manage("import_data", "customers", str(tmp_path / "nope.csv"))
    assert (code, err) == (1, f"CommandError: No such file: {tmp_path / 'nope.csv'}.\n")

    huge = tmp_path / "customers.csv"
    with huge.open("wb") as sparse:
        sparse.truncate(200 * 1024 * 1024)
    code, out, _ = manage("import_data", "customers", str(huge))
    assert code == 1
    assert "larger than the 100.0 MB limit" in out
    assert not Account.objects.exists()


def test_an_unknown_kind_is_a_usage_error(transactional_db, tmp_path):
    code, _, err = manage("import_data", "invoices", str(tmp_path / "x.csv"))
    assert code == 2
    assert "invalid choice: 'invoices'" in err


def test_bench_import_prints_its_figures_last_on_postgresql(db):
    out = io.StringIO()
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="compares with PostgreSQL's COPY"):
            call_command("bench_import", "--lines", "40", stdout=out)
        return
    call_command("bench_import", "--lines", "40", "--accounts", "5", "--existing", "60", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("filler: 60 lines")
    assert lines[1] == "the table holds 60 lines before the import"
    assert "40 rows: 40 created" in lines[3]
    assert "40 rows: 0 created, 0 updated, 40 unchanged" in lines[4]
    assert lines[-2].startswith("raw COPY into an indexed copy of the table: ")
    assert re.fullmatch(
        r"import_s=\d+\.\d\d copy_s=\d+\.\d\d ratio=\d+\.\d\d"
        r" indexed_copy_s=\d+\.\d\d indexed_ratio=\d+\.\d\d",
        lines[-1],
    )
    assert not SalesLine.objects.exists() and not Account.objects.exists()
