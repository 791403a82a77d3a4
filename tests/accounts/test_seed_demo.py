"""The demo portfolio generator (`manage.py seed_demo`), at a small size so it stays fast."""

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Max, Min, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.demo.customers import kam_loads, key_account_count
from accounts.demo.vocabulary import COMMITMENTS
from accounts.models import (
    Account,
    AccountStatus,
    Activity,
    Contact,
    DesignationChange,
    SalesLine,
    Stage,
    StageChange,
    TeamMembership,
    User,
)
from kam import rules as kam_rules
from kam.demo.builder import DEMO_PASSWORD
from plans.demo import measured_value
from plans.models import (
    ActionFamily,
    Commitment,
    Measurement,
    Opportunity,
    OpportunityStatus,
    Plan,
    PlanStatus,
    SectionKind,
)
from plans.services.commitments import commitments_evaluate
from plans.services.plans import plans_mark_under_review
from scoring.demo import ELSEWHERE_CATEGORIES
from scoring.models import CostRate, Criterion, CriterionKind, MetricEntry, Rating, SpendEstimate

pytestmark = pytest.mark.django_db

SMALL = {"accounts": 60, "years": 1}
TODAY = dt.date(2026, 6, 17)
ANCHOR = dt.date(2026, 6, 1)  # the first day of TODAY's month


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Pin "today" so the anchor month cannot change between two runs of one test."""
    real_localdate = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real_localdate(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def fingerprint() -> dict:
    sales = SalesLine.objects.aggregate(
        lines=Count("pk"), revenue=Sum("revenue"), cogs=Sum("cost_of_goods")
    )
    activities = Activity.objects.aggregate(records=Count("pk"), quantity=Sum("quantity"))
    return {
        **sales,
        **activities,
        "accounts": sorted(Account.objects.values_list("erp_code", "name", "status", "stage")),
        "key_accounts": set(
            Account.objects.filter(status=AccountStatus.KEY).values_list("erp_code", flat=True)
        ),
        "kams": sorted(
            Account.objects.filter(status=AccountStatus.KEY).values_list(
                "erp_code", "kam__username"
            )
        ),
        "rates": sorted(
            CostRate.objects.values_list("activity_type__code", "period_start", "rate")
        ),
        "contacts": sorted(Contact.objects.values_list("account__erp_code", "name")),
        "measurements": sorted(
            Measurement.objects.values_list("commitment__account__erp_code", "period_end", "value")
        ),
        "users": sorted(User.objects.values_list("username", flat=True)),
        "estimates": sorted(
            SpendEstimate.objects.values_list(
                "account__erp_code", "category__name", "year", "estimated_spend", "competitor"
            )
        ),
        "opportunities": sorted(
            Opportunity.objects.values_list(
                "member__erp_code", "category__name", "estimated_value", "probability", "status"
            )
        ),
    }


def revenue_by_account() -> dict[str, Decimal]:
    totals = dict.fromkeys(Account.objects.values_list("erp_code", flat=True), Decimal(0))
    rows = SalesLine.objects.values_list("account__erp_code").annotate(total=Sum("revenue"))
    totals.update(dict(rows))
    return totals


def test_same_seed_and_month_give_the_same_portfolio_again_after_a_reset():
    seed()
    first = fingerprint()
    seed(reset=True)

    assert fingerprint() == first
    assert first["lines"] > 0
    assert first["records"] > 0


def test_another_seed_gives_another_portfolio():
    seed()
    first = fingerprint()
    seed(reset=True, seed=7)

    assert fingerprint()["revenue"] != first["revenue"]


def test_a_seeded_database_is_refused_and_left_unchanged():
    seed()
    before = fingerprint()

    with pytest.raises(CommandError, match="already holds a portfolio"):
        seed(seed=7)

    assert fingerprint() == before


def test_if_empty_skips_a_seeded_database_quietly_with_one_line():
    seed()
    before = fingerprint()

    out = seed(seed=7, if_empty=True)

    assert out.strip().count("\n") == 0
    assert "already holds" in out
    assert fingerprint() == before


def test_if_empty_seeds_an_empty_database():
    seed(if_empty=True)

    assert Account.objects.count() == 60


def test_reset_rebuilds_the_portfolio_and_keeps_people_and_configuration_added_by_hand():
    seed()
    own_admin = User.objects.create_superuser("boss", "boss@example.com", "pw-for-tests-only")
    Criterion.objects.filter(key="revenue").update(weight=Decimal("42.00"))

    seed(reset=True, accounts=40)

    assert Account.objects.count() == 40
    assert User.objects.filter(pk=own_admin.pk).exists()
    assert Criterion.objects.get(key="revenue").weight == Decimal("42.00")
    assert User.objects.filter(username="kam1").count() == 1
    assert User.objects.filter(username="admin", is_superuser=True).count() == 1


def test_every_relationship_stage_is_present_among_key_accounts_and_each_has_a_kam():
    seed()

    keys = Account.objects.filter(status=AccountStatus.KEY)
    assert set(keys.values_list("stage", flat=True)) == set(Stage.values)
    assert not keys.filter(kam__isnull=True).exists()
    kams = set(User.objects.filter(groups__name=kam_rules.KAM_GROUP))
    assert {account.kam for account in keys} <= kams


def test_default_size_portfolio_has_thirty_key_accounts_with_kam_loads_four_to_six():
    # 1,500 customers make 30 key accounts over six KAMs: 5 each, one moved to show overload.
    assert key_account_count(1500) == 30
    assert sorted(kam_loads(30, 6)) == [4, 5, 5, 5, 5, 6]


def test_revenue_is_concentrated_like_a_pareto_portfolio():
    seed()

    revenues = sorted(revenue_by_account().values(), reverse=True)
    top_fifth = revenues[: len(revenues) // 5]
    assert len(revenues) == 60
    assert sum(top_fifth) / sum(revenues) > Decimal("0.6")


def test_logins_are_printed_with_roles_and_the_password():
    out = seed(password="s3cret-demo")

    for username in ["director", "kam1", "kam6", "ops1", "ops2", "admin", "engineer1"]:
        assert username in out
    assert "Sales director" in out
    assert "s3cret-demo" in out
    assert User.objects.get(username="kam3").check_password("s3cret-demo")


def test_demo_password_is_the_documented_default():
    out = seed()

    assert DEMO_PASSWORD == "kam-demo-2026"
    assert "kam-demo-2026" in out
    assert User.objects.get(username="director").check_password("kam-demo-2026")


def test_users_are_in_their_role_groups_and_admin_is_a_superuser():
    seed()

    def members(group: str) -> set[str]:
        return set(Group.objects.get(name=group).user_set.values_list("username", flat=True))

    assert members(kam_rules.DIRECTOR_GROUP) == {"director"}
    assert members(kam_rules.KAM_GROUP) == {f"kam{n}" for n in range(1, 7)}
    assert members(kam_rules.OPERATIONS_GROUP) == {"ops1", "ops2"}
    assert members(kam_rules.ADMIN_GROUP) == {"admin"}
    assert User.objects.get(username="admin").is_superuser


def test_sales_lines_have_unique_natural_keys_and_stay_inside_the_window():
    seed()

    lines = SalesLine.objects.count()
    keys = SalesLine.objects.values("erp_document", "erp_line").distinct().count()
    assert keys == lines
    span = SalesLine.objects.aggregate(first=Min("date"), last=Max("date"))
    assert span["first"] >= dt.date(2025, 6, 1)  # one year before the anchor
    assert span["last"] < ANCHOR


def test_cost_of_goods_is_55_to_80_percent_of_revenue():
    seed()

    for revenue, cost in SalesLine.objects.values_list("revenue", "cost_of_goods"):
        assert Decimal("0.549") * revenue <= cost <= Decimal("0.801") * revenue


def test_most_accounts_spend_more_in_our_category_than_they_buy_from_us():
    seed()

    # One year of sales against the customer's yearly spend in our category.
    revenue = revenue_by_account()
    spend = dict(Account.objects.values_list("erp_code", "category_spend"))
    with_headroom = [code for code, total in revenue.items() if spend[code] >= total]
    assert len(with_headroom) >= 0.9 * 60


def test_cost_rates_are_the_pool_over_the_recorded_driver_volume():
    seed()

    volume = defaultdict(Decimal)
    for code, date, quantity in Activity.objects.values_list(
        "activity_type__code", "date", "quantity"
    ):
        volume[code, date.year] += quantity
    rates = CostRate.objects.select_related("activity_type")
    assert rates.count() == len(volume)
    for rate in rates:
        recorded = volume[rate.activity_type.code, rate.period_start.year]
        assert rate.driver_volume == recorded
        assert rate.rate == (rate.cost_pool / recorded).quantize(Decimal("0.0001"))
        assert (rate.period_start.month, rate.period_start.day) == (1, 1)
        assert rate.period_end == dt.date(rate.period_start.year, 12, 31)


def test_some_accounts_lose_money_after_cost_to_serve():
    seed()

    rates = {
        (code, start.year): rate
        for code, start, rate in CostRate.objects.values_list(
            "activity_type__code", "period_start", "rate"
        )
    }
    cost_to_serve = defaultdict(Decimal)
    for erp, code, date, quantity in Activity.objects.values_list(
        "account__erp_code", "activity_type__code", "date", "quantity"
    ):
        cost_to_serve[erp] += quantity * rates[code, date.year]
    margin = dict(
        SalesLine.objects.values_list("account__erp_code").annotate(
            margin=Sum("revenue") - Sum("cost_of_goods")
        )
    )
    profits = sorted(
        (margin.get(erp, Decimal(0)) - cost_to_serve[erp] for erp in revenue_by_account()),
        reverse=True,
    )
    running, peak = Decimal(0), Decimal(0)
    for profit in profits:
        running += profit
        peak = max(peak, running)
    assert profits[-1] < 0
    assert peak > sum(profits)  # the whale curve rises above 100% before the tail


def test_key_accounts_have_team_history_contacts_ratings_and_metrics():
    seed()
    rated = Criterion.objects.filter(kind=CriterionKind.RATED).count()

    for account in Account.objects.filter(status=AccountStatus.KEY):
        assert 2 <= TeamMembership.objects.filter(account=account).count() <= 5
        assert 4 <= Contact.objects.filter(account=account).count() <= 10
        assert StageChange.objects.filter(account=account).exists()
        assert DesignationChange.objects.filter(account=account).exclude(reason="").exists()
        latest_ratings = Rating.objects.filter(account=account, rated_by=account.kam)
        assert latest_ratings.values("criterion").distinct().count() == rated
        # June 2025 to May 2026 holds three whole calendar quarters: Q3 2025, Q4 2025, Q1 2026.
        assert MetricEntry.objects.filter(account=account, metric="satisfaction").count() == 3
    for account in Account.objects.filter(status=AccountStatus.CANDIDATE):
        assert Rating.objects.filter(account=account).values("criterion").distinct().count() == (
            rated
        )


def test_the_demo_timelines_match_the_last_contact_dates_and_anchors_are_set():
    seed()

    owned = Contact.objects.filter(relationship_owner__isnull=False, last_contact_on__isnull=False)
    assert owned.exists()
    for contact in owned:
        newest = contact.interactions.order_by("-occurred_on").first()
        assert newest is not None and newest.occurred_on == contact.last_contact_on
        assert list(newest.our_people.all()) == [contact.relationship_owner]
    assert not Criterion.objects.filter(kind=CriterionKind.RATED, anchor_low="").exists()


def test_each_key_account_has_one_complete_current_plan_with_version_one():
    seed()

    plans = Plan.objects.all()
    assert plans.count() == Account.objects.filter(status=AccountStatus.KEY).count()
    assert set(plans.values_list("status", flat=True)) == {
        PlanStatus.DRAFT,
        PlanStatus.SUBMITTED,
        PlanStatus.APPROVED,
        PlanStatus.UNDER_REVIEW,
    }
    assert plans.filter(review_date__lt=ANCHOR).exists()
    # The daily job finds no approved plan past its review date all month long.
    assert plans_mark_under_review(today=dt.date(2026, 6, 30)) == 0
    approved = plans.filter(status__in=[PlanStatus.APPROVED, PlanStatus.UNDER_REVIEW])
    assert set(approved.values_list("approved_by__username", flat=True)) == {"director"}
    # Approved as version 1, so a revision is compared with it; the others were never approved.
    assert set(approved.values_list("approved_version__number", flat=True)) == {1}
    assert not plans.exclude(pk__in=approved).filter(approved_version__isnull=False).exists()
    for plan in plans:
        assert set(plan.sections.values_list("kind", flat=True)) == set(SectionKind.values)
        assert not plan.sections.filter(body="").exists()
        assert 2 <= plan.objectives.count() <= 4
        assert 1 <= plan.solutions.count() <= 3
        assert 4 <= plan.actions.count() <= 10
        assert set(plan.actions.values_list("family", flat=True)) <= set(ActionFamily.values)
        version = plan.versions.get()
        assert version.number == 1
        assert len(version.snapshot["actions"]) == plan.actions.count()
        assert set(version.snapshot["sections"]) == set(SectionKind.values)


def test_key_accounts_have_spend_estimates_with_white_space_and_a_few_opportunities():
    seed()
    keys = set(Account.objects.filter(status=AccountStatus.KEY).values_list("pk", flat=True))
    estimated = set(SpendEstimate.objects.values_list("account_id", flat=True))
    assert estimated == keys
    # White space: estimates in categories no sales line names.
    sold = set(SalesLine.objects.values_list("product_category", flat=True).distinct())
    assert not sold & set(ELSEWHERE_CATEGORIES)
    white = SpendEstimate.objects.filter(category__name__in=ELSEWHERE_CATEGORIES)
    assert white.values("account_id").distinct().count() == len(keys)
    assert not white.filter(competitor="").exists()
    # One estimate is below what we sold there over the last 12 months (flagged on the map).
    below = 0
    for estimate in SpendEstimate.objects.exclude(category__name__in=ELSEWHERE_CATEGORIES):
        sold_there = SalesLine.objects.filter(
            account_id=estimate.account_id,
            product_category=estimate.category.name,
            date__gte=dt.date(2025, 6, 1),
            date__lt=ANCHOR,
        ).aggregate(total=Sum("revenue"))["total"]
        below += sold_there > estimate.estimated_spend
    assert below == 1
    opportunities = Opportunity.objects.select_related("plan")
    assert 3 <= opportunities.count() <= 6
    assert all(o.member_id == o.plan.account_id for o in opportunities)
    statuses = [o.status for o in opportunities]
    assert statuses.count(OpportunityStatus.WON) == 1
    assert opportunities.get(status=OpportunityStatus.LOST).lost_reason


def test_commitment_statuses_follow_the_rule():
    seed()

    commitments = Commitment.objects.all()
    assert commitments.exists()
    for commitment in commitments:
        assert 6 <= commitment.measurements.count() <= 12
    # The stored statuses are what the one rule computes, on any day of the anchor month:
    # re-evaluating on its last day changes nothing.
    assert commitments_evaluate(today=dt.date(2026, 6, 30)).changes == []


@pytest.mark.parametrize("template", COMMITMENTS, ids=lambda t: t.category)
def test_measurements_can_be_comfortably_met_near_the_target_or_missed(template):
    rng = random.Random(1)
    target, margin = Decimal(template.target), Decimal(template.at_risk_margin)
    better = 1 if template.comparison == "gte" else -1

    for _ in range(50):
        good = measured_value(rng, template, "good")
        near = measured_value(rng, template, "near")
        miss = measured_value(rng, template, "miss")
        assert (good - target) * better >= margin
        assert 0 <= (near - target) * better < margin
        assert (miss - target) * better < 0


def test_seeding_takes_the_same_number_of_statements_for_more_customers():
    seed()
    with CaptureQueriesContext(connection) as sixty:
        seed(reset=True)
    with CaptureQueriesContext(connection) as ninety:
        seed(reset=True, accounts=90)

    assert len(ninety) == len(sixty)


def test_recompute_option_scores_the_new_portfolio_once():
    from scoring.models import AccountScore, RunStatus, ScoringRun

    seed(recompute=True)

    run = ScoringRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    assert AccountScore.objects.filter(run=run).count() == Account.objects.count()


def test_recompute_option_does_nothing_when_the_portfolio_is_already_there():
    from scoring.models import ScoringRun

    seed()
    seed(if_empty=True, recompute=True)

    assert not ScoringRun.objects.exists()


def test_the_demo_has_groups_of_companies_whose_members_are_standard():
    seed(grouped_share=0.2)

    members = Account.objects.filter(parent__isnull=False)
    tops = Account.objects.filter(parent__isnull=True, members__isnull=False).distinct()
    # a fifth of the customers are members, four to a group (two entities, two plants)
    assert members.count() == Account.objects.count() // 5 // 4 * 4
    assert tops.count() == members.count() // 4
    assert not members.exclude(status=AccountStatus.STANDARD).exists()
    assert tops.filter(status=AccountStatus.KEY).exists()
    # plants: members whose parent is itself a member (depth 2)
    assert members.filter(parent__parent__isnull=False).count() == members.count() // 2


def test_after_a_run_every_health_band_and_every_investment_warning_appears():
    from scoring import services
    from scoring.models import AccountScore, InvestmentRule, InvestmentWarning, RunTrigger

    seed()
    run = services.run_recompute(run=services.run_request(trigger=RunTrigger.COMMAND))
    bands = set(
        AccountScore.objects.filter(run=run, status=AccountStatus.KEY).values_list(
            "health_band", flat=True
        )
    )
    assert bands == {"red", "amber", "green"}
    rules = set(InvestmentWarning.objects.filter(run=run).values_list("rule", flat=True))
    assert rules == set(InvestmentRule.values)


def wide_group_fingerprint():
    from scoring.whitespace import map_accounts

    top = Account.objects.filter(status=AccountStatus.KEY, members__isnull=False).annotate(
        below=Count("members")
    )
    top = max(top, key=lambda a: a.below)
    rows = map_accounts(top)
    ids = [a.pk for a in rows]
    return (
        top,
        rows,
        sorted(
            SpendEstimate.objects.filter(account_id__in=ids).values_list(
                "account__erp_code", "category__name", "estimated_spend"
            )
        ),
    )


def test_a_large_portfolio_has_one_key_account_group_of_50_members_and_40_categories():
    """From `--wide-group-from` accounts on (10,000 by default; lowered here), the largest key
    account not in a group heads 50 standard members (5 entities, 45 plants below them) that
    buy across 40 product categories and carry spend estimates per member and category."""
    from scoring import services
    from scoring.models import RunTrigger
    from scoring.whitespace import white_space_map

    out = seed(accounts=120, wide_group_from=100)
    assert "a group of 50 members" in out

    top, rows, estimates = wide_group_fingerprint()
    keys = Account.objects.filter(status=AccountStatus.KEY, parent__isnull=True)
    free_keys = keys.exclude(pk__in=Account.objects.filter(parent__isnull=False).values("parent"))
    assert free_keys.filter(pk=top.pk).count() == 0  # it is a group now
    assert [a.depth for a in rows].count(1) == 5 and [a.depth for a in rows].count(2) == 45
    assert (
        not Account.objects.filter(pk__in=[a.pk for a in rows[1:]])
        .exclude(status=AccountStatus.STANDARD)
        .exists()
    )
    members = {a.pk for a in rows[1:]}
    per_member = defaultdict(set)
    for account_id, name in SpendEstimate.objects.filter(account_id__in=members).values_list(
        "account_id", "category__name"
    ):
        per_member[account_id].add(name)
    assert set(per_member) == members
    assert all(30 <= len(names) <= 40 for names in per_member.values())
    # The categories bought only elsewhere stay on no sales line.
    sold = set(SalesLine.objects.values_list("product_category", flat=True).distinct())
    assert not sold & set(ELSEWHERE_CATEGORIES)

    run = services.run_recompute(
        run=services.run_request(trigger=RunTrigger.MANUAL, as_of=ANCHOR - dt.timedelta(days=1))
    )
    space = white_space_map(top, run)
    assert (len(space.rows), len(space.categories)) == (51, 40)
    assert space.white_space_cells > 0 and space.over_estimate_cells >= 1
    # The group's scored category spend is what the map adds up to.
    assert space.scoring_spend == space.spend_as_scored

    # Deterministic: the same seed gives the same group, members and estimates.
    seed(accounts=120, wide_group_from=100, reset=True)
    again_top, again_rows, again_estimates = wide_group_fingerprint()
    assert again_top.erp_code == top.erp_code
    assert [a.erp_code for a in again_rows] == [a.erp_code for a in rows]
    assert again_estimates == estimates


def test_a_small_portfolio_has_no_wide_group():
    out = seed(accounts=120)
    assert "a group of 50 members" not in out
    assert Account.objects.filter(parent__isnull=False).count() == 12  # the ordinary groups


@pytest.mark.django_db(transaction=True)
def test_a_seed_outside_a_transaction_leaves_its_tables_vacuumed_and_analysed():
    if connection.vendor != "postgresql":
        pytest.skip("VACUUM and its statistics are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_reset_single_table_counters('accounts_account'::regclass)")
    seed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT vacuum_count, analyze_count FROM pg_stat_user_tables "
            "WHERE relname = 'accounts_account'"
        )
        vacuums, analyses = cursor.fetchone()
    assert vacuums >= 1
    assert analyses >= 1
