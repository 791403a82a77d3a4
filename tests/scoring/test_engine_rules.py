"""Engine rules checked on their own: rate periods, splitting a score into contributions,
NULL raw values, and the criteria every computed source reads."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Stage
from scoring import services
from scoring.engine.rates import RateSegment, segments_from
from scoring.engine.window import Window, add_months
from scoring.models import AccountScore, MetricSnapshot, RunTrigger
from tests import factories
from tests.explained import stored_lines
from tests.scoring.conftest import use_weights


def test_rate_periods_become_disjoint_segments_and_the_latest_start_wins():
    jan, dec = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    segments, overlaps = segments_from(
        [
            (7, jan, dec, Decimal("100")),
            # overlaps March of the yearly rate: it wins there, the yearly rate resumes in April
            (7, dt.date(2025, 3, 1), dt.date(2025, 3, 31), Decimal("150")),
            (8, jan, dec, Decimal("5")),
        ]
    )
    assert overlaps == 1
    assert segments == [
        RateSegment(7, jan, dt.date(2025, 2, 28), Decimal("100")),
        RateSegment(7, dt.date(2025, 3, 1), dt.date(2025, 3, 31), Decimal("150")),
        RateSegment(7, dt.date(2025, 4, 1), dec, Decimal("100")),
        RateSegment(8, jan, dec, Decimal("5")),
    ]


def test_adjacent_periods_with_the_same_rate_merge_and_gaps_stay_uncovered():
    segments, overlaps = segments_from(
        [
            (1, dt.date(2025, 1, 1), dt.date(2025, 6, 30), Decimal("10")),
            (1, dt.date(2025, 7, 1), dt.date(2025, 9, 30), Decimal("10")),
            (1, dt.date(2025, 11, 1), dt.date(2025, 12, 31), Decimal("12")),
        ]
    )
    assert overlaps == 0
    assert segments == [
        RateSegment(1, dt.date(2025, 1, 1), dt.date(2025, 9, 30), Decimal("10")),
        RateSegment(1, dt.date(2025, 11, 1), dt.date(2025, 12, 31), Decimal("12")),
    ]


@pytest.mark.django_db
def test_contributions_add_up_to_the_rounded_weighted_mean():
    # Six criteria of weight 1: the top account is 100 on each, so each contribution is
    # 100 / 6 = 16.666... Rounding each to 16.67 would give 100.02; the largest-remainder split
    # gives four 16.67 and two 16.66 (all remainders tie; the lowest criterion ids get the cent)
    # = 100.00. The other account is 0 everywhere.
    use_weights({k: Decimal(1) for k in ["revenue", "turnover", "category_spend", "headroom",
                                          "market_growth", "contribution"]})  # fmt: skip
    top = factories.AccountFactory(
        turnover=Decimal("9"), category_spend=Decimal("9"), market_growth_pct=Decimal("9")
    )
    factories.SalesLineFactory(account=top, date=dt.date(2026, 3, 1), revenue=Decimal("5"),
                               cost_of_goods=Decimal("1"))  # fmt: skip
    factories.AccountFactory(
        turnover=Decimal("1"), category_spend=Decimal("0"), market_growth_pct=Decimal("1")
    )
    run = services.run_recompute(
        run=services.run_request(trigger=RunTrigger.COMMAND, as_of=dt.date(2026, 7, 15))
    )
    lines = stored_lines(run, top)
    assert [line.normalised for line in lines] == [Decimal(100)] * 6
    assert [line.contribution for line in lines] == [Decimal("16.67")] * 4 + [Decimal("16.66")] * 2
    assert AccountScore.objects.get(run=run, account=top).attractiveness == Decimal("100.00")


@pytest.mark.django_db
def test_each_computed_criterion_reads_its_source():
    use_weights(
        {k: Decimal(10) for k in ["turnover", "category_spend", "headroom", "market_growth"]}
    )
    account = factories.AccountFactory(
        turnover=Decimal("75000000"),
        category_spend=Decimal("300000"),
        market_growth_pct=Decimal("-1.50"),
    )
    factories.SalesLineFactory(account=account, date=dt.date(2026, 1, 5),
                               revenue=Decimal("120000"), cost_of_goods=Decimal("0"))  # fmt: skip
    nothing_known = factories.AccountFactory(
        turnover=None, category_spend=None, market_growth_pct=None
    )
    run = services.run_recompute(
        run=services.run_request(trigger=RunTrigger.COMMAND, as_of=dt.date(2026, 7, 15))
    )
    raw = {(line.account_id, line.criterion.key): line.raw for line in stored_lines(run)}
    assert raw[account.pk, "turnover"] == Decimal("75000000")
    assert raw[account.pk, "category_spend"] == Decimal("300000")
    assert raw[account.pk, "headroom"] == Decimal("180000")  # 300,000 - 120,000
    assert raw[account.pk, "market_growth"] == Decimal("-1.5")
    # no data: NULL raw values, normalised to 0
    for key in ["turnover", "category_spend", "headroom", "market_growth"]:
        assert raw[nothing_known.pk, key] is None
    assert {line.normalised for line in stored_lines(run, nothing_known)} == {Decimal(0)}
    # a single value ranks 0 (PERCENT_RANK of the only row): both accounts score 0
    assert set(AccountScore.objects.filter(run=run).values_list("attractiveness", flat=True)) == {
        Decimal(0)
    }


def test_rate_periods_are_cut_to_the_accepted_date_range():
    segments, overlaps = segments_from(
        [
            # open-ended both ways, as written before the range existed
            (7, dt.date.min, dt.date.max, Decimal("100")),
            # wholly before 1950: nothing of it is left
            (8, dt.date(1, 1, 1), dt.date(1, 12, 31), Decimal("5")),
        ]
    )
    assert overlaps == 0
    assert segments == [
        RateSegment(7, dt.date(1950, 1, 1), dt.date(2199, 12, 31), Decimal("100")),
    ]


@pytest.mark.parametrize(
    ("as_of", "t12_start", "prev_start", "snapshot_end"),
    [
        # as_of is taken inside the range: 1950-01-01, so T12 is 1949 and the year before 1948
        (dt.date.min, dt.date(1949, 1, 1), dt.date(1948, 1, 1), dt.date(1950, 1, 1)),
        # 2199-12-31: T12 is December 2198 to November 2199
        (dt.date.max, dt.date(2198, 12, 1), dt.date(2197, 12, 1), dt.date(2199, 10, 1)),
    ],
)
def test_the_window_of_any_stored_date_is_computed_without_error(
    as_of, t12_start, prev_start, snapshot_end
):
    window = Window(as_of)
    assert (window.t12_start, window.prev_start, window.snapshot_end) == (
        t12_start,
        prev_start,
        snapshot_end,
    )
    assert window.dmu_since < window.as_of < window.ratings_until.date()
    assert add_months(dt.date.min, -12) == dt.date(1949, 1, 1)
    assert add_months(dt.date.max, 1) == dt.date(2200, 1, 1)


@pytest.mark.django_db
def test_a_category_spend_below_our_revenue_is_flagged_and_earns_nothing():
    use_weights({"category_spend": Decimal(10), "headroom": Decimal(10)})
    revenue = Decimal("120000")
    spends = {
        "over": Decimal("100000"),  # we sell 120% of what the customer says it spends
        "zero": Decimal("0"),
        "exact": revenue,
        "under": Decimal("300000"),
        "seasonal": Decimal("1000000"),
        "unknown": None,
    }
    accounts = {
        name: factories.AccountFactory(category_spend=spend, stage=Stage.EXPLORATORY)
        for name, spend in spends.items()
    }
    for account in accounts.values():
        factories.SalesLineFactory(account=account, date=dt.date(2026, 1, 5), revenue=revenue,
                                   cost_of_goods=Decimal("0"))  # fmt: skip
    run = services.run_recompute(
        run=services.run_request(trigger=RunTrigger.COMMAND, as_of=dt.date(2026, 7, 15))
    )
    scores = {
        name: AccountScore.objects.get(run=run, account=account)
        for name, account in accounts.items()
    }
    figures = {
        name: (score.spend_below_revenue, score.share_of_wallet_pct, score.headroom)
        for name, score in scores.items()
    }
    assert figures == {
        "over": (True, None, None),
        "zero": (True, None, None),
        "exact": (False, Decimal("100.00"), Decimal("0.00")),
        "under": (False, Decimal("40.00"), Decimal("180000.00")),  # 120,000 / 300,000
        "seasonal": (False, Decimal("12.00"), Decimal("880000.00")),
        "unknown": (False, None, None),
    }
    raw = {(line.account_id, line.criterion.key): line.raw for line in stored_lines(run)}
    for name in ("over", "zero"):
        assert raw[accounts[name].pk, "category_spend"] is None
        assert raw[accounts[name].pk, "headroom"] is None
        assert scores[name].attractiveness == Decimal("0.00")
    assert raw[accounts["under"].pk, "category_spend"] == Decimal("300000")
    # Share-of-wallet percentile over the three known shares (12, 40, 100): 0, 50, 100; the
    # stage, satisfaction and DMU components are 0, so strength is a quarter of it. The
    # flagged 120% earns nothing (it would have topped the ranking).
    strength = {name: score.relative_strength for name, score in scores.items()}
    assert strength == {
        "over": Decimal("0.00"),
        "zero": Decimal("0.00"),
        "exact": Decimal("25.00"),
        "under": Decimal("12.50"),
        "seasonal": Decimal("0.00"),
        "unknown": Decimal("0.00"),
    }
    # A quarter against a quarter of the yearly spend: 4 x 120,000 = 480,000 is more than
    # 300,000 (unknown) and 48% of 1,000,000.
    assert run.counts["spend_below_revenue"] == 2  # the run page lists the count
    quarter = dt.date(2026, 1, 1)
    shares = dict(
        MetricSnapshot.objects.filter(period_start=quarter).values_list(
            "account_id", "share_of_wallet_pct"
        )
    )
    assert shares[accounts["under"].pk] is None
    assert shares[accounts["seasonal"].pk] == Decimal("48.00")
