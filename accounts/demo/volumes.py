"""The big tables: monthly sales lines and recorded activities, streamed into the database.

Rows come from generators and go out in chunks, never held all at once: PostgreSQL gets them
through COPY, SQLite through bulk_create. Cost rates are derived from what was recorded
(cost pool / driver volume per activity type and calendar year), so they always agree.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
from bisect import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import connection, models
from django.utils import timezone

from accounts.demo import vocabulary as words
from accounts.demo.customers import Customer
from accounts.models import AccountStatus, ActivityType

# Order intake dips in August and at Christmas (European industrial customers).
SEASON = (1.0, 1.03, 1.08, 1.03, 1.05, 1.0, 0.96, 0.74, 1.06, 1.09, 1.05, 0.85)
LINE_NOISE = 0.5  # lognormal sigma of a line's value around the customer's typical line
LINES_PER_INVOICE = 8
CHUNK = 5_000


@dataclass(frozen=True)
class Window:
    """The months the data covers: `years` whole years ending the day before `anchor`."""

    anchor: dt.date  # first day of the current month
    month_starts: tuple[dt.date, ...]

    @classmethod
    def ending_before(cls, anchor: dt.date, years: int) -> Window:
        index = anchor.year * 12 + anchor.month - 1 - years * 12
        starts = []
        for _ in range(years * 12):
            starts.append(dt.date(index // 12, index % 12 + 1, 1))
            index += 1
        return cls(anchor=anchor, month_starts=tuple(starts))

    @property
    def months(self) -> int:
        return len(self.month_starts)

    @property
    def start(self) -> dt.date:
        return self.month_starts[0]

    def days(self, month: int) -> list[dt.date]:
        first = self.month_starts[month]
        count = calendar.monthrange(first.year, first.month)[1]
        return [first + dt.timedelta(days=day) for day in range(count)]


@dataclass
class SalesTally:
    """What the sales stream wrote, for the phases that need it (cost pools, plan baselines)."""

    lines: int = 0
    revenue_by_year: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # cents
    trailing_12: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # index: cents


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def sales_lines(
    customers: list[Customer], window: Window, target: int, rng: random.Random, tally: SalesTally
) -> Iterator[tuple]:
    """Monthly invoice lines, month by month (so invoice numbers and dates ascend).

    Lines per month grow with the square root of a customer's size, so small customers buy
    now and then and big ones many times a month; a line's value follows the customer's
    yearly growth, so the latest 12 months sum to about its `revenue`."""
    months = window.months
    active = [max(0, c.last_month - c.first_month) for c in customers]
    weights = [math.sqrt(c.revenue) * span for c, span in zip(customers, active, strict=True)]
    total_weight = sum(weights) or 1.0
    per_month = [
        target * weight / total_weight / span if span else 0.0
        for weight, span in zip(weights, active, strict=True)
    ]
    typical_line = [
        c.revenue / (12 * rate) if rate else 0.0
        for c, rate in zip(customers, per_month, strict=True)
    ]
    log_growth = [math.log1p(c.growth) for c in customers]
    categories = words.PRODUCT_CATEGORIES
    last_category = len(categories) - 1
    noise_mean = LINE_NOISE**2 / 2
    random_ = rng.random
    gauss = rng.gauss
    for month in range(months):
        start = window.month_starts[month]
        days = window.days(month)
        season = SEASON[start.month - 1]
        trend_exponent = (month - months + 6.5) / 12
        trailing = month >= months - 12
        prefix = f"SI{start:%y%m}-"
        invoice = 0
        month_cents = 0
        for i, customer in enumerate(customers):
            if not customer.first_month <= month < customer.last_month:
                continue
            expected = per_month[i] * season
            count = int(expected)
            if random_() < expected - count:
                count += 1
            if not count:
                continue
            value = typical_line[i] * math.exp(log_growth[i] * trend_exponent)
            cumweights = customer.category_cumweights
            price_level = customer.price_level
            account_id = customer.pk
            customer_cents = 0
            for line in range(count):
                position = line % LINES_PER_INVOICE
                if position == 0:
                    invoice += 1
                    document = f"{prefix}{invoice:06d}"
                    date = days[int(random_() * len(days))]
                name, cogs_share, price, in_hours = categories[
                    min(bisect(cumweights, random_()), last_category)
                ]
                revenue = value * math.exp(gauss(0.0, LINE_NOISE) - noise_mean)
                cents = max(500, int(revenue * 100 + 0.5))
                share = cogs_share + price_level + (random_() - 0.5) * 0.04
                cogs = int(cents * min(0.8, max(0.55, share)) + 0.5)
                units = cents / 100 / price
                quantity = (
                    f"{max(0.5, round(units * 2) / 2):.3f}"
                    if in_hours
                    else f"{max(1, round(units))}.000"
                )
                customer_cents += cents
                yield (
                    account_id,
                    date,
                    name,
                    quantity,
                    _money(cents),
                    _money(cogs),
                    document,
                    position + 1,
                )
            month_cents += customer_cents
            if trailing:
                tally.trailing_12[i] += customer_cents
            tally.lines += count
        tally.revenue_by_year[start.year] += month_cents


# Of a wide-range member's categories, the share it buys from us (the others are white space
# on the map), and the invoice lines per bought category over the last 12 months.
WIDE_RANGE_BOUGHT = 0.75
WIDE_RANGE_LINES = 4


def wide_range_lines(
    members: list[Customer], window: Window, rng: random.Random, tally: SalesTally
) -> Iterator[tuple]:
    """The wide group's extra sales lines (`relationships.create_wide_group`): each member buys
    about WIDE_RANGE_BOUGHT of vocabulary.WIDE_RANGE_CATEGORIES, WIDE_RANGE_LINES lines each
    in the trailing 12 months (one a quarter), a cell worth 1-4 % of the member's revenue.
    About 50 x 32 x 0.75 x 4 = 4,800 lines: nothing next to the main stream."""
    months = window.months
    quarters = list(range(max(0, months - 12), months))[1::3][:WIDE_RANGE_LINES]
    serial = 0
    for member in members:
        for name in words.WIDE_RANGE_CATEGORIES:
            if rng.random() >= WIDE_RANGE_BOUGHT:
                continue
            cell = member.revenue * rng.uniform(0.01, 0.04)
            for month in quarters:
                days = window.days(month)
                cents = max(500, int(cell / len(quarters) * rng.uniform(0.7, 1.3) * 100))
                cogs = int(cents * rng.uniform(0.6, 0.75))
                serial += 1
                tally.trailing_12[member.index] += cents
                tally.revenue_by_year[window.month_starts[month].year] += cents
                tally.lines += 1
                yield (
                    member.pk,
                    days[int(rng.random() * len(days))],
                    name,
                    f"{max(1, cents // 2000)}.000",
                    _money(cents),
                    _money(cogs),
                    f"WG{window.month_starts[month]:%y%m}-{serial:06d}",
                    1,
                )


@dataclass(frozen=True)
class ActivityKind:
    """A cost-driving activity and how the demo hands it out.

    The yearly cost pool is `pool_share` of that year's revenue. Records are shared out by
    weight: size ** `size_exponent` (below 1, small customers cost relatively more) times the
    customer's service intensity and the boosts for key accounts, candidates and demanding
    customers; who uses the activity at all is drawn from the reaches. A record's quantity is
    sized so the resulting rate lands near `unit_cost`, scaled by `per_customer` where the
    driver itself grows with the customer (credit on bigger invoices, more pallets)."""

    code: str
    name: str
    driver_unit: str
    description: str
    pool_share: float
    unit_cost: float
    step: float  # quantities are whole multiples of this
    record_share: float
    size_exponent: float
    reach: float
    size_reach: float
    key_reach: float
    key_boost: float
    candidate_boost: float
    demanding_boost: float
    per_customer: Callable[[random.Random, Customer], float] | None = None


def _credit(rng: random.Random, customer: Customer) -> float:
    # Thousand-currency-days: a month's invoices times the days beyond standard terms.
    extra_days = rng.uniform(45, 90) if customer.demanding else rng.uniform(15, 60)
    return customer.revenue / 12 / 1000 * extra_days


def _pallets(rng: random.Random, customer: Customer) -> float:
    return customer.revenue**0.55 * rng.uniform(0.7, 1.3) * (3 if customer.demanding else 1)


ACTIVITY_KINDS = (
    ActivityKind(
        code="sales-visit",
        name="Sales visits",
        driver_unit="visit",
        description="Visits by the KAM or sales rep at the customer's sites.",
        pool_share=0.032,
        unit_cost=450,
        step=1,
        record_share=0.22,
        size_exponent=0.2,
        reach=1.0,
        size_reach=0.0,
        key_reach=1.0,
        key_boost=3.0,
        candidate_boost=1.8,
        demanding_boost=1.5,
    ),
    ActivityKind(
        code="technical-support",
        name="Technical support",
        driver_unit="hour",
        description="Application and field engineering hours spent for the customer.",
        pool_share=0.03,
        unit_cost=95,
        step=0.5,
        record_share=0.14,
        size_exponent=0.5,
        reach=0.25,
        size_reach=0.5,
        key_reach=1.0,
        key_boost=2.5,
        candidate_boost=1.5,
        demanding_boost=6.0,
    ),
    ActivityKind(
        code="jit-delivery",
        name="Special and just-in-time deliveries",
        driver_unit="delivery",
        description="Deliveries outside the standard route: express, timed windows, line-side.",
        pool_share=0.028,
        unit_cost=260,
        step=1,
        record_share=0.08,
        size_exponent=0.55,
        reach=0.1,
        size_reach=0.3,
        key_reach=0.6,
        key_boost=2.0,
        candidate_boost=1.0,
        demanding_boost=6.0,
    ),
    ActivityKind(
        code="order-processing",
        name="Order processing",
        driver_unit="order",
        description="Orders entered, confirmed and invoiced by customer service.",
        pool_share=0.03,
        unit_cost=45,
        step=1,
        record_share=0.30,
        size_exponent=0.15,
        reach=1.0,
        size_reach=0.0,
        key_reach=1.0,
        key_boost=1.0,
        candidate_boost=1.0,
        demanding_boost=1.5,
    ),
    ActivityKind(
        code="custom-packaging",
        name="Customised packaging",
        driver_unit="packaging run",
        description="Orders packed to the customer's own specification and labels.",
        pool_share=0.012,
        unit_cost=380,
        step=1,
        record_share=0.04,
        size_exponent=0.55,
        reach=0.1,
        size_reach=0.1,
        key_reach=0.4,
        key_boost=1.5,
        candidate_boost=1.0,
        demanding_boost=4.0,
    ),
    ActivityKind(
        code="training",
        name="Customer training",
        driver_unit="training day",
        description="Product and installation training for the customer's staff.",
        pool_share=0.006,
        unit_cost=1400,
        step=0.5,
        record_share=0.03,
        size_exponent=0.3,
        reach=0.03,
        size_reach=0.0,
        key_reach=0.8,
        key_boost=1.0,
        candidate_boost=1.0,
        demanding_boost=1.0,
    ),
    ActivityKind(
        code="free-samples",
        name="Free trials and samples",
        driver_unit="sample shipment",
        description="Free samples and trial quantities sent for tests and qualification.",
        pool_share=0.006,
        unit_cost=160,
        step=1,
        record_share=0.04,
        size_exponent=0.3,
        reach=0.25,
        size_reach=0.0,
        key_reach=0.5,
        key_boost=1.0,
        candidate_boost=2.5,
        demanding_boost=1.0,
    ),
    ActivityKind(
        code="credit-days",
        name="Extended credit terms",
        driver_unit="1,000-currency-day",
        description="Financing cost of payment terms beyond the standard 30 days.",
        pool_share=0.01,
        unit_cost=0.19,
        step=0.001,
        record_share=0.08,
        size_exponent=0.0,
        reach=0.2,
        size_reach=0.2,
        key_reach=0.5,
        key_boost=1.0,
        candidate_boost=1.0,
        demanding_boost=1.0,
        per_customer=_credit,
    ),
    ActivityKind(
        code="dedicated-warehousing",
        name="Dedicated warehousing",
        driver_unit="pallet-month",
        description="Stock held for one customer only, by pallet and month.",
        pool_share=0.024,
        unit_cost=14,
        step=1,
        record_share=0.07,
        size_exponent=0.0,
        reach=0.0,
        size_reach=0.05,
        key_reach=0.35,
        key_boost=1.0,
        candidate_boost=1.0,
        demanding_boost=1.0,
        per_customer=_pallets,
    ),
)


def create_activity_types() -> dict[str, ActivityType]:
    codes = [kind.code for kind in ACTIVITY_KINDS]
    existing = {t.code: t for t in ActivityType.objects.filter(code__in=codes)}
    missing = [
        ActivityType(
            code=kind.code,
            name=kind.name,
            driver_unit=kind.driver_unit,
            description=kind.description,
        )
        for kind in ACTIVITY_KINDS
        if kind.code not in existing
    ]
    ActivityType.objects.bulk_create(missing)
    return existing | {t.code: t for t in missing}


@dataclass
class ActivityTally:
    records: int = 0
    volume: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))  # milli


def _uses(rng: random.Random, kind: ActivityKind, customer: Customer, size_pct: float) -> bool:
    if customer.demanding and kind.demanding_boost > 1:
        return True
    if customer.status == AccountStatus.KEY:
        reach = kind.key_reach
    else:
        reach = kind.reach + kind.size_reach * size_pct
        if customer.status == AccountStatus.CANDIDATE:
            reach = max(reach, kind.key_reach / 2)
    return rng.random() < reach


def _weight(kind: ActivityKind, customer: Customer) -> float:
    weight = customer.revenue**kind.size_exponent * customer.service_intensity
    weight *= max(0, customer.last_month - customer.first_month)
    if customer.status == AccountStatus.KEY:
        weight *= kind.key_boost
    elif customer.status == AccountStatus.CANDIDATE:
        weight *= kind.candidate_boost
    if customer.demanding:
        weight *= kind.demanding_boost
    return weight


def activities(
    customers: list[Customer],
    window: Window,
    target: int,
    types: dict[str, ActivityType],
    sales: SalesTally,
    rng: random.Random,
    tally: ActivityTally,
) -> Iterator[tuple]:
    """Recorded activities, customer by customer: who uses which activity is drawn once;
    how many records follows the weights; quantities put the rates near the unit costs."""
    ranked = sorted(customers, key=lambda c: c.revenue)
    size_pct = {c.index: (rank + 1) / len(ranked) for rank, c in enumerate(ranked)}
    revenue = sum(sales.revenue_by_year.values()) / 100
    plans = []
    for kind in ACTIVITY_KINDS:
        weights = [
            _weight(kind, c) if _uses(rng, kind, c, size_pct[c.index]) else 0.0 for c in customers
        ]
        factors = [kind.per_customer(rng, c) if kind.per_customer else 1.0 for c in customers]
        total = sum(weights) or 1.0
        expected = [target * kind.record_share * w / total for w in weights]
        driver_volume = sum(e * f for e, f in zip(expected, factors, strict=True)) or 1.0
        per_record = revenue * kind.pool_share / kind.unit_cost / driver_volume
        plans.append((kind, expected, factors, per_record))
    created_at = timezone.now()
    random_ = rng.random
    for i, customer in enumerate(customers):
        span = customer.last_month - customer.first_month
        for kind, expected, factors, per_record in plans:
            count = int(expected[i])
            if random_() < expected[i] - count:
                count += 1
            if not count:
                continue
            type_id = types[kind.code].pk
            quantity = per_record * factors[i]
            step_milli = round(kind.step * 1000)
            for _ in range(count):
                month = customer.first_month + int(random_() * span)
                start = window.month_starts[month]
                days = calendar.monthrange(start.year, start.month)[1]
                date = start + dt.timedelta(days=int(random_() * days))
                steps = round(quantity * (0.5 + random_()) * 1000 / step_milli)
                milli = max(1, steps) * step_milli
                tally.volume[kind.code, start.year] += milli
                tally.records += 1
                text = f"{milli // 1000}.{milli % 1000:03d}"
                yield (customer.pk, type_id, date, text, "", created_at)


def write_rows(model: type[models.Model], fields: list[str], rows: Iterable[tuple]) -> int:
    """Stream rows into a table: COPY on PostgreSQL, bulk_create in chunks elsewhere."""
    if connection.vendor == "postgresql":
        return _copy_rows(model, fields, rows)
    attnames = [model._meta.get_field(name).attname for name in fields]
    written = 0
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        model.objects.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in chunk],
            batch_size=CHUNK,
        )
        written += len(chunk)
    return written


def _copy_rows(model: type[models.Model], fields: list[str], rows: Iterable[tuple]) -> int:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    written = 0
    iterator = iter(rows)
    with (
        _secondary_structures_dropped(model),
        connection.cursor() as cursor,
        cursor.copy(sql) as copy,
    ):
        # Our values never contain tabs, newlines or backslashes: plain text is safe.
        while chunk := list(islice(iterator, CHUNK)):
            copy.write("".join("\t".join(map(str, row)) + "\n" for row in chunk))
            written += len(chunk)
    return written


def run_pending_checks(cursor: Any) -> None:
    """ALTER TABLE and TRUNCATE refuse to run while deferred foreign-key checks are pending
    in the transaction (PostgreSQL): run them now, then go back to deferring."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def _secondary_structures_dropped(model: type[models.Model]) -> Iterator[None]:
    """The bulk-load recipe: drop a table's foreign keys and plain indexes, load, rebuild
    them. Checking millions of foreign keys row by row at commit and growing indexes one row
    at a time is several times slower than one validating join and one sorted build each.
    Everything runs in the caller's transaction, so a failure restores the table as it was;
    the definitions are read from the catalogue, so they come back exactly as migrated."""
    table = model._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) ORDER BY 1",
            [table],
        )
        indexes = cursor.fetchall()
        run_pending_checks(cursor)
        for name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


def analyze_tables() -> None:
    """Fresh planner statistics for every table the seed filled (PostgreSQL only): millions of
    COPY'd lines, and tens of thousands of accounts, contacts and plans, which the planner
    would otherwise estimate from an empty table until autovacuum's next pass (never, where
    autovacuum is off). Outside a transaction a VACUUM too, which marks the new rows visible
    to every transaction: until then no index-only scan pays off, and the pages' counts (the
    dashboard's census of 250,000 accounts: 68 ms by a scan of the table, 22 ms from its index
    after the VACUUM) read the table instead. 12 s at 250,000 accounts."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
