"""`python manage.py bench_pages --accounts 50000`: server time and queries of the main pages.

Runs against the database in DATABASE_URL (the benchmark dataset of `seed_demo`; nothing is
written except the benchmark user's session). Logs in the demo director with force_login,
requests each main page once to warm up and then `--requests` times through Django's test
client, timing the call and counting its queries. Prints, per page, p50 and p95 server time and
the query count; a page whose URL does not resolve (yet) is skipped and said so. Before the
first request it freezes the objects loaded at startup, as a web process does (kam.runtime).
The last line is always `worst_p95_ms=<n> worst_queries=<n>`.

Two white-space maps: that of the key account with the most product categories estimated on
itself ("w-space map (<n> cat.)"), and that of the key-account group with the most members in
the current run, its own line "w-space group map (<members> members x <n> cat.)": in the
benchmark dataset (`seed_demo --accounts 50000`, a group of 50 members buying across 40
categories, kam/demo/builder.py `wide_group_from`) the issue's 50 x 40 map.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from accounts.models import Account, AccountStatus
from kam.bench import add_dataset_arguments, dataset_user, machine_speed_ms, percentile
from kam.runtime import freeze_startup_heap
from scoring.models import AccountScore, Criterion, SpendEstimate
from scoring.selectors import current_run
from scoring.whitespace import white_space_map

GOAL_P95_MS = 150


@dataclass(frozen=True)
class Page:
    name: str
    url: str | None  # None: not available, see `skipped`
    send: Callable[[Client, str], HttpResponse] | None = None
    skipped: str = ""


def _url(name: str, *args: object) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _with_query(url: str | None, query: str) -> str | None:
    return f"{url}?{query}" if url else None


def _host() -> str:
    """A host the settings accept, for the test client's requests."""
    for host in settings.ALLOWED_HOSTS:
        if host and host != "*" and not host.startswith("."):
            return host
    return "localhost"


