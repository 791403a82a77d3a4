"""Investment-fit warnings around the engine (scoring/engine/investment.py, where the rules
are): their wording, with the figures that triggered them, and their reads, shared by the
account page, the dashboard and the warnings download."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Account
from scoring.models import InvestmentRule, InvestmentWarning, ScoringRun

TITLE = "Investment that does not fit the stage and the quadrant"
LEVEL = "warning"


def _money(value) -> str:
    return f"{value:,.2f}"


def warning_detail(warning: InvestmentWarning) -> str:
    """The warning in words, with its figures."""
    rule = warning.rule
    if rule == InvestmentRule.OVER_SERVED:
        return (
            f"over-served: a Streamline or Status account with cost to serve at "
            f"{warning.value}% of revenue, above the key-account threshold of "
            f"{warning.threshold}% (serve it efficiently)."
        )
    if rule == InvestmentRule.UNDER_INVESTED:
        return (
            f"under-invested: build position. A Star with cost to serve {_money(warning.value)} "
            f"(threshold {_money(warning.threshold)}) and {warning.value_2:.0f} actions "
            f"(threshold {warning.threshold_2}), both below the key-account medians."
        )
    if rule == InvestmentRule.STAGE_TOO_HIGH:
        return (
            f"interdependent or strategic stage while in the bottom of attractiveness: "
            f"percentile {warning.value} below {warning.threshold} (score {warning.value_2}); "
            f"reassess the investment in advancing the relationship."
        )
    return (
        f"net profit after cost to serve negative in each of the last quarters "
        f"(total {_money(warning.value)}, best quarter {_money(warning.value_2)})."
    )


def run_warnings(run: ScoringRun, scope_q: Q | None = None) -> QuerySet[InvestmentWarning]:
    """The run's investment warnings (`scope_q` filters them, from `account__`), by rule."""
    return (
        InvestmentWarning.objects.filter(run=run)
        .filter(scope_q or Q())
        .select_related("account")
        .order_by("rule", "account__name", "account_id", "pk")
    )


def account_warnings(account: Account, run: ScoringRun | None) -> list[InvestmentWarning]:
    """One query; none without a run. Each carries its wording as `detail`."""
    if run is None:
        return []
    found = list(InvestmentWarning.objects.filter(run=run, account=account).order_by("rule", "pk"))
    for warning in found:
        warning.detail = warning_detail(warning)
    return found
