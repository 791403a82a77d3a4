"""`python manage.py bench_diff`: server time of the two pages that diff texts, for the largest
texts a section accepts.

For each worst-case shape (every line different, many short repeated lines, one long line,
unchanged lines interleaved with changed ones, repeated lines between unique ones, empty
lines) it writes a section twice, once
with each text of the pair, then times through Django's test client (`--repeat` times, the
median kept):

- the conflict page: saving the first text against the version the second one replaced, so
  the page diffs the two (the full page, as without JavaScript);
- the compare page of the two versions;
- the compare page of two versions in which every section changed from the first text to the
  second (nine such pairs on one page).

Everything it writes (a KAM, a key account, its plan) is rolled back at the end, so it runs on
any database, empty or seeded. The last line is always `conflict_ms=<n> compare_ms=<n>
compare_all_sections_ms=<n>`: the worst median of each over the shapes.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import statistics
import time
from collections.abc import Callable

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import Account, AccountStatus, User
from kam import bounds
from kam import rules as kam_rules
from plans.models import PlanSection, PlanVersion, SectionKind
from plans.services import plans as plans_services

GOAL_MS = 500


def _fill(unit: Callable[[int], str], chars: int) -> str:
    """Lines `unit(0)`, `unit(1)`, ... joined by newlines, as many as fit in `chars`."""
    lines: list[str] = []
    size = -1
    for index in range(chars):
        line = unit(index)
        if size + 1 + len(line) > chars:
            break
        lines.append(line)
        size += 1 + len(line)
    return "\n".join(lines)


def shapes(chars: int) -> dict[str, tuple[str, str]]:
    """Pairs of texts of at most `chars` characters that are hardest to diff."""
    return {
        "every line different": (
            _fill(lambda i: f"old line {i}", chars),
            _fill(lambda i: f"new line {i}", chars),
        ),
        "many short lines": (
            _fill(lambda i: "ab"[i % 2], chars),
            _fill(lambda i: "ab"[i % 3 == 0], chars),
        ),
        "one long line": (
            _fill(lambda i: "a b " * (chars // 4), chars).strip(),
            _fill(lambda i: "b a a " * (chars // 6), chars).strip(),
        ),
        "interleaved": (
            _fill(lambda i: f"kept {i // 2}" if i % 2 else f"mine x {i}", chars),
            _fill(lambda i: f"kept {i // 2}" if i % 2 else f"theirs y {i}", chars),
        ),
        "repetitive between anchors": (
            _fill(lambda i: f"anchor {i}" if i % 101 == 0 else "ab"[i % 2], chars),
            _fill(lambda i: f"anchor {i}" if i % 101 == 0 else "ab"[i % 3 == 0], chars),
        ),
        "empty lines": ("\n" * chars, ("\n \n" * chars)[:chars]),
    }


class _Rollback(Exception):
    """Leaves the benchmark's transaction without keeping anything."""


class Command(BaseCommand):
    help = "Time the conflict page and the version comparison for maximum-size texts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--chars",
            type=int,
            default=bounds.MAX_TEXT,
            help=f"length of each text (default {bounds.MAX_TEXT}, the most a section takes)",
        )
        parser.add_argument("--repeat", type=int, default=3, help="requests per page and shape")

    def handle(self, *args, **options):
        chars, repeat = options["chars"], options["repeat"]
        if chars < 1 or repeat < 1:
            raise CommandError("--chars and --repeat must be at least 1.")
        self.stdout.write(
            f"{connection.vendor}, texts of {chars} characters, {repeat} requests per page and "
            f"shape (median kept); load average {os.getloadavg()[0]:.2f} at start"
        )
        worst = {"conflict": 0.0, "compare": 0.0, "all_sections": 0.0}
        # Each conflict page is logged as a 409 warning: not news here.
        request_log = logging.getLogger("django.request")
        level, request_log.level = request_log.level, logging.ERROR
        try:
            with transaction.atomic():
                client, plan, kam = self._setup()
                for name, (mine, theirs) in shapes(chars).items():
                    figures = self._time_shape(client, plan, kam, mine, theirs, repeat)
                    for page, ms in figures.items():
                        worst[page] = max(worst[page], ms)
                    self.stdout.write(
                        f"{name:<26} conflict={figures['conflict']:7.1f} ms  "
                        f"compare={figures['compare']:7.1f} ms  "
                        f"compare, every section={figures['all_sections']:7.1f} ms"
                    )
                raise _Rollback
        except _Rollback:
            pass
        finally:
            request_log.setLevel(level)
        verdict = "met" if max(worst["conflict"], worst["compare"]) < GOAL_MS else "NOT met"
        self.stdout.write(
            f"goal: both pages under {GOAL_MS} ms for two such texts: {verdict} (load average "
            f"{os.getloadavg()[0]:.2f} at the end; other work on the machine inflates every figure)"
        )
        self.stdout.write(
            f"conflict_ms={round(worst['conflict'])} compare_ms={round(worst['compare'])} "
            f"compare_all_sections_ms={round(worst['all_sections'])}"
        )

    def _setup(self):
        kam = User.objects.create_user(username="bench-diff-kam", password=None)
        kam.groups.add(Group.objects.get(name=kam_rules.KAM_GROUP))
        account = Account.objects.create(
            erp_code="BENCH-DIFF",
            name="Benchmark diff GmbH",
            status=AccountStatus.KEY,
            kam=kam,
        )
        plan = plans_services.plan_create(
            account=account,
            actor=kam,
            title="Benchmark plan",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 12, 31),
            review_date=dt.date(2026, 7, 1),
        )
        client = Client(HTTP_HOST="localhost")
        client.force_login(kam)
        return client, plan, kam

    def _time_shape(self, client, plan, kam, mine, theirs, repeat) -> dict[str, float]:
        kind = SectionKind.POSITION
        # Emptied first: saving the text a section already holds would write no version.
        self._save(plan, kam, [kind], "")
        older = self._save(plan, kam, [kind], mine)
        newer = self._save(plan, kam, [kind], theirs)
        stale = PlanSection.objects.get(plan=plan, kind=kind).version - 1
        save_url = reverse("plans:section_save", args=[plan.pk, kind])
        figures = {
            "conflict": _median(
                lambda: client.post(save_url, {"body": mine, "version": stale}), 409, repeat
            ),
            "compare": self._compare(client, plan, older, newer, repeat),
        }
        every = list(SectionKind)
        self._save(plan, kam, every, "")
        older = self._save(plan, kam, every, mine)
        newer = self._save(plan, kam, every, theirs)
        figures["all_sections"] = self._compare(client, plan, older, newer, repeat)
        return figures

    def _save(self, plan, kam, kinds, body) -> int:
        """Save `body` in each section of `kinds`; the number of the version written last."""
        for kind in kinds:
            section = PlanSection.objects.get(plan=plan, kind=kind)
            plans_services.plan_section_save(
                plan=plan, kind=kind, body=body, expected_version=section.version, actor=kam
            )
        return PlanVersion.objects.filter(plan=plan).order_by("-number")[0].number

    def _compare(self, client, plan, older, newer, repeat) -> float:
        url = reverse("plans:plan_compare", args=[plan.pk])
        return _median(lambda: client.get(url, {"a": older, "b": newer}), 200, repeat)


def _median(send, status, repeat) -> float:
    """The median time of `repeat` requests, in milliseconds; each must answer `status`."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = send()
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != status:
            raise CommandError(f"{response.request['PATH_INFO']} answered {response.status_code}.")
    return statistics.median(times)
