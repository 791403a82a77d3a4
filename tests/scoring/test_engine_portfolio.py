"""The hand-computed portfolio (tests/scoring/conftest.py): every figure worked out below.

Accounts ranked by T12 revenue: A 1,500,000 > B 500,000 > C 200,000 > D 120,000 > E 50,000
> F 20,000 > G 10,000 > H 0 = I 0; total 2,400,000 over 7 accounts with revenue.
Percentiles over 9 values: PERCENT_RANK = (rank - 1) / 8, so steps of 12.5 points.
"""

import datetime as dt
from decimal import Decimal

import pytest

from scoring import services
from scoring.models import (
    AccountScore,
    MetricSnapshot,
    Quadrant,
    RunStatus,
    RunTrigger,
)
from scoring.selectors import current_run
from tests.explained import stored_lines
from tests.scoring.conftest import AS_OF, D

pytestmark = pytest.mark.django_db(transaction=False)


def recompute(as_of=AS_OF):
    run = services.run_request(trigger=RunTrigger.COMMAND, as_of=as_of)
    return services.run_recompute(run=run)


def scores_by_letter(portfolio, run):
    ids = {account.pk: letter for letter, account in portfolio.accounts.items()}
    return {ids[s.account_id]: s for s in AccountScore.objects.filter(run=run)}


def test_profitability_of_each_account(portfolio):
    run = recompute()
    s = scores_by_letter(portfolio, run)
    # (revenue, cost of goods, cost to serve, gross margin, net profit, previous 12 months)
    expected = {
        # visits 10 x 100 (2025 rate) + 5 x 120 (2026 rate) + 20 JIT x 50 = 2,600
        "A": ("1500000", "900000", "2600", "600000", "597400", "1200000"),
        # 2.5 visits x 120 = 300 + 10 JIT x 50 = 500 -> 800
        "B": ("500000", "300000", "800", "200000", "199200", "500000"),
        # 1,100 JIT x 50 = 55,000: an unprofitable key account
        "C": ("200000", "150000", "55000", "50000", "-5000", "250000"),
        # 3 visits x 100 = 300 + 1 support hour x 33.335 = 333.335 -> 333.34 (half up)
        "D": ("120000", "70000", "333.34", "50000", "49666.66", "80000"),
        # 7 samples have no rate: cost 0
        "E": ("50000", "30000", "0", "20000", "20000", "40000"),
        # the lines of 2026-07-02 and 2024-06-30 are outside both windows
        "F": ("20000", "12000", "0", "8000", "8000", "0"),
        # 1 visit on 2026-06-30 x 120
        "G": ("10000", "9000", "120", "1000", "880", "0"),
        # H's visit is in as_of's month, I's before T12: neither counts
        "H": ("0", "0", "0", "0", "0", "0"),
        "I": ("0", "0", "0", "0", "0", "0"),
    }
    for letter, (revenue, cogs, cts, gross, net, prev) in expected.items():
        score = s[letter]
        assert (
            score.revenue,
            score.cost_of_goods,
            score.cost_to_serve,
            score.gross_margin,
            score.net_profit,
            score.revenue_prev,
        ) == (D(revenue), D(cogs), D(cts), D(gross), D(net), D(prev)), letter
    assert run.counts["unrated_activities"] == 1  # E's samples


def test_growth_share_of_wallet_and_headroom(portfolio):
    run = recompute()
    s = scores_by_letter(portfolio, run)
    # growth = (T12 - previous) / previous x 100; NULL without previous revenue
    growth = {
        "A": D("25.00"),  # 300,000 / 1,200,000
        "B": D("0.00"),
        "C": D("-20.00"),  # -50,000 / 250,000
        "D": D("50.00"),  # 40,000 / 80,000
        "E": D("25.00"),  # 10,000 / 40,000
        "F": None,
        "G": None,
        "H": None,
        "I": None,
    }
    # share of wallet = T12 / category spend x 100; headroom = spend - T12
    share = {
        "A": ("75.00", "500000"),  # 1.5M / 2M
        "B": ("50.00", "500000"),
        "C": ("40.00", "300000"),
        "D": ("15.00", "680000"),
        "E": ("12.50", "350000"),
        "F": ("12.50", "140000"),  # 20,000 / 160,000
        "G": ("10.00", "90000"),
        "H": ("0.00", "50000"),
        "I": ("0.00", "10000"),
    }
    for letter in growth:
        assert s[letter].revenue_growth_pct == growth[letter], letter
        assert (s[letter].share_of_wallet_pct, s[letter].headroom) == tuple(
            D(v) for v in share[letter]
        ), letter


