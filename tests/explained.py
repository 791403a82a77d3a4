"""The explanations a run stored, as one line per unit and criterion (what the tests check)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Account
from scoring.explanations import parse_lines
from scoring.models import Criterion, ScoreExplanation, ScoringRun


@dataclass(frozen=True)
class StoredLine:
    account: Account
    criterion: Criterion
    raw: Decimal | None
    normalised: Decimal
    weight: Decimal
    contribution: Decimal

    @property
    def account_id(self) -> int:
        return self.account.pk

    @property
    def criterion_id(self) -> int:
        return self.criterion.pk


def stored_lines(run: ScoringRun, account: Account | None = None) -> list[StoredLine]:
    """Every stored line of the run (or of one of its units), by account and criterion id."""
    rows = ScoreExplanation.objects.filter(run=run).select_related("account")
    if account is not None:
        rows = rows.filter(account=account)
    criteria = Criterion.objects.in_bulk()
    return [
        StoredLine(
            row.account, line.criterion, line.raw, line.normalised, line.weight, line.contribution
        )
        for row in rows.order_by("account_id")
        for line in parse_lines(row.lines, criteria)
    ]
