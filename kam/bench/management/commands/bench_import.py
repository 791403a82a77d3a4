"""`manage.py bench_import --lines 1000000`: how the sales-line import compares with a raw COPY.

Writes a sales-line CSV of N lines over bench accounts, imports it (COPY fast path: stage,
check, merge, commit) into the sales-line table as it is (with `--existing M`, first topped up
with filler lines to hold at least M lines), and times two floors:

- the indexed floor: a raw `COPY` of the same rows, as the table stores them (account id
  instead of the ERP code), into a scratch copy of the sales-line table with the same columns,
  indexes, constraints and foreign key, holding the same existing rows;
- the bare floor (kept for comparison): a raw `COPY` of the file into a bare table (same
  column types, no keys, indexes or constraints).

The last line is `import_s=<n> copy_s=<n> ratio=<n> indexed_copy_s=<n> indexed_ratio=<n>`.
PostgreSQL only. The bench rows (and filler) are removed afterwards unless --keep.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from accounts.imports.services import import_file
from accounts.models import Account, ImportKind, SalesLine
from kam.imports.reading import Source

PREFIX = "BENCH-"
HEADER = "erp_document,erp_line,account_code,date,product_category,quantity,revenue,cost_of_goods"
CATEGORIES = ("Fasteners", "Bearings", "Seals", "Hydraulics", "Drives", "Sensors")
BARE_TABLE = "kam_bench_bare_copy"
SCRATCH_TABLE = "kam_bench_indexed_copy"
# The lines the import writes; everything else in the table (filler included) was there before.
IMPORTED = f"{PREFIX}INV"
FILLER = f"{PREFIX}FILL"
TABLE_COLUMNS = "account_id, date, product_category, quantity, revenue, cost_of_goods, "
TABLE_COLUMNS += "erp_document, erp_line"


def write_sales_csv(path: Path, *, lines: int, accounts: int, seed: int) -> None:
    """Four lines per invoice, spread over the bench accounts and a year of dates."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        batch = []
        for index in range(lines):
            quantity = rng.randrange(1, 500)
            revenue = quantity * rng.randrange(200, 20000)  # cents
            cost = revenue * rng.randrange(40, 90) // 100
            batch.append(
                f"{PREFIX}INV{index // 4:08d},{index % 4 + 1},"
                f"{PREFIX}{rng.randrange(accounts):06d},"
                f"2025-{index % 12 + 1:02d}-{index % 28 + 1:02d},"
                f"{CATEGORIES[index % len(CATEGORIES)]},{quantity}.000,"
                f"{revenue // 100}.{revenue % 100:02d},{cost // 100}.{cost % 100:02d}\n"
            )
            if len(batch) == 50_000:
                out.writelines(batch)
                batch.clear()
        out.writelines(batch)


