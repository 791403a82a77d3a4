"""A generated portfolio full of edge cases, for comparing databases and worker set-ups.

Deterministic (seeded): amounts in cents, quantities with three decimals and rates with four
(so cost to serve lands on half cents), tied revenues and ratings, accounts without sales,
without category spend or with an unrated activity. Results are dumped keyed by ERP code and
criterion key, so two databases (or two runs) compare whatever their ids.

`python -m tests.scoring.scenario` builds it in the configured database (migrating first),
runs the recompute and prints the dump as JSON: the SQLite side of the backend comparison.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

AS_OF = dt.date(2026, 7, 15)


def build(seed: int = 7, accounts: int = 60) -> None:
    from accounts.models import Account, Activity, ActivityType, Contact, SalesLine, Stage, User
    from scoring.models import CostRate, Criterion, MetricEntry, MetricKind, Rating

    rng = random.Random(seed)
    kams = [User.objects.create(username=f"scenario-kam-{i}") for i in range(3)]
    stages = [choice.value for choice in Stage]
    created = Account.objects.bulk_create(
        Account(
            erp_code=f"S{i:04d}",
            name=f"Scenario {i}",
            status="key" if i % 4 == 0 else ("candidate" if i % 7 == 0 else "standard"),
            kam=kams[i % 3] if i % 4 == 0 else None,
            stage=stages[i % len(stages)],
            category_spend=None if i % 9 == 0 else Decimal(rng.randrange(0, 400000)) / 4,
            turnover=None if i % 11 == 0 else Decimal(rng.randrange(10**6, 10**8)),
            market_growth_pct=Decimal(rng.randrange(-500, 900)) / 100,
        )
        for i in range(accounts)
    )
    types = [
        ActivityType.objects.create(code=f"type-{i}", name=f"Type {i}", driver_unit="unit")
        for i in range(4)
    ]
    for index, activity_type in enumerate(types[:3]):
        for year in (2024, 2025, 2026):
            CostRate.objects.create(
                activity_type=activity_type,
                period_start=dt.date(year, 1, 1),
                period_end=dt.date(year, 12, 31),
                cost_pool=Decimal(1000),
                driver_volume=Decimal(1),
                # a half cent in the rate: odd whole quantities land on half cents
                rate=Decimal(rng.randrange(100, 99999)) / 100 + Decimal("0.005") * (index % 2),
            )
    day0 = dt.date(2024, 1, 1)
    lines, activities, contacts, entries = [], [], [], []
    for i, account in enumerate(created):
        if i % 10 == 5:
            continue  # no business at all
        same = i % 13 == 1  # several accounts with identical sales: tied percentiles
        for n in range(rng.randrange(3, 25)):
            day = day0 + dt.timedelta(days=rng.randrange(0, 940))
            revenue = Decimal(1234567 if same else rng.randrange(1000, 5_000_000)) / 100
            lines.append(
                SalesLine(
                    account=account,
                    date=dt.date(2025, 3, 1) if same else day,
                    quantity=Decimal(1),
                    revenue=revenue,
                    cost_of_goods=(revenue * Decimal("0.6")).quantize(Decimal("0.01")),
                    erp_document=f"S{i}-{n}",
                    erp_line=1,
                )
            )
        for _ in range(rng.randrange(0, 8)):
            activities.append(
                Activity(
                    account=account,
                    activity_type=types[rng.randrange(0, 4)],
                    date=day0 + dt.timedelta(days=rng.randrange(0, 940)),
                    quantity=(
                        Decimal(rng.randrange(1, 9))
                        if rng.random() < 0.5
                        else Decimal(rng.randrange(1, 20000)) / 1000
                    ),
                )
            )
        for n in range(rng.randrange(0, 4)):
            contacts.append(
                Contact(
                    account=account,
                    name=f"Contact {i}-{n}",
                    buying_role="influencer",
                    influence=rng.randrange(1, 6),
                    relationship_owner=kams[0] if rng.random() < 0.7 else None,
                    last_contact_on=AS_OF - dt.timedelta(days=rng.randrange(0, 200)),
                )
            )
        if i % 3 == 0:
            entries.append(
                MetricEntry(
                    account=account,
                    period_start=dt.date(2026, 1 + 3 * rng.randrange(0, 3), 1),
                    metric=MetricKind.SATISFACTION,
                    value=Decimal(rng.randrange(0, 10001)) / 100,
                )
            )
    SalesLine.objects.bulk_create(lines)
    Activity.objects.bulk_create(activities)
    Contact.objects.bulk_create(contacts)
    MetricEntry.objects.bulk_create(entries)
    rated = list(Criterion.objects.filter(kind="rated"))
    Rating.objects.bulk_create(
        Rating(
            account=account,
            criterion=criterion,
            value=rng.randrange(1, 6),
            rated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n),
        )
        for n, (account, criterion) in enumerate(
            (a, c) for a in created for c in rated if rng.random() < 0.5
        )
    )
    # seven equal weights of 1.5 and six of 0.5: contributions that do not divide evenly
    for position, criterion in enumerate(Criterion.objects.order_by("pk")):
        criterion.weight = Decimal("1.5") if position % 2 else Decimal("0.5")
        criterion.save()


def dump(run) -> dict:
    """Everything the run computed, as strings keyed by ERP code (and criterion key)."""
    from scoring.models import AccountScore, MetricSnapshot
    from tests.explained import stored_lines

    def text(value):
        return None if value is None else str(value)

    scores = {
        s.account.erp_code: {
            field: text(getattr(s, field))
            for field in [
                "revenue",
                "revenue_prev",
                "cost_of_goods",
                "cost_to_serve",
                "gross_margin",
                "net_profit",
                "revenue_growth_pct",
                "share_of_wallet_pct",
                "headroom",
                "attractiveness",
                "relative_strength",
                "quadrant",
                "rank",
                "dmu_coverage_pct",
                "satisfaction",
                "is_pareto",
                "is_4x",
                "is_misclassified",
                "kam_overloaded",
                "spend_below_revenue",
                "health",
                "health_band",
            ]
        }
        for s in AccountScore.objects.filter(run=run).select_related("account")
    }
    lines = {
        f"{c.account.erp_code}/{c.criterion.key}": [
            text(c.raw),
            text(c.normalised),
            text(c.weight),
            text(c.contribution),
        ]
        for c in stored_lines(run)
    }
    snapshots = {
        f"{s.account.erp_code}/{s.period_start}": [
            text(getattr(s, f.attname))
            for f in MetricSnapshot._meta.fields
            if f.name not in {"id", "run", "account", "period_start"}
        ]
        for s in MetricSnapshot.objects.select_related("account")
    }
    return {"scores": scores, "lines": lines, "snapshots": snapshots}


def build_and_run() -> dict:
    from scoring import services

    build()
    run = services.run_recompute(run=services.run_request(trigger="command", as_of=AS_OF))
    return dump(run)


if __name__ == "__main__":
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(json.dumps(build_and_run()))
