"""The stored explanation: one row per unit and run, read back as lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from scoring import explanations, services
from scoring.models import AccountScore, Criterion, RunTrigger, ScoreExplanation
from tests.migrating import migrating
from tests.scoring.conftest import AS_OF


def recompute():
    return services.run_recompute(run=services.run_request(trigger=RunTrigger.COMMAND, as_of=AS_OF))


def test_a_run_stores_one_row_per_unit_with_every_criterion_in_id_order(portfolio):
    run = recompute()
    criteria = sorted(
        Criterion.objects.filter(key__in=list(run.weights)).values_list("pk", flat=True)
    )
    scores = {s.account_id: s.attractiveness for s in AccountScore.objects.filter(run=run)}
    rows = list(ScoreExplanation.objects.filter(run=run))

    assert sorted(row.account_id for row in rows) == sorted(scores)
    assert explanations.run_criterion_ids(run) == criteria
    for row in rows:
        lines = explanations.parse_lines(row.lines)
        assert [line.criterion_id for line in lines] == criteria
        total = sum((line.contribution for line in lines), Decimal("0.00"))
        assert total == row.attractiveness == scores[row.account_id]
        assert all(line.contribution.as_tuple().exponent == -2 for line in lines)
        assert all(line.normalised.as_tuple().exponent == -4 for line in lines)


def test_an_accounts_lines_come_in_the_criteria_order_with_their_criterion(portfolio):
    run = recompute()
    account = portfolio.accounts["A"]
    lines = explanations.account_lines(run.pk, account.pk)

    criteria = list(Criterion.objects.filter(key__in=list(run.weights)).order_by("position", "key"))
    assert [line.criterion for line in lines] == criteria
    assert explanations.account_lines(run.pk, account.pk + 10_000) == []
    assert explanations.account_lines(None, account.pk) == []


def test_positive_values_are_the_lines_of_the_criterion_above_zero(portfolio):
    run = recompute()
    every_line = {
        row.account_id: explanations.parse_lines(row.lines)
        for row in ScoreExplanation.objects.filter(run=run)
    }
    for criterion_id in explanations.run_criterion_ids(run):
        expected = sorted(
            (account_id, line.normalised)
            for account_id, lines in every_line.items()
            for line in lines
            if line.criterion_id == criterion_id and line.normalised > 0
        )
        assert expected, "each criterion of the portfolio ranks someone above 0"
        assert sorted(explanations.positive_values(run, criterion_id)) == expected
    unused = Criterion.objects.exclude(key__in=list(run.weights)).first()
    assert explanations.positive_values(run, unused.pk) == []


def test_lines_read_with_their_places_whatever_json_number_they_were_stored_as():
    (line,) = explanations.parse_lines([[3, 12, 0, Decimal("15"), Decimal("7.5")]])
    assert (line.criterion_id, line.criterion) == (3, None)
    assert str(line.raw) == "12.0000"
    assert str(line.normalised) == "0.0000"
    assert (str(line.weight), str(line.contribution)) == ("15.00", "7.50")
    (unknown,) = explanations.parse_lines([[3, None, 0, 5, 0]])
    assert unknown.raw is None


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_the_per_criterion_rows_into_one_row_per_unit(portfolio):
    run = recompute()
    account = portfolio.accounts["A"]
    revenue = Criterion.objects.get(key="revenue")
    strategic = Criterion.objects.get(key="strategic_value")
    with migrating(
        "scoring", "0017_category_revenue_without_fk_checks", "0018_score_explanation_per_unit"
    ) as apps:
        old = apps.get_model("scoring", "CriterionScore")
        for criterion, raw, normalised, weight, contribution in [
            (strategic, None, "0", "10.00", "0.00"),
            (revenue, "1234.5", "87.5", "15.00", "12.25"),
        ]:
            old.objects.create(
                run_id=run.pk,
                account_id=account.pk,
                criterion_id=criterion.pk,
                raw=None if raw is None else Decimal(raw),
                normalised=Decimal(normalised),
                weight=Decimal(weight),
                contribution=Decimal(contribution),
            )

    (row,) = ScoreExplanation.objects.filter(run=run)
    assert row.account_id == account.pk
    assert row.attractiveness == Decimal("12.25")
    lines = explanations.parse_lines(row.lines)
    assert [(line.criterion_id, line.raw, line.contribution) for line in lines] == sorted(
        [
            (revenue.pk, Decimal("1234.5000"), Decimal("12.25")),
            (strategic.pk, None, Decimal("0.00")),
        ]
    )


def test_lines_read_back_with_every_digit_the_run_wrote(portfolio):
    # The lines are read as text and parsed to Decimals: a JSON number with more digits than
    # a float holds comes back exactly (read as a float it would end in ...6.2).
    run = recompute()
    account = portfolio.accounts["A"]
    criterion_id = explanations.run_criterion_ids(run)[0]
    ScoreExplanation.objects.filter(run=run, account=account).delete()
    written = f"[[{criterion_id}, 1234567890123456.1234, 99.9999, 15.00, 15.00]]"
    value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ScoreExplanation._meta.db_table} (run_id, account_id, lines, "
            f"attractiveness) VALUES (%s, %s, {value}, 15.00)",
            [run.pk, account.pk, written],
        )

    (line,) = explanations.account_lines(run.pk, account.pk)
    assert line.raw == Decimal("1234567890123456.1234")
    assert (line.normalised, line.weight, line.contribution) == (
        Decimal("99.9999"),
        Decimal("15.00"),
        Decimal("15.00"),
    )
    (row,) = ScoreExplanation.objects.filter(run=run, account=account).values_list(
        "lines", flat=True
    )
    assert row[0][1] == Decimal("1234567890123456.1234")