class Command(BaseCommand):
    help = "Benchmark the sales-line import against a raw COPY of the same file (PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lines", type=int, default=1_000_000)
        parser.add_argument("--accounts", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--existing",
            type=int,
            default=0,
            help="top the table up with filler lines until it holds this many before the import",
        )
        parser.add_argument("--keep", action="store_true", help="keep the bench rows afterwards")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_import compares with PostgreSQL's COPY: set DATABASE_URL.")
        lines, accounts = options["lines"], options["accounts"]
        self._clean()
        Account.objects.bulk_create(
            [Account(erp_code=f"{PREFIX}{n:06d}", name=f"Bench {n}") for n in range(accounts)],
            batch_size=1000,
        )
        self._fill(options["existing"])
        self.stdout.write(f"the table holds {SalesLine.objects.count()} lines before the import")
        with tempfile.TemporaryDirectory(prefix="kam-bench-") as folder:
            path = Path(folder) / "sales_lines.csv"
            started = time.perf_counter()
            write_sales_csv(path, lines=lines, accounts=accounts, seed=options["seed"])
            self.stdout.write(
                f"wrote {lines} lines ({path.stat().st_size / 1024 / 1024:.1f} MB) "
                f"in {time.perf_counter() - started:.1f} s"
            )
            import_s = self._import(path, "import")
            self._import(path, "same file again")
            copy_s = self._raw_copy(path)
            indexed_s = self._indexed_copy(path, Path(folder) / "as_stored.csv")
        if not options["keep"]:
            self._clean()
        self.stdout.write(
            f"import_s={import_s:.2f} copy_s={copy_s:.2f} ratio={import_s / copy_s:.2f}"
            f" indexed_copy_s={indexed_s:.2f} indexed_ratio={import_s / indexed_s:.2f}"
        )

    def _fill(self, existing: int) -> None:
        """Filler lines over the bench accounts until the table holds `existing` lines."""
        missing = existing - SalesLine.objects.count()
        if missing <= 0:
            return
        started = time.perf_counter()
        ids = list(Account.objects.filter(erp_code__startswith=PREFIX).values_list("pk", flat=True))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {SalesLine._meta.db_table} ({TABLE_COLUMNS}) "
                "SELECT (%s::bigint[])[1 + n %% %s], DATE '2024-01-01' + (n %% 700), 'Filler', "
                "1.000, 10.00 + n %% 1000, 5.00, %s || LPAD(n::text, 10, '0'), 1 "
                "FROM generate_series(1, %s) AS n",
                [ids, len(ids), FILLER, missing],
            )
        if not connection.in_atomic_block:  # VACUUM cannot run in a transaction (tests do)
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {SalesLine._meta.db_table}")
        self.stdout.write(f"filler: {missing} lines in {time.perf_counter() - started:.1f} s")

    def _indexed_copy(self, path: Path, stored: Path) -> float:
        """COPY the rows as stored into a scratch copy of the table (see the module doc)."""
        table = SalesLine._meta.db_table
        codes = dict(
            Account.objects.filter(erp_code__startswith=PREFIX).values_list("erp_code", "pk")
        )
        with path.open(encoding="utf-8") as source, stored.open("w", encoding="utf-8") as out:
            next(source)
            for line in source:
                document, number, code, rest = line.split(",", 3)
                date, category, quantity, revenue, cost = rest.rstrip("\n").split(",")
                out.write(
                    f"{codes[code]},{date},{category},{quantity},{revenue},{cost},"
                    f"{document},{number}\n"
                )
        account_table = Account._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {SCRATCH_TABLE} (LIKE {table} INCLUDING ALL)")
            cursor.execute(
                f"ALTER TABLE {SCRATCH_TABLE} ADD FOREIGN KEY (account_id) "
                f"REFERENCES {account_table} (id) DEFERRABLE INITIALLY DEFERRED"
            )
            cursor.execute(
                f"INSERT INTO {SCRATCH_TABLE} SELECT * FROM {table} WHERE erp_document NOT LIKE %s",
                [f"{IMPORTED}%"],
            )
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{SCRATCH_TABLE}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {SCRATCH_TABLE}), 0) + 1, false)"
            )
            cursor.execute(f"ANALYZE {SCRATCH_TABLE}")
        try:
            started = time.perf_counter()
            command = f"COPY {SCRATCH_TABLE} ({TABLE_COLUMNS}) FROM STDIN (FORMAT csv)"
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                stored.open("rb") as data,
                cursor.copy(command) as copy,
            ):
                while chunk := data.read(1024 * 1024):
                    copy.write(chunk)
            with connection.cursor() as cursor:
                # the foreign key is checked now, as a commit checks it (also inside a test's
                # transaction, where the commit is only a savepoint's release)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            seconds = time.perf_counter() - started
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {SCRATCH_TABLE}")
        self.stdout.write(f"raw COPY into an indexed copy of the table: {seconds:.2f} s")
        return seconds

    def _import(self, path: Path, label: str) -> float:
        started = time.perf_counter()
        report = import_file(
            kind=ImportKind.SALES_LINES, source=Source.from_path(path), dry_run=False
        )
        seconds = time.perf_counter() - started
        if not report.committed:
            raise CommandError(f"The bench import failed: {report.summary()}")
        self.stdout.write(f"{label}: {seconds:.2f} s; {report.summary()}")
        return seconds

    def _raw_copy(self, path: Path) -> float:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {BARE_TABLE} (erp_document varchar(40), erp_line integer, "
                "account_code varchar(40), date date, product_category varchar(60), "
                "quantity numeric(14, 3), revenue numeric(16, 2), cost_of_goods numeric(16, 2))"
            )
        try:
            started = time.perf_counter()
            command = f"COPY {BARE_TABLE} FROM STDIN (FORMAT csv, HEADER true)"
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                path.open("rb") as data,
                cursor.copy(command) as copy,
            ):
                while chunk := data.read(1024 * 1024):
                    copy.write(chunk)
            seconds = time.perf_counter() - started
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {BARE_TABLE}")
        self.stdout.write(f"raw COPY into a bare table: {seconds:.2f} s")
        return seconds

    def _clean(self) -> None:
        """Remove bench rows, then vacuum so a rerun does not insert into a bloated table."""
        SalesLine.objects.filter(erp_document__startswith=PREFIX).delete()
        Account.objects.filter(erp_code__startswith=PREFIX).delete()
        if connection.in_atomic_block:  # VACUUM cannot run in a transaction (tests run in one)
            return
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {SalesLine._meta.db_table}")
