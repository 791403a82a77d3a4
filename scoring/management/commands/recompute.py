"""`python manage.py recompute`: the nightly scoring run, synchronously, with a progress bar.

For installs without Celery workers (cron) and for debugging: the same services and SQL the
Celery tasks run, one stage after the other in this process.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from scoring import services
from scoring.models import RunTrigger


class Command(BaseCommand):
    help = "Recompute cost to serve, profitability, scores, matrix, flags and snapshots now."

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            help="Date the trailing 12 months end before (YYYY-MM-DD; default today)",
        )
        parser.add_argument(
            "--full-history",
            action="store_true",
            help="Recompute the snapshots of every quarter with data, not only recent ones",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")

    def handle(self, *args, as_of=None, full_history=False, no_progress=False, **options):
        try:
            run = services.run_request(trigger=RunTrigger.COMMAND, as_of=as_of)
        except services.RunInProgress as exc:
            raise CommandError(str(exc)) from exc
        bar = tqdm(
            total=100,
            desc=f"Run {run.pk}",
            unit="%",
            disable=no_progress or options["verbosity"] == 0,
            # the raw stream: OutputWrapper.write would end every redraw with a newline
            file=self.stderr._out,
        )

        def on_progress(stage: str, done: int, total: int) -> None:
            bar.set_postfix_str(stage)
            bar.update(round(100 * done / total) - bar.n)

        try:
            run = services.run_recompute(
                run=run, full_history=full_history, on_progress=on_progress
            )
        finally:
            bar.close()
        durations = ", ".join(f"{k} {v:.3f}s" for k, v in run.stage_durations.items())
        self.stdout.write(
            f"Run {run.pk} {run.status}: {run.accounts_count} accounts as of {run.as_of} "
            f"({durations})"
        )