def test_percentiles_contributions_and_scores(portfolio):
    run = recompute()
    s = scores_by_letter(portfolio, run)
    letter_of = {account.pk: letter for letter, account in portfolio.accounts.items()}
    lines = {(letter_of[c.account_id], c.criterion.key): c for c in stored_lines(run)}
    assert len(lines) == 9 * 4  # nine accounts, four active criteria
    # normalised values, (rank - 1) / (count - 1) x 100 among the non-NULL raw values:
    # revenue: H = I = 0 (rank 1), G 3, F 4, E 5, D 6, C 7, B 8, A 9 -> steps of 12.5
    revenue = {"A": 100, "B": 87.5, "C": 75, "D": 62.5, "E": 50, "F": 37.5, "G": 25, "H": 0, "I": 0}
    # contribution (net profit): C -5,000 (1), H = I = 0 (2), G 880 (4), F 8,000 (5),
    # E 20,000 (6), D 49,666.66 (7), B 199,200 (8), A 597,400 (9)
    contribution = {
        "A": 100, "B": 87.5, "C": 0, "D": 75, "E": 62.5, "F": 50, "G": 37.5, "H": 12.5, "I": 12.5
    }  # fmt: skip
    # growth, five values: C -20 (1) -> 0, B 0 (2) -> 25, A = E 25 (3) -> 50, D 50 (5) -> 100;
    # F, G, H, I have no growth: raw NULL, normalised 0
    growth = {"A": 50, "B": 25, "C": 0, "D": 100, "E": 50, "F": 0, "G": 0, "H": 0, "I": 0}
    # strategic value, five ratings: E 1 -> 0, D 3 -> 25, B = C 4 -> 50, A 5 (newest) -> 100;
    # F's rating was made after as_of: no rating, normalised 0
    strategic = {"A": 100, "B": 50, "C": 50, "D": 25, "E": 0, "F": 0, "G": 0, "H": 0, "I": 0}
    expected_raw_rating = {"A": 5, "B": 4, "C": 4, "D": 3, "E": 1}
    for letter in revenue:
        for key, table, weight in [
            ("revenue", revenue, 40),
            ("contribution", contribution, 20),
            ("revenue_growth", growth, 20),
            ("strategic_value", strategic, 20),
        ]:
            line = lines[letter, key]
            assert line.normalised == D(table[letter]), (letter, key)
            assert line.weight == D(weight)
            # contribution = weight / 100 x normalised (every product is whole cents here)
            assert line.contribution == D(weight) * D(table[letter]) / 100, (letter, key)
        rating = lines[letter, "strategic_value"].raw
        assert rating == (D(expected_raw_rating[letter]) if letter in expected_raw_rating else None)
    assert lines["C", "contribution"].raw == D("-5000")
    assert lines["F", "revenue_growth"].raw is None

    # attractiveness = sum of the contributions:
    # A 40 + 20 + 10 + 20 = 90; B 35 + 17.5 + 5 + 10 = 67.5; C 30 + 0 + 0 + 10 = 40;
    # D 25 + 15 + 20 + 5 = 65; E 20 + 12.5 + 10 + 0 = 42.5; F 15 + 10 = 25; G 10 + 7.5 = 17.5;
    # H = I = 0 + 2.5 = 2.5
    attractiveness = {
        "A": "90", "B": "67.5", "C": "40", "D": "65", "E": "42.5", "F": "25", "G": "17.5",
        "H": "2.5", "I": "2.5",
    }  # fmt: skip
    rank = {"A": 1, "B": 2, "D": 3, "E": 4, "C": 5, "F": 6, "G": 7, "H": 8, "I": 8}
    for letter, value in attractiveness.items():
        assert s[letter].attractiveness == D(value), letter
        assert s[letter].rank == rank[letter], letter
        explanation = sum(
            (line.contribution for (who, _), line in lines.items() if who == letter), Decimal(0)
        )
        assert explanation == s[letter].attractiveness


