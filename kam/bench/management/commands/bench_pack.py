"""`python manage.py bench_pack`: how long the review pack of the largest demo key account takes.

Runs against the database in DATABASE_URL (the demo of `seed_demo`; nothing is written). The
largest key account is the one whose current plan has the most actions, objectives, solutions
and commitments, and the account the most contacts. The pack is made `--repeat` times per
format and audience (after one warm-up), as the page makes it (reading included); prints p50
and the worst time of each and its queries. The last line is always
`worst_ms=<n> goal_ms=3000 ok=<yes|no>`.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account
from accounts.runs import current_run
from kam.bench import percentile
from plans.models import Plan
from plans.selectors.plans import current_plan
from scoring.pack.content import Audience
from scoring.pack.exports import FORMATS, pack_file

GOAL_MS = 3000


def largest_key_plan(today) -> tuple[Plan, int]:
    """The current plan of the key account with the most to show, and that amount."""
    accounts = Account.objects.key().annotate(contact_count=Count("contacts", distinct=True))
    sizes = {account.pk: (account, account.contact_count) for account in accounts}
    plans = Plan.objects.filter(account_id__in=sizes).annotate(
        items=Count("actions", distinct=True)
        + Count("objectives", distinct=True)
        + Count("solutions", distinct=True)
        + Count("commitments", distinct=True)
    )
    by_account: dict[int, list[Plan]] = {}
    for plan in plans:
        by_account.setdefault(plan.account_id, []).append(plan)
    best, best_size = None, -1
    for account_id, candidates in by_account.items():
        plan = current_plan(candidates, today)
        if plan is None:
            continue
        size = plan.items + sizes[account_id][1]
        if size > best_size or (size == best_size and best and plan.pk < best.pk):
            best, best_size = plan, size
    if best is None:
        raise CommandError("No key account with a plan: run seed_demo first.")
    best = Plan.objects.select_related("account", "account__kam").get(pk=best.pk)
    return best, best_size


class Command(BaseCommand):
    help = "Time the review pack (PDF and PPTX, both audiences) of the largest demo key account."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5, help="per format (default 5)")

    def handle(self, *args, **options):
        today = timezone.localdate()
        plan, size = largest_key_plan(today)
        run = current_run()
        self.stdout.write(
            f"{connection.vendor}: {plan.account.name}, plan {plan.pk} "
            f"({size} actions, objectives, solutions, commitments and contacts), "
            + (f"scoring run {run.pk}" if run else "no scoring run")
        )
        worst = 0.0
        for audience in (Audience.INTERNAL, Audience.CUSTOMER):
            for fmt in FORMATS:
                pack_file(plan=plan, audience=audience, fmt=fmt, run=run, today=today)
                times, size_bytes, queries = [], 0, 0
                for _ in range(max(1, options["repeat"])):
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        made = pack_file(
                            plan=plan, audience=audience, fmt=fmt, run=run, today=today
                        )
                        times.append((time.perf_counter() - started) * 1000)
                    size_bytes, queries = len(made.data), len(captured)
                worst = max(worst, max(times))
                self.stdout.write(
                    f"{audience:9} {fmt:5} p50={percentile(times, 50):7.0f} ms  "
                    f"max={max(times):7.0f} ms  queries={queries:3}  {size_bytes // 1024} KiB"
                )
        ok = "yes" if worst < GOAL_MS else "no"
        self.stdout.write(f"worst_ms={worst:.0f} goal_ms={GOAL_MS} ok={ok}")
