"""Reads for the scores list: the current run's results, one row per account the user may see,
and for downloads each criterion's normalised value and contribution beside the figures.

Who may read it: whoever may see the scores of every account in their account list
(`accounts.selectors.list_shows_scores`): directors and administrators for the whole portfolio,
a KAM for the accounts they serve; operations never see scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db.models import QuerySet

from accounts.models import Account
from accounts.selectors.accounts import list_shows_scores
from kam import rules as kam_rules
from scoring.explanations import lines_by_account, run_criterion_ids
from scoring.models import AccountScore, Criterion, ScoringRun

# The run's flags, as the list and its downloads name them.
FLAG_LABELS = {
    "is_pareto": "Pareto (80% of revenue)",
    "is_4x": "4x average",
    "is_misclassified": "Misclassified",
    "kam_overloaded": "KAM overloaded",
    "spend_below_revenue": "Category spend below our revenue",
}
# Data-quality flags: a figure the run could not trust (it is unknown until the data is
# corrected); the page shows them as warnings that say what to do.
DATA_QUALITY_ACTIONS = {"spend_below_revenue": "update it"}
# Rows read per query when a download streams the list, and explained per query.
EXPORT_BATCH = 1000


def may_read_scores(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and list_shows_scores(user)


def score_rows(*, user: Any, run: ScoringRun | None) -> QuerySet[AccountScore]:
    """The run's scores of the units of selection `user` may see (groups and standalone
    accounts: members are not scored), with each account and its KAM (one query for a page);
    none before the first run."""
    if run is None:
        return AccountScore.objects.none()
    rows = AccountScore.objects.filter(run=run, is_unit=True)
    # Those who see every account need no filter: "account in (every account)" made PostgreSQL
    # join the run's scores to all accounts to count a page (45 ms at 50,000 accounts).
    if not kam_rules.sees_every_account(user):
        rows = rows.filter(account__in=Account.objects.visible_to(user).values("pk"))
    return rows.select_related("account", "account__kam")


@dataclass(frozen=True)
class Flag:
    """A flag the run raised on a score, as the page shows it."""

    label: str
    data_quality: bool = False


def flags_of(score: AccountScore) -> list[Flag]:
    """The flags the run raised on a score; a data-quality flag says what to do."""
    flags = []
    for field, label in FLAG_LABELS.items():
        if not getattr(score, field):
            continue
        if action := DATA_QUALITY_ACTIONS.get(field):
            flags.append(Flag(f"{label}: {action}", data_quality=True))
        else:
            flags.append(Flag(label))
    return flags


def run_criteria(run: ScoringRun | None) -> list[Criterion]:
    """The criteria the run explained its scores with, in the criteria's order (two queries:
    one explanation row says which, since every unit of a run carries the same criteria)."""
    if run is None:
        return []
    used = run_criterion_ids(run)
    return list(Criterion.objects.filter(pk__in=used).order_by("position", "key", "pk"))


@dataclass(frozen=True)
class Explanation:
    """One line of a score's explanation: the criterion's normalised value and contribution."""

    normalised: Decimal
    contribution: Decimal


def with_explanations(
    rows: QuerySet[AccountScore], run: ScoringRun | None, *, batch: int = EXPORT_BATCH
) -> Iterator[AccountScore]:
    """The rows in their order, each with `explanation` ({criterion id: Explanation}): one
    query per `batch` rows for the rows and one for their explanations, however many there are."""
    iterator = rows.iterator(chunk_size=batch)
    while chunk := list(islice(iterator, batch)):
        explained = _explanations(run, (row.account_id for row in chunk))
        for row in chunk:
            row.explanation = explained.get(row.account_id, {})
            yield row


def _explanations(
    run: ScoringRun | None, account_ids: Iterable[int]
) -> dict[int, dict[int, Explanation]]:
    return {
        account_id: {
            line.criterion_id: Explanation(line.normalised, line.contribution) for line in lines
        }
        for account_id, lines in lines_by_account(run, account_ids).items()
    }
