"""`manage.py import_data KIND FILE [--dry-run]`: the scheduled ERP feed's way in.

Same checks and report as the browser; exit code 1 when the file has any error (nothing is
written then), 0 when it was imported (or, with --dry-run, would import cleanly).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.imports.services import import_file
from accounts.models import ImportKind
from kam.imports.reading import FileRejected, Source
from kam.imports.report import ImportReport


def report_lines(report: ImportReport) -> list[str]:
    """The report as text: the summary, its notes, then one line per error."""
    lines = [f"{report.file_name} ({report.kind}): {report.summary()}"]
    lines.extend(f"  Note: {note}" for note in report.notes)
    for error in report.errors:
        where = f"row {error.row}" if error.row else "file"
        if error.column:
            where += f", column {error.column}"
        value = f", value {error.value!r}" if error.value else ""
        lines.append(f"  {where}{value}: {error.message}")
    if report.hidden_errors:
        lines.append(f"  ... and {report.hidden_errors} more errors.")
    return lines


class Command(BaseCommand):
    help = (
        "Import a CSV or XLSX file of one kind (all rows or none). Exit code 1 on any error. "
        "Column layouts: /imports/layouts/ in the browser."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=ImportKind.values, help="what the file holds")
        parser.add_argument("file", help="path to a .csv or .xlsx file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and show what would change, writing nothing",
        )
        parser.add_argument(
            "--blank-clears",
            action="store_true",
            help="blank optional cells clear stored values (default: they keep them)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            source = Source.from_path(options["file"])
        except FileRejected as rejected:
            raise CommandError(rejected.message) from None
        report = import_file(
            kind=options["kind"],
            source=source,
            dry_run=options["dry_run"],
            blank_clears=options["blank_clears"],
        )
        for line in report_lines(report):
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(
                f"{report.error_count} error{'s' if report.error_count != 1 else ''}: "
                "nothing was imported.",
                returncode=1,
            )
