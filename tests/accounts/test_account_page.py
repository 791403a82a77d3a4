"""The read-only account page: what each role sees, the score explanation, query counts."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    AccountStatus,
    Attitude,
    BuyingRole,
    DesignationChange,
    FunctionalRole,
    GeographicScope,
    Interaction,
    InteractionKind,
    Quadrant,
    Stage,
    StageChange,
    Tier,
)
from plans.models import CommitmentStatus, Comparison, PlanStatus
from scoring.models import Criterion
from tests import factories
from tests.accounts.test_account_list import make_run
from tests.portfolio.builders import explain

# A director's page: session, user, the user's groups, the account, current run, team,
# commitments, contacts, the account's score, its criterion scores, its health (and, when it
# has one, its components), investment warnings and health history, plans, the current plan's
# open actions, rated criteria, their newest ratings, rating history, quarterly snapshots, the
# people who could join the team (directors change teams), the newest interactions with their
# contacts and our people (3), the team check of `accounts.record_interaction` (directors
# record only on a team they are on), the navigation's unread-notification count, and the
# account's subtree (its group's tree). The History section loads apart (accounts:history_latest):
# 38 before, less its stage and designation changes (2), seven history tables and plan
# versions (8) and the plan's shared links and their answers (2).
# The score's explanation is two: the unit's stored lines, then their criteria.
DIRECTOR_PAGE_QUERIES = 38 - 2 - 8 - 2 + 1


def url(account):
    return reverse("accounts:detail", args=[account.pk])


@pytest.fixture
def account(kam):
    """A key account with something in every section of the page."""
    account = factories.KeyAccountFactory(
        kam=kam,
        name="Voestalpine Metal Forming",
        erp_code="C-4711",
        tier=Tier.ONE,
        industry="Steel",
        country="AT",
        region="DACH",
        geographic_scope=GeographicScope.INTERNATIONAL,
        turnover=Decimal("12500000000.00"),
        category_spend=Decimal("3456789.50"),
        market_growth_pct=Decimal("4.25"),
        stage=Stage.COOPERATIVE,
        stage_since=timezone.now() - dt.timedelta(days=70),
    )
    factories.TeamMembershipFactory(
        account=account,
        user=factories.UserFactory(first_name="Erik", last_name="Engineer"),
        functional_role=FunctionalRole.ENGINEERING,
    )
    factories.ContactFactory(
        account=account,
        name="Petra Purchasing",
        title="Chief Procurement Officer",
        buying_role=BuyingRole.DECISION_MAKER,
        influence=5,
        attitude=Attitude.SUPPORTER,
        relationship_owner=kam,
        last_contact_on=dt.date(2026, 5, 4),
    )
    StageChange.objects.create(
        account=account,
        from_stage=Stage.TACTICAL,
        to_stage=Stage.COOPERATIVE,
        reason="Joint forecasting meetings every month",
        changed_by=kam,
    )
    DesignationChange.objects.create(
        account=account,
        from_status=AccountStatus.CANDIDATE,
        to_status=AccountStatus.KEY,
        to_kam=kam,
        reason="Top decile attractiveness",
    )
    factories.PlanFactory(account=account, title="Plan 2026", status=PlanStatus.APPROVED)
    factories.CommitmentFactory(
        account=account,
        promise="On-time delivery of at least 98%",
        status=CommitmentStatus.AT_RISK,
    )
    factories.CommitmentFactory(
        account=account,
        promise="Quote within 24 hours",
        comparison=Comparison.AT_MOST,
        target_value=Decimal("24.000"),
        unit="h",
        status=CommitmentStatus.BREACHED,
    )
    return account


def scored(account, *, revenue=Decimal("1234567.89")):
    """Score `account` in a new current run with a two-line explanation."""
    run = make_run(
        {
            account: {
                "revenue": revenue,
                "cost_to_serve": Decimal("45000.00"),
                "net_profit": Decimal("-1500.25"),
                "share_of_wallet_pct": Decimal("35.71"),
                "attractiveness": Decimal("19.50"),
                "relative_strength": Decimal("64.00"),
                "quadrant": Quadrant.STATUS,
                "is_misclassified": True,
            }
        }
    )
    # Weights sum to 100 in the default criteria: contribution = normalised * weight / 100.
    explain(
        run,
        account,
        [
            (Criterion.objects.get(key=key), *map(Decimal, numbers))
            for key, *numbers in [
                ("revenue", "1234567.89", "80", "15", "12.00"),
                ("strategic_value", "4", "75", "10", "7.50"),
            ]
        ],
    )
    return run


def get(client, user, account):
    client.force_login(user)
    return client.get(url(account))


def test_anonymous_is_sent_to_login(client, account):
    response = client.get(url(account))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def without_csrf_tokens(html: bytes) -> bytes:
    return re.sub(rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', rb"\1", html)


def test_another_kam_gets_the_same_404_as_for_a_missing_account(client, account, other_kam):
    hidden = get(client, other_kam, account)
    missing = client.get(reverse("accounts:detail", args=[account.pk + 1000]))

    assert hidden.status_code == missing.status_code == 404
    # The 404 page has the navigation (its forms carry a CSRF token masked afresh per response).
    assert without_csrf_tokens(hidden.content) == without_csrf_tokens(missing.content)
    assert account.name not in hidden.content.decode()


def test_header_shows_the_basics(client, director, account, settings):
    settings.KAM_CURRENCY = "EUR"

    html = get(client, director, account).content.decode()

    for text in [
        "Voestalpine Metal Forming",
        "ERP C-4711",
        "Key account",
        "Cooperative",
        "for 2\xa0months",
        str(account.kam),
        "Tier 1",
        "Steel",
        "AT / DACH",
        "International",
        "12,500,000,000.00 EUR",
        "3,456,789.50 EUR",
        "4.25 %",
        "Erik Engineer",
        "Engineering",
    ]:
        assert text in html, text


def test_director_sees_contacts_figures_explanation_plans_and_commitments(
    client, director, account
):
    scored(account)

    html = get(client, director, account).content.decode()

    for text in [
        # DMU
        "Petra Purchasing",
        "Chief Procurement Officer",
        "Decision maker",
        "Supporter",
        "4 May 2026",
        # current figures
        "1,234,567.89 EUR",
        "45,000.00 EUR",
        "-1,500.25 EUR",
        "35.71 %",
        "64.00 / 100",
        'class="badge quadrant-status">Status</span>',
        "Review status: misclassified",
        # explanation
        "Revenue, trailing 12 months",
        "Strategic and reference value",
        "12.00",
        "7.50",
        # plans and commitments
        "Plan 2026",
        "Approved",
        "≥ 98 %",
        "≤ 24 h",
        'class="badge commitment-at_risk">At risk</span>',
        'class="badge commitment-breached">Breached</span>',
    ]:
        assert text in html, text


def test_director_sees_the_stage_and_designation_moves_in_the_latest_history(
    client, director, account
):
    client.force_login(director)

    response = client.get(reverse("accounts:history_latest", args=[account.pk]))

    html = response.content.decode()
    for text in [
        "Tactical → Cooperative",
        "Joint forecasting meetings every month",
        "Candidate → Key account",
        "Top decile attractiveness",
    ]:
        assert text in html, text


def test_a_category_spend_below_our_revenue_is_flagged_not_shown_as_a_share(
    client, director, account
):
    account.category_spend = Decimal("1000000.00")
    account.save(update_fields=["category_spend"])
    run = scored(account)
    run.scores.filter(account=account).update(
        share_of_wallet_pct=None, headroom=None, spend_below_revenue=True
    )

    html = get(client, director, account).content.decode()

    # the glance card and the current figures
    assert html.count('data-testid="spend-below-revenue"') == 2
    assert "Category spend below our revenue: update it" in html
    assert f"below our revenue of 1,234,567.89 EUR in the {run.t12}: update it" in html
    assert "Data: category spend below our revenue" in html
    assert "so spend in our category and headroom count as unknown (0) until it is updated" in html
    assert " %</" not in html.split('id="figures-heading"')[1].split("</dl>")[0]


def test_explanation_total_is_the_sum_of_the_contributions(client, director, account):
    scored(account)

    response = get(client, director, account)

    # 12.00 + 7.50
    assert response.context["page"].score_total == Decimal("19.50")
    assert '<td class="num" data-testid="score-total">19.50</td>' in response.content.decode()


def test_figures_are_not_yet_computed_before_a_run_scores_the_account(client, director, account):
    make_run({factories.AccountFactory(): {}})  # a run that did not include this account

    html = get(client, director, account).content.decode()

    assert 'data-testid="not-computed"' in html
    assert "Why this score" in html


def test_own_kam_sees_everything(client, kam, account):
    scored(account)

    html = get(client, kam, account).content.decode()

    for text in ["Petra Purchasing", "Why this score", "Plan 2026", "Quote within 24 hours"]:
        assert text in html


def test_team_member_sees_details_and_plans(client, account):
    member = factories.KamFactory()
    factories.TeamMembershipFactory(account=account, user=member)

    html = get(client, member, account).content.decode()

    assert "Petra Purchasing" in html
    assert "Plan 2026" in html


def test_operations_sees_basics_and_commitments_only(client, operations, account):
    scored(account)

    response = get(client, operations, account)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Voestalpine Metal Forming" in html
    assert "Quote within 24 hours" in html
    assert 'class="badge commitment-breached">Breached</span>' in html
    for hidden in [
        "Petra Purchasing",
        "Decision-making unit",
        "Why this score",
        "Current figures",
        "1,234,567.89",
        "Plan 2026",
        "Joint forecasting",
        "Top decile",
    ]:
        assert hidden not in html, hidden
    page = response.context["page"]
    assert page.contacts == page.plans == page.criterion_scores == []
    assert page.score is None


@pytest.mark.parametrize("rows", [5, 200])
def test_director_page_query_count_is_fixed(
    client, director, django_assert_num_queries, rows, account
):
    for i in range(rows):
        factories.ContactFactory(account=account)
        factories.TeamMembershipFactory(account=account, user=factories.UserFactory())
        factories.CommitmentFactory(account=account, promise=f"Promise {i}")
        interaction = Interaction.objects.create(
            account=account,
            occurred_on=dt.date(2026, 1, 1) + dt.timedelta(days=i),
            kind=InteractionKind.CALL,
            subject=f"Call {i}",
        )
        interaction.contacts.set(account.contacts.all()[:3])
        interaction.our_people.set([account.kam])
    scored(account)
    client.force_login(director)

    with django_assert_num_queries(DIRECTOR_PAGE_QUERIES):
        response = client.get(url(account))

    assert len(response.context["page"].contacts) == rows + 1
    assert len(response.context["page"].commitments) == rows + 2
