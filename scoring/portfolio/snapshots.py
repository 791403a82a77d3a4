"""The quarterly snapshots the dashboard's effectiveness reads, at the scope's level.

Groups (the default): a group's quarter is its GroupSnapshot (its subtree rolled up by the
run: scoring/engine/groups.py), a standalone account's is its MetricSnapshot; the members'
and the tops' own MetricSnapshot rows are not read (they are inside the roll-up).
Entities: every entity's own MetricSnapshot, a member counted as key in a quarter when its
group's snapshot of that quarter is key (the run's groups: AccountScore.group).

Each source is summed by the database and the sums of the sources are added up here, so every
mean is a sum over a count, never a mean of means."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)

from accounts.models import Account
from scoring.models import AccountScore, GroupSnapshot, MetricSnapshot, ScoringRun
from scoring.portfolio.base import Scope


def _standalone() -> Q:
    """A MetricSnapshot of a standalone account: top level, with no member."""
    has_members = Account.objects.filter(parent_id=OuterRef("account_id"))
    return Q(account__parent__isnull=True) & ~Q(Exists(has_members))


def _in_group(run: ScoringRun, **condition: Any) -> Exists:
    """The snapshot's account is a member, in `run`, of a group matching `condition`."""
    return Exists(
        AccountScore.objects.filter(
            run=run, account_id=OuterRef("account_id"), group__isnull=False, **condition
        )
    )


def _entity_scope(scope: Scope, run: ScoringRun | None) -> Q:
    """The scope on entities' snapshots: the KAM is the unit's (a member's group's), industry
    and region the entity's own."""
    condition = Scope(industry=scope.industry, region=scope.region).q("account")
    if scope.kam_id is None:
        return condition
    if run is None:
        return condition & Q(account__kam_id=scope.kam_id)
    return condition & (
        Q(account__parent__isnull=True, account__kam_id=scope.kam_id)
        | Q(_in_group(run, group__kam_id=scope.kam_id))
    )


def snapshot_sources(
    scope: Scope, quarters: list, run: ScoringRun | None, *, units: bool | None = None
) -> list[QuerySet]:
    """The querysets of snapshots of `quarters` in scope, each row with `in_key` (key that
    quarter). `units` overrides the scope's level (None: the scope's)."""
    if units is None:
        units = not scope.entities
    if units:
        is_key = ExpressionWrapper(Q(is_key=True), output_field=BooleanField())
        groups = GroupSnapshot.objects.filter(period_start__in=quarters).filter(scope.q("account"))
        standalone = (
            MetricSnapshot.objects.filter(period_start__in=quarters)
            .filter(scope.q("account"))
            .filter(_standalone())
        )
        return [groups.annotate(in_key=is_key), standalone.annotate(in_key=is_key)]
    entities = MetricSnapshot.objects.filter(period_start__in=quarters).filter(
        _entity_scope(scope, run)
    )
    key = Q(is_key=True)
    if run is not None:
        key |= Q(
            _in_group(
                run,
                group__group_snapshots__period_start=OuterRef("period_start"),
                group__group_snapshots__is_key=True,
            )
        )
    return [entities.annotate(in_key=ExpressionWrapper(key, output_field=BooleanField()))]


def summed(sources: list[QuerySet], by: list[str], **sums: Any) -> list[dict[str, Any]]:
    """`sums` (aggregates, plus `rows`: the count) per `by` over every source, added up over
    the sources. One query (a UNION ALL of each source's grouped sums)."""
    aggregates = {**sums, "rows": Count("pk")}
    grouped = [source.values(*by).annotate(**aggregates).order_by() for source in sources]
    query = grouped[0].union(*grouped[1:], all=True) if len(grouped) > 1 else grouped[0]
    totals: dict[tuple, dict[str, Any]] = {}
    for row in query:
        key = tuple(row[name] for name in by)
        total = totals.setdefault(key, {name: row[name] for name in by})
        for name in aggregates:
            value = row[name]
            if value is not None:
                total[name] = (total.get(name) or 0) + value
            else:
                total.setdefault(name, None)
    return list(totals.values())
