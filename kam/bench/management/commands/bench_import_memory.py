"""`manage.py bench_import_memory`: the peak memory of checking hostile and large import files.

Builds, in a temporary folder, the files that cost the most memory to check: an XLSX styling
3,000,000 empty rows behind a dimension that says two (7 MB on disk), a real XLSX of 100,000
sales lines and a CSV of 1,000,000 sales lines. Each is checked (a dry run, as the browser's
"Check" does) by `manage.py import_data --dry-run` in a process of its own, whose peak resident
memory the operating system reports; a process that only loads Django gives the baseline. The
last line is `worst_peak_mb=<n> file=<name>`; the goal is under 200 MB. Bench accounts are
created for the files' codes and removed afterwards.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from accounts.models import Account
from kam.bench.management.commands.bench_import import CATEGORIES, HEADER, PREFIX, write_sales_csv

SHEET = "xl/worksheets/sheet1.xml"


def _workbook(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def write_empty_styled_xlsx(path: Path, *, rows: int) -> None:
    """One header and one data row, then `rows` empty rows each styled to the last column, the
    dimension claiming A1:H2: what some generators write and what once cost 1.4 GB to read."""
    header = HEADER.split(",")
    line = [f"{PREFIX}INV0", "1", f"{PREFIX}000000", "2025-01-05", CATEGORIES[0], "1", "10", "6"]
    source = zipfile.ZipFile(io.BytesIO(_workbook([header, line])))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename != SHEET:
                target.writestr(item, data)
                continue
            head, tail = data.decode().split("</sheetData>")
            with target.open(SHEET, "w", force_zip64=True) as out:
                out.write(head.encode())
                for start in range(3, rows + 3, 10_000):
                    out.write(
                        "".join(
                            f'<row r="{n}" s="1" customFormat="1" spans="1:16384">'
                            f'<c r="XFD{n}" s="1"/></row>'
                            for n in range(start, min(start + 10_000, rows + 3))
                        ).encode()
                    )
                out.write(b"</sheetData>" + tail.encode())


def write_sales_xlsx(path: Path, *, lines: int, accounts: int, seed: int) -> None:
    """The sales lines of `write_sales_csv` as an XLSX sheet."""
    from openpyxl import Workbook

    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "lines.csv"
        write_sales_csv(csv_path, lines=lines, accounts=accounts, seed=seed)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        with csv_path.open(encoding="utf-8") as lines_file:
            for line in lines_file:
                sheet.append(line.rstrip("\n").split(","))
        workbook.save(path)


class Command(BaseCommand):
    help = "Print the peak memory of checking the costliest import files (goal: under 200 MB)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--empty-rows", type=int, default=3_000_000)
        parser.add_argument("--xlsx-lines", type=int, default=100_000)
        parser.add_argument("--csv-lines", type=int, default=1_000_000)
        parser.add_argument("--accounts", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = options["accounts"]
        Account.objects.filter(erp_code__startswith=PREFIX).delete()
        Account.objects.bulk_create(
            [Account(erp_code=f"{PREFIX}{n:06d}", name=f"Bench {n}") for n in range(accounts)],
            batch_size=1000,
        )
        try:
            with tempfile.TemporaryDirectory(prefix="kam-bench-") as folder:
                files = self._write_files(Path(folder), options)
                baseline = self._peak_mb([sys.executable, "manage.py", "check"])
                self.stdout.write(f"a process that only loads Django: {baseline:.0f} MB")
                worst = (0.0, "")
                for path in files:
                    started = time.perf_counter()
                    check = ["import_data", "sales_lines", str(path), "--dry-run"]
                    peak = self._peak_mb([sys.executable, "manage.py", *check])
                    self.stdout.write(
                        f"{path.name}: {path.stat().st_size / 1024 / 1024:.1f} MB on disk, "
                        f"checked in {time.perf_counter() - started:.1f} s, peak {peak:.0f} MB"
                    )
                    worst = max(worst, (peak, path.name))
        finally:
            Account.objects.filter(erp_code__startswith=PREFIX).delete()
        self.stdout.write(f"worst_peak_mb={worst[0]:.0f} file={worst[1]}")

    def _write_files(self, folder: Path, options: dict[str, Any]) -> list[Path]:
        started = time.perf_counter()
        empty = folder / "empty_styled_rows.xlsx"
        write_empty_styled_xlsx(empty, rows=options["empty_rows"])
        xlsx = folder / "sales_lines.xlsx"
        write_sales_xlsx(
            xlsx, lines=options["xlsx_lines"], accounts=options["accounts"], seed=options["seed"]
        )
        csv_path = folder / "sales_lines.csv"
        write_sales_csv(
            csv_path, lines=options["csv_lines"], accounts=options["accounts"], seed=options["seed"]
        )
        self.stdout.write(f"wrote the files in {time.perf_counter() - started:.1f} s")
        limit = settings.KAM_IMPORT_MAX_BYTES
        return [path for path in (empty, xlsx, csv_path) if path.stat().st_size <= limit]

    def _peak_mb(self, command: list[str]) -> float:
        """Run `command` from the project folder; its peak resident memory in MB."""
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=errors
            )
            _pid, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode not in (0, 1):  # 1: the file has errors, still checked
                errors.seek(0)
                text = errors.read().decode(errors="replace").strip()
                self.stderr.write(f"{' '.join(command[1:4])} failed: {text[-500:]}")
        return usage.ru_maxrss / 1024  # kilobytes on Linux