def test_relative_strength_and_quadrants(portfolio):
    run = recompute()
    s = scores_by_letter(portfolio, run)
    # DMU coverage: B 3 of 4 influential (one last contacted 91 days before) = 75;
    # C 1 of 2 (contacted exactly 90 days before; the other has no owner) = 50;
    # A 0 of 1 (never contacted) = 0; E 1 of 1 = 100; the others have no influential contact
    dmu = {"A": D("0"), "B": D("75"), "C": D("50"), "E": D("100")}
    # satisfaction: B newest 90 (Q2 2026), C 60 (the Q4 2026 entry is after as_of), E 80
    satisfaction = {"B": D("90"), "C": D("60"), "E": D("80")}
    for letter, score in s.items():
        assert score.dmu_coverage_pct == dmu.get(letter), letter
        assert score.satisfaction == satisfaction.get(letter), letter
    # strength = (share-of-wallet percentile + stage + satisfaction + DMU) / 4, missing = 0.
    # Share of wallet over 9 values: H = I = 0 (1) -> 0, G 10 (3) -> 25, E = F 12.5 (4) -> 37.5,
    # D 15 (6) -> 62.5, C 40 (7) -> 75, B 50 (8) -> 87.5, A 75 (9) -> 100.
    # Stage: exploratory 0, tactical 25, cooperative 50, interdependent 75, strategic 100,
    # disengaging 0.
    strength = {
        "A": "31.25",  # (100 + 25 + 0 + 0) / 4
        "B": "88.13",  # (87.5 + 100 + 90 + 75) / 4 = 88.125, half up
        "C": "65.00",  # (75 + 75 + 60 + 50) / 4
        "D": "15.63",  # (62.5 + 0 + 0 + 0) / 4 = 15.625
        "E": "66.88",  # (37.5 + 50 + 80 + 100) / 4 = 66.875
        "F": "21.88",  # (37.5 + 50 + 0 + 0) / 4 = 21.875
        "G": "6.25",  # (25 + 0 + 0 + 0) / 4
        "H": "0.00",
        "I": "6.25",  # (0 + 25 + 0 + 0) / 4
    }
    # attractiveness >= 50 is high, strength >= 50 is high
    quadrant = {
        "A": Quadrant.STAR,  # 90, 31.25
        "B": Quadrant.STRATEGIC,  # 67.5, 88.13
        "C": Quadrant.STATUS,  # 40, 65
        "D": Quadrant.STAR,  # 65, 15.63
        "E": Quadrant.STATUS,  # 42.5, 66.88
        "F": Quadrant.STREAMLINE,
        "G": Quadrant.STREAMLINE,
        "H": Quadrant.STREAMLINE,
        "I": Quadrant.STREAMLINE,
    }
    for letter in strength:
        assert s[letter].relative_strength == D(strength[letter]), letter
        assert s[letter].quadrant == quadrant[letter], letter


def test_flags(portfolio):
    run = recompute()
    s = scores_by_letter(portfolio, run)
    # Pareto: 80% of 2,400,000 = 1,920,000. Before A: 0 (in); before B: 1,500,000 (in);
    # before C: 2,000,000 (out).
    # 4x: average monthly revenue over the 7 accounts with revenue = 2,400,000 / 7 / 12;
    # A: 1,500,000 / 12 >= 4 x that  <=>  1,500,000 x 7 = 10.5M >= 4 x 2.4M = 9.6M; B: 3.5M < 9.6M.
    # Misclassified, n = 9: a key account ranked below (n + 1) / 2 = 5 (F 6, G 7, H 8, I 8),
    # or a non-key one in the top ceil(9 / 10) = 1 rank (A, a candidate).
    # KAM load: kam1 has 6 key accounts (B, C, E, F, G, H) > 5; kam2 has 1 (I).
    flags = {
        # letter: pareto, 4x, misclassified, overloaded
        "A": (True, True, True, False),
        "B": (True, False, False, True),
        "C": (False, False, False, True),
        "D": (False, False, False, False),
        "E": (False, False, False, True),
        "F": (False, False, True, True),
        "G": (False, False, True, True),
        "H": (False, False, True, True),
        "I": (False, False, True, False),
    }
    for letter, expected in flags.items():
        score = s[letter]
        assert (
            score.is_pareto,
            score.is_4x,
            score.is_misclassified,
            score.kam_overloaded,
        ) == expected, letter
    assert run.counts["pareto"] == 2
    assert run.counts["four_x"] == 1
    assert run.counts["misclassified"] == 5
    assert run.counts["kam_overloaded"] == 6
    assert run.counts["key_accounts"] == 7


