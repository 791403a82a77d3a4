"""Cost rates as non-overlapping segments, inlined into the cost-to-serve SQL.

Rule: an activity costs quantity x the rate of the CostRate of its type whose
[period_start, period_end] contains the activity's date. Should two periods of one type overlap
(a data error the run counts), the rate that starts latest wins on the days they share. An
activity no rate covers costs 0 and is counted as unrated.

The cost_rate table is tiny (types x periods), so it is read once per statement builder and
flattened here in Python into segments; the segments go into the SQL as a VALUES list, one
statement whatever their number.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from kam.bounds import EARLIEST, LATEST
from scoring.engine import dialect
from scoring.models import CostRate

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class RateSegment:
    activity_type_id: int
    start: dt.date
    end: dt.date  # inclusive
    rate: Decimal


def segments_from(
    rates: Iterable[tuple[int, dt.date, dt.date, Decimal]],
) -> tuple[list[RateSegment], int]:
    """Flatten (type, start, end, rate) rows into disjoint segments; also count overlaps.

    Periods are cut to kam.bounds' range first (one stored before the range existed may end on
    9999-12-31, whose next day Python has not), and dropped when nothing of them is left."""
    by_type: dict[int, list[tuple[dt.date, dt.date, Decimal]]] = defaultdict(list)
    for type_id, start, end, rate in rates:
        start, end = max(start, EARLIEST), min(end, LATEST)
        if start <= end:
            by_type[type_id].append((start, end, rate))
    segments: list[RateSegment] = []
    overlaps = 0
    for type_id in sorted(by_type):
        periods = sorted(by_type[type_id])
        overlaps += sum(1 for a, b in itertools.pairwise(periods) if b[0] <= a[1])
        bounds = sorted({p[0] for p in periods} | {p[1] + ONE_DAY for p in periods})
        for seg_start, next_start in itertools.pairwise(bounds):
            covering = [p for p in periods if p[0] <= seg_start and p[1] >= seg_start]
            if not covering:
                continue
            rate = max(covering)[2]  # the latest start wins
            last = segments[-1] if segments else None
            if (
                last is not None
                and last.activity_type_id == type_id
                and last.rate == rate
                and last.end + ONE_DAY == seg_start
            ):
                segments[-1] = RateSegment(type_id, last.start, next_start - ONE_DAY, rate)
            else:
                segments.append(RateSegment(type_id, seg_start, next_start - ONE_DAY, rate))
    return segments, overlaps


def load_segments() -> tuple[list[RateSegment], int]:
    """All cost rates as segments (one query)."""
    rows = CostRate.objects.order_by("activity_type_id", "period_start").values_list(
        "activity_type_id", "period_start", "period_end", "rate"
    )
    return segments_from(rows)


def rates_cte(segments: list[RateSegment]) -> tuple[str, dict]:
    """`rates(activity_type_id, start_d, end_d, rate) AS (...)` and its parameters."""
    columns = "rates(activity_type_id, start_d, end_d, rate)"
    if not segments:
        return (
            f"{columns} AS (SELECT CAST(NULL AS bigint), CAST(NULL AS date), "
            "CAST(NULL AS date), CAST(NULL AS numeric) WHERE 1 = 0)",
            {},
        )
    params: dict = {}
    rows = []
    for i, seg in enumerate(segments):
        params.update(
            {
                f"rt{i}": seg.activity_type_id,
                f"rs{i}": dialect.adapt_date(seg.start),
                f"re{i}": dialect.adapt_date(seg.end),
                f"rr{i}": seg.rate,
            }
        )
        rows.append(
            f"({dialect.int_param(f'rt{i}')}, {dialect.date_param(f'rs{i}')}, "
            f"{dialect.date_param(f're{i}')}, {dialect.number_param(f'rr{i}')})"
        )
    return f"{columns} AS (VALUES {', '.join(rows)})", params