class Command(BaseCommand):
    help = "Time the main pages (p50/p95 server time, queries) as a logged-in director."

    def add_arguments(self, parser):
        add_dataset_arguments(parser)
        parser.add_argument("--requests", type=int, default=50, help="per page (default 50)")

    def handle(self, *args, **options):
        accounts, user = dataset_user(options)
        if not user.has_perm("scoring.view_portfolio"):
            raise CommandError(f"{user.username} is not a director or administrator.")
        run = current_run()
        # As a web process does once it has loaded the application (kam/wsgi.py).
        frozen = freeze_startup_heap()
        self.stdout.write(
            f"{connection.vendor}, {accounts} accounts, "
            + (f"scoring run {run.pk} of {run.as_of}" if run else "no scoring run yet")
            + f", {options['requests']} requests per page as {user.username}"
            + f"; load average {os.getloadavg()[0]:.2f} at start"
            + f"; machine speed {machine_speed_ms():.0f} ms (kam.bench.machine_speed_ms)"
            + f"; {frozen} startup objects frozen, as kam/wsgi.py does (kam.runtime)"
        )
        client = Client(HTTP_HOST=_host())
        client.force_login(user)
        worst_p95 = 0.0
        worst_queries = 0
        for page in self.pages(run):
            if page.url is None or page.send is None:
                self.stdout.write(f"{page.name:<24} skipped: {page.skipped}")
                continue
            warm = page.send(client, page.url)
            if warm.status_code != 200:
                status = warm.status_code
                self.stdout.write(f"{page.name:<24} skipped: {page.url} answered {status}")
                continue
            times, queries = [], []
            for _ in range(options["requests"]):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    page.send(client, page.url)
                    times.append((time.perf_counter() - started) * 1000)
                queries.append(len(captured))
            p50, p95 = percentile(times, 50), percentile(times, 95)
            worst_p95 = max(worst_p95, p95)
            worst_queries = max(worst_queries, max(queries))
            self.stdout.write(
                f"{page.name:<24} p50={p50:7.1f} ms  p95={p95:7.1f} ms  queries={max(queries):>3}"
                f"  {page.url}"
            )
        verdict = "met" if worst_p95 < GOAL_P95_MS else "NOT met"
        self.stdout.write(
            f"goal: every page p95 under {GOAL_P95_MS} ms: {verdict} "
            f"(load average {os.getloadavg()[0]:.2f}, machine speed {machine_speed_ms():.0f} ms "
            "at the end; other work on the machine, or a slower moment of a shared one, "
            "inflates every figure)"
        )
        self.stdout.write(f"worst_p95_ms={round(worst_p95)} worst_queries={worst_queries}")

    def pages(self, run) -> list[Page]:
        """The pages a director uses most, in the order of the issue."""

        def get(client: Client, url: str) -> HttpResponse:
            return client.get(url)

        account_id = self._busiest_account(run)
        account_url = _url("accounts:detail", account_id) if account_id else None
        preview_data = self._preview_data()

        def post_preview(client: Client, url: str) -> HttpResponse:
            return client.post(url, preview_data, HTTP_HX_REQUEST="true")

        pages = [
            Page("dashboard", _url("portfolio:dashboard"), get, "no portfolio dashboard URL"),
            Page("account list", _url("accounts:list"), get, "no account list URL"),
            Page(
                "account page",
                account_url,
                get,
                "no account page URL" if account_id else "no account in the database",
            ),
            Page("workbench", _url("portfolio:workbench"), get, "no workbench URL"),
            Page(
                "workbench preview",
                _url("portfolio:preview") if run else None,
                post_preview,
                "no scoring run yet: the preview needs one",
            ),
            Page("ops board", _url("plans:board"), get, "no ops board URL (plans:board) yet"),
            Page("scores list", _url("portfolio:scores"), get, "no scores list URL"),
            Page("actions list", _url("plans:actions"), get, "no actions list URL"),
            Page("plans list", _url("plans:list"), get, "no plans list URL"),
            Page(
                "approval queue",
                _with_query(_url("plans:list"), "waiting=on"),
                get,
                "no plans list URL",
            ),
            self._map_page(get),
            self._group_map_page(get, run),
            Page(
                "portfolio w-space",
                _url("portfolio:white_space"),
                get,
                "no portfolio white-space URL",
            ),
        ]
        return pages

    @staticmethod
    def _map_page(get: Callable[[Client, str], HttpResponse]) -> Page:
        """The white-space map of the key account with the most categories estimated."""
        largest = (
            SpendEstimate.objects.filter(account__status=AccountStatus.KEY)
            .values("account_id")
            .annotate(categories=Count("category", distinct=True))
            .order_by("-categories", "account_id")
            .first()
        )
        if largest is None:
            return Page("white-space map", None, skipped="no key account has a spend estimate")
        name = f"w-space map ({largest['categories']} cat.)"
        return Page(name, _url("accounts:white_space", largest["account_id"]), get)

    @staticmethod
    def _group_map_page(get: Callable[[Client, str], HttpResponse], run) -> Page:
        """The white-space map of the key-account group with the most members (the run's
        roll-up row says how many); its size is read from the map itself."""
        name = "w-space group map"
        if run is None:
            return Page(name, None, skipped="no scoring run yet: the groups are the run's")
        largest = (
            AccountScore.objects.filter(
                run=run, account__status=AccountStatus.KEY, is_unit=True, members__gt=0
            )
            .order_by("-members", "account_id")
            .values_list("account_id", flat=True)
            .first()
        )
        if largest is None:
            return Page(name, None, skipped="no key account is a group of companies")
        space = white_space_map(Account.objects.get(pk=largest), run)
        members = len(space.rows) - 1
        name = f"{name} ({members} members x {len(space.categories)} cat.)"
        return Page(name, _url("accounts:white_space", largest), get)

    @staticmethod
    def _busiest_account(run) -> int | None:
        """The best-ranked key account (the richest page), else any account."""
        if run is not None:
            top = (
                AccountScore.objects.filter(run=run, account__status=AccountStatus.KEY)
                .order_by("rank")
                .values_list("account_id", flat=True)
                .first()
            )
            if top:
                return top
        return Account.objects.order_by("pk").values_list("pk", flat=True).first()

    @staticmethod
    def _preview_data() -> dict[str, str]:
        """The current weights with the first criterion's raised by 10: a typical edit."""
        criteria = list(Criterion.objects.filter(active=True).order_by("position", "key"))
        data = {f"weight_{c.pk}": str(c.weight) for c in criteria}
        if criteria:
            data[f"weight_{criteria[0].pk}"] = str(criteria[0].weight + 10)
        return data