def test_run_record_and_current_run(portfolio, django_user_model):
    assert current_run() is None
    run = recompute()
    assert current_run() == run
    assert run.status == RunStatus.SUCCEEDED
    assert run.trigger == RunTrigger.COMMAND
    assert run.progress_pct == 100
    assert run.accounts_count == 9
    assert run.started_at <= run.finished_at
    assert run.weights == {
        "revenue": "40.00",
        "contribution": "20.00",
        "revenue_growth": "20.00",
        "strategic_value": "20.00",
    }
    assert {"prepare", "chunks", "scores", "prune", "vacuum"} <= set(run.stage_durations)
    assert run.chunks_done == run.chunks_total == 2  # nine accounts in two id ranges
    assert sum(chunk["accounts"] for chunk in run.counts["chunks"].values()) == 9


def test_quarterly_snapshots(portfolio):
    recompute()
    a = portfolio.accounts
    q3_2025 = MetricSnapshot.objects.get(account=a["A"], period_start=dt.date(2025, 7, 1))
    # A in Q3 2025: one line 900,000 (COGS 540,000); 10 visits x 100 = 1,000 cost to serve
    assert (q3_2025.revenue, q3_2025.cost_of_goods, q3_2025.cost_to_serve) == (
        D("900000"),
        D("540000"),
        D("1000"),
    )
    assert (q3_2025.gross_margin, q3_2025.net_profit) == (D("360000"), D("359000"))
    # against Q3 2024 (1,200,000): -300,000 / 1,200,000 = -25%
    assert q3_2025.revenue_growth_pct == D("-25.00")
    # a quarter's revenue x 4 against the yearly category spend: 3.6M / 2M = 180%, more than
    # the customer spends: the spend is wrong, the share unknown
    assert q3_2025.share_of_wallet_pct is None
    assert q3_2025.cost_to_serve_pct == D("0.11")  # 1,000 / 900,000 = 0.111%
    assert q3_2025.gross_margin_pct == D("40.00")
    assert q3_2025.net_margin_pct == D("39.89")  # 359,000 / 900,000 = 39.888...%
    assert q3_2025.is_key is False  # A is a candidate
    # B's Q2 2026 carries its entered satisfaction and the 2.5 visits x 120 = 300
    b = MetricSnapshot.objects.get(account=a["B"], period_start=dt.date(2026, 4, 1))
    assert (b.revenue, b.cost_to_serve, b.net_profit, b.satisfaction, b.is_key) == (
        D("0"),
        D("300"),
        D("-300"),
        D("90"),
        True,
    )
    assert b.net_margin_pct is None  # no revenue in the quarter
    # I's only quarter: 2 visits x 100 on 2025-06-30
    assert MetricSnapshot.objects.filter(account=a["I"]).count() == 1
    i = MetricSnapshot.objects.get(account=a["I"])
    assert (i.period_start, i.cost_to_serve, i.net_profit) == (
        dt.date(2025, 4, 1),
        D("200"),
        D("-200"),
    )
    # nothing from as_of's quarter (H's visit of 2026-07-01, F's line of 2026-07-02)
    assert not MetricSnapshot.objects.filter(period_start__gte=dt.date(2026, 7, 1)).exists()
    # F's line of 2024-06-30 is history: the first run snapshots every quarter with data
    f = MetricSnapshot.objects.get(account=a["F"], period_start=dt.date(2024, 4, 1))
    assert f.revenue == D("55555")
