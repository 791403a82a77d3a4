"""A score's explanation as lines: what each criterion brought to a unit's score in a run.

The run stores one ScoreExplanation row per unit, every criterion of the run in its `lines`
(criterion id order, `[criterion id, raw, normalised, weight, contribution]`); this module
reads them as ExplanationLine objects, with the stored places, for the account page, the API,
the exports, the what-if and the top-N check. Every unit of a run carries the same criteria in
the same order, so one row says which criteria the run used and where each one's line is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections, router

from scoring.models import Criterion, ScoreExplanation, ScoringRun

EXPLANATION = ScoreExplanation._meta.db_table
# The places each number of a line is stored with (those of the old per-criterion columns).
RAW_PLACES = Decimal("0.0001")
NORMALISED_PLACES = Decimal("0.0001")
WEIGHT_PLACES = Decimal("0.01")
CONTRIBUTION_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class ExplanationLine:
    """One criterion's part of a unit's score; `criterion` is set by the readers that show it."""

    criterion_id: int
    raw: Decimal | None
    normalised: Decimal
    weight: Decimal
    contribution: Decimal
    criterion: Criterion | None = None


def _number(value: object, places: Decimal) -> Decimal:
    # JSON integers arrive as int and SQLite's as floats written back as decimals; every
    # line shows the places it was computed to.
    return Decimal(str(value)).quantize(places)


def parse_lines(
    lines: Sequence[Sequence[object]], criteria: dict[int, Criterion] | None = None
) -> list[ExplanationLine]:
    """The stored `lines` as objects, in the stored (criterion id) order."""
    parsed = []
    for criterion_id, raw, normalised, weight, contribution in lines:
        parsed.append(
            ExplanationLine(
                criterion_id=int(criterion_id),
                raw=None if raw is None else _number(raw, RAW_PLACES),
                normalised=_number(normalised, NORMALISED_PLACES),
                weight=_number(weight, WEIGHT_PLACES),
                contribution=_number(contribution, CONTRIBUTION_PLACES),
                criterion=None if criteria is None else criteria.get(int(criterion_id)),
            )
        )
    return parsed


def _in_criteria_order(lines: list[ExplanationLine]) -> list[ExplanationLine]:
    return sorted(
        lines,
        key=lambda line: (
            (line.criterion.position, line.criterion.key, line.criterion_id)
            if line.criterion is not None
            else (1 << 31, "", line.criterion_id)
        ),
    )


def account_lines(run_id: int | None, account_id: int) -> list[ExplanationLine]:
    """The unit's lines in the run, each with its criterion, in the criteria's order (position,
    key): two queries, none without a run; [] without an explanation."""
    if run_id is None:
        return []
    stored = (
        ScoreExplanation.objects.filter(run_id=run_id, account_id=account_id)
        .values_list("lines", flat=True)
        .first()
    )
    if not stored:
        return []
    criteria = Criterion.objects.in_bulk([line[0] for line in stored])
    return _in_criteria_order(parse_lines(stored, criteria))


def lines_by_account(
    run: ScoringRun | None, account_ids: Iterable[int]
) -> dict[int, list[ExplanationLine]]:
    """{account id: its lines in criterion id order} for the listed accounts (one query)."""
    if run is None:
        return {}
    rows = ScoreExplanation.objects.filter(run=run, account_id__in=list(account_ids)).values_list(
        "account_id", "lines"
    )
    return {account_id: parse_lines(lines) for account_id, lines in rows}


def run_criterion_ids(run: ScoringRun | None) -> list[int]:
    """The criteria the run explained its scores with, in criterion id order (one query, one
    row read through the (run, account) index)."""
    if run is None:
        return []
    stored = (
        ScoreExplanation.objects.filter(run=run)
        .order_by("account_id")
        .values_list("lines", flat=True)[:1]
    )
    return [int(line[0]) for lines in stored for line in lines]


def positive_values(run: ScoringRun, criterion_id: int) -> list[tuple[int, Decimal]]:
    """[(account id, normalised)] of every unit the criterion gave more than 0 in the run (one
    query, plus the one that finds the criterion's place in the lines); [] when the run did not
    use it. Each line is read at its place, checked to be the criterion's."""
    try:
        place = run_criterion_ids(run).index(criterion_id)
    except ValueError:
        return []
    # Raw SQL, so on the connection the router reads the explanations from (a replica's).
    connection = connections[router.db_for_read(ScoreExplanation)]
    if connection.vendor == "postgresql":
        line = f"lines -> {place}"
        sql = f"""
SELECT account_id, CAST({line} ->> 2 AS numeric) AS normalised FROM {EXPLANATION}
WHERE run_id = %s AND CAST({line} ->> 0 AS bigint) = %s AND CAST({line} ->> 2 AS numeric) > 0
"""
    else:
        sql = f"""
SELECT account_id, json_extract(lines, '$[{place}][2]') AS normalised FROM {EXPLANATION}
WHERE run_id = %s AND json_extract(lines, '$[{place}][0]') = %s
  AND json_extract(lines, '$[{place}][2]') > 0
"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [run.pk, criterion_id])
        return [
            (account_id, _number(normalised, NORMALISED_PLACES))
            for account_id, normalised in cursor.fetchall()
        ]
