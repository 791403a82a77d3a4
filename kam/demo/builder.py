"""The demo portfolio generator behind `manage.py seed_demo` (project wiring: it runs each app's
demo steps in order, `accounts/demo/`, `plans/demo.py`, `scoring/demo.py`).

`seed_demo(options)` builds a deterministic, believable key-account portfolio: the same seed
and the same anchor month (the first day of the current month) give the same data. It writes
everything in one transaction; the big tables go through COPY on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.demo import customers, people, relationships, volumes
from accounts.demo.people import Login
from accounts.demo.reset import wipe_demo
from accounts.models import Account, AccountStatus, Activity, SalesLine
from plans import demo as plans_demo
from scoring import demo as scoring_demo

DEMO_PASSWORD = "kam-demo-2026"
SALES_LINES_PER_ACCOUNT_YEAR = 40
ACTIVITIES_PER_ACCOUNT_YEAR = 10

__all__ = ["DEMO_PASSWORD", "DemoOptions", "DemoResult", "PortfolioExists", "seed_demo"]


class PortfolioExists(Exception):
    """The database already holds accounts; seeding again needs an explicit reset."""


@dataclass(frozen=True)
class DemoOptions:
    accounts: int = 1500
    years: int = 3
    seed: int = 42
    password: str = DEMO_PASSWORD
    sales_lines: int | None = None  # target total; default from accounts x years
    activities: int | None = None  # target total; default from accounts x years
    anchor: dt.date | None = None  # default: first day of the current month
    grouped_share: float = 0.1  # the share of the customers that are members of a group
    # From this many customers on, one key account is a group of 50 members buying across 40
    # product categories (the benchmark's largest white-space map, bench_pages).
    wide_group_from: int = 10_000

    @property
    def sales_line_target(self) -> int:
        if self.sales_lines is not None:
            return self.sales_lines
        return self.accounts * self.years * SALES_LINES_PER_ACCOUNT_YEAR

    @property
    def activity_target(self) -> int:
        if self.activities is not None:
            return self.activities
        return self.accounts * self.years * ACTIVITIES_PER_ACCOUNT_YEAR

    @property
    def anchor_month(self) -> dt.date:
        return self.anchor or timezone.localdate().replace(day=1)


@dataclass
class DemoResult:
    logins: list[Login]
    seconds: float = 0.0


class _Progress:
    def __init__(self, report: Callable[[str], None]) -> None:
        self.report = report
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def __call__(self, phase: str, detail: str) -> None:
        self.report(f"[{self.elapsed:6.1f}s] {phase}: {detail}")


def portfolio_exists() -> bool:
    return Account.objects.exists()


def seed_demo(
    options: DemoOptions, *, reset: bool = False, report: Callable[[str], None] = print
) -> DemoResult:
    """Build the demo portfolio in one transaction. Refuses (PortfolioExists) when any
    account exists, unless `reset`, which first removes the old portfolio and demo users in
    the same transaction (so a failed rebuild changes nothing)."""
    progress = _Progress(report)
    with transaction.atomic():
        if reset:
            accounts, users = wipe_demo()
            progress("reset", f"removed {accounts:,} accounts and {users} demo users")
        elif portfolio_exists():
            raise PortfolioExists(
                f"The database already holds a portfolio ({Account.objects.count():,} accounts)."
            )
        result = _build(options, progress)
    volumes.analyze_tables()
    result.seconds = progress.elapsed
    progress("done", f"portfolio ready in {result.seconds:.1f}s")
    return result


def _rng(options: DemoOptions, phase: str) -> random.Random:
    # One stream per phase: a change in one phase does not reshuffle the others.
    return random.Random(f"kam-demo:{options.seed}:{phase}")


def _build(options: DemoOptions, progress: _Progress) -> DemoResult:
    window = volumes.Window.ending_before(options.anchor_month, options.years)
    base = customers.build_customers(_rng(options, "customers"), options.accounts, window.months)
    keys = [c for c in base if c.status == AccountStatus.KEY]
    kams = customers.kam_count(len(keys))
    cast = people.create_cast(
        _rng(options, "people"), kams=kams, keys=len(keys), password=options.password
    )
    service_teams = plans_demo.create_service_teams(cast)
    progress("users", f"{len(cast.logins)} demo users, {len(service_teams)} service teams")

    timelines = relationships.plan_timelines(_rng(options, "history"), base, window, kams)
    relationships.create_accounts(_rng(options, "accounts"), base, timelines, cast, window)
    groups = relationships.create_groups(_rng(options, "groups"), base, options.grouped_share)
    wide = None
    if options.accounts >= options.wide_group_from:
        wide = relationships.create_wide_group(_rng(options, "wide-group"), base)
    progress(
        "groups",
        f"{groups:,} groups of companies"
        + (f"; {wide.top.name}: a group of {len(wide.members)} members" if wide else ""),
    )
    stage_changes, designations = relationships.create_histories(
        _rng(options, "account-history"), base, timelines, cast
    )
    candidates = sum(1 for c in base if c.status == AccountStatus.CANDIDATE)
    progress(
        "accounts",
        f"{len(base):,} accounts ({len(keys)} key, {candidates} candidates), "
        f"{stage_changes} stage changes, {designations} designation changes",
    )

    sales = volumes.SalesTally()
    rows = volumes.sales_lines(
        base, window, options.sales_line_target, _rng(options, "sales"), sales
    )
    volumes.write_rows(
        SalesLine,
        list(SalesLine.FIELDS),
        rows,
    )
    if wide is not None:
        volumes.write_rows(
            SalesLine,
            list(SalesLine.FIELDS),
            volumes.wide_range_lines(wide.members, window, _rng(options, "wide-sales"), sales),
        )
    last_day = window.anchor - dt.timedelta(days=1)
    progress("sales lines", f"{sales.lines:,} lines from {window.start} to {last_day}")

    types = volumes.create_activity_types()
    recorded = volumes.ActivityTally()
    rows = volumes.activities(
        base, window, options.activity_target, types, sales, _rng(options, "activities"), recorded
    )
    volumes.write_rows(
        Activity, ["account", "activity_type", "date", "quantity", "note", "created_at"], rows
    )
    rates = scoring_demo.create_cost_rates(types, sales, recorded)
    progress(
        "activities",
        f"{recorded.records:,} activities of {len(types)} types, {len(rates)} cost rates",
    )

    rng = _rng(options, "relationships")
    teams = relationships.create_teams(rng, keys, cast)
    contacts = relationships.create_contacts(rng, keys, teams, cast, window)
    ratings = scoring_demo.create_ratings(rng, base, cast, window)
    entries = scoring_demo.create_metric_entries(rng, keys, cast, window)
    progress(
        "relationships",
        f"{sum(len(t) for t in teams.values())} team members, {contacts} contacts, "
        f"{ratings} ratings, {entries} metric entries",
    )

    rng = _rng(options, "plans")
    plans = plans_demo.create_plans(rng, keys, teams, cast, window, sales.trailing_12)
    commitments = plans_demo.create_commitments(rng, keys, plans, service_teams, cast, window)
    plans_demo.set_commitment_statuses(commitments, today=window.anchor)
    progress("plans", f"{len(plans)} plans, {len(commitments)} service commitments")
    shaped = scoring_demo.shape_health_and_fit(base, sales, cast, window)
    progress("health and investment fit", "; ".join(f"{k}: {v}" for k, v in shaped.items()))
    categories, estimates, opportunities = scoring_demo.create_white_space(
        _rng(options, "white-space"), keys, plans, cast, window
    )
    progress(
        "white space",
        f"{categories} product categories, {estimates} spend estimates, "
        f"{opportunities} opportunities",
    )
    if wide is not None:
        kam = cast.kams[wide.top.kam_index] if wide.top.kam_index is not None else None
        wide_categories, wide_estimates = scoring_demo.create_wide_group_estimates(
            _rng(options, "wide-estimates"), wide.members, kam, window
        )
        progress(
            "white space",
            f"{wide.top.name}'s group: {wide_estimates} spend estimates over "
            f"{len(wide.members)} members and {wide_categories} product categories",
        )
    # Last: every contact's last contact date is final now (the health shaping moves some), and
    # each owned contact's newest interaction is on that date.
    interactions = relationships.create_interactions(_rng(options, "interactions"))
    progress("interactions", f"{interactions} interactions with DMU contacts")
    return DemoResult(logins=cast.logins)
