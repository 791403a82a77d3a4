"""`manage.py seed_demo`: load the deterministic demo portfolio (see kam.demo.builder)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.demo.people import Login
from kam.demo.builder import DEMO_PASSWORD, DemoOptions, PortfolioExists, seed_demo

# A role with more logins than this is shown as its first few and a range.
LOGINS_SHOWN_PER_ROLE = 6


class Command(BaseCommand):
    help = (
        "Build a deterministic demo key-account portfolio (users, accounts, sales lines, "
        "activities, cost rates, plans, commitments). Refuses a database that already holds "
        "accounts unless --reset; --if-empty skips quietly instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--accounts", type=int, default=1500, help="customers (default 1500)")
        parser.add_argument(
            "--years", type=int, default=3, help="years of monthly sales history (default 3)"
        )
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help=f"password of every demo user (default {DEMO_PASSWORD})",
        )
        parser.add_argument(
            "--sales-lines",
            dest="sales_lines",
            type=int,
            default=None,
            help="target number of sales lines (default: 40 per account and year)",
        )
        parser.add_argument(
            "--activities",
            type=int,
            default=None,
            help="target number of recorded activities (default: 10 per account and year)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="first delete the existing portfolio and the demo users",
        )
        parser.add_argument(
            "--if-empty",
            dest="if_empty",
            action="store_true",
            help="do nothing (exit 0) when the database already holds a portfolio",
        )
        parser.add_argument(
            "--grouped-share",
            dest="grouped_share",
            type=float,
            default=0.1,
            help="share of the customers that are members of a group of companies: groups of "
            "a top and 4 members, two entities and two plants (default 0.1)",
        )
        parser.add_argument(
            "--wide-group-from",
            dest="wide_group_from",
            type=int,
            default=10_000,
            help="from this many accounts on, one key account is a group of 50 members buying "
            "across 40 product categories, with spend estimates per member and category (the "
            "benchmark's largest white-space map; default 10000)",
        )
        parser.add_argument(
            "--recompute",
            action="store_true",
            help="run the scoring pipeline once after seeding, so dashboards show results at once",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["accounts"] < 20:
            raise CommandError("--accounts must be at least 20.")
        if not 1 <= options["years"] <= 10:
            raise CommandError("--years must be between 1 and 10.")
        for name in ("sales_lines", "activities"):
            if options[name] is not None and options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} cannot be negative.")
        if not 0 <= options["grouped_share"] <= 0.8:
            raise CommandError("--grouped-share must be between 0 and 0.8.")
        demo = DemoOptions(
            grouped_share=options["grouped_share"],
            wide_group_from=options["wide_group_from"],
            accounts=options["accounts"],
            years=options["years"],
            seed=options["seed"],
            password=options["password"],
            sales_lines=options["sales_lines"],
            activities=options["activities"],
        )
        try:
            result = seed_demo(demo, reset=options["reset"], report=self.stdout.write)
        except PortfolioExists as exists:
            if options["if_empty"]:
                self.stdout.write("Demo portfolio not loaded: the database already holds one.")
                return
            raise CommandError(
                f"{exists} Nothing was changed. Use --reset to rebuild it, or --if-empty to "
                "skip quietly."
            ) from exists
        if options["recompute"]:
            self.stdout.write("Scoring the demo portfolio (the nightly run, once)...")
            call_command("recompute", stdout=self.stdout)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins:"))
        self.stdout.write(_login_table(result.logins))


def _login_table(logins: list[Login]) -> str:
    rows = []
    for role, group in groupby(logins, key=lambda login: login.role):
        members = list(group)
        shown = members[:LOGINS_SHOWN_PER_ROLE]
        rows += [(m.username, m.role, m.name, m.password) for m in shown]
        if len(members) > len(shown):
            rest = members[len(shown) :]
            rows.append(
                (
                    f"{rest[0].username} .. {rest[-1].username}",
                    role,
                    f"({len(rest)} more)",
                    rest[0].password,
                )
            )
    header = ("username", "role", "name", "password")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
