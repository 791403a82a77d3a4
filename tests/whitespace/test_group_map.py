"""The white-space map of a group of companies: one row per account of the subtree (the top's
own row first, then its members in tree order), the cells, row, column and group totals by
hand, the group's scored category spend against the map's totals, opportunities at a member
(and refused outside the group: service, page and API), and a query count that does not
grow with members or categories."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import ProductCategory
from kam.errors import InvalidInput
from plans.models import Opportunity
from plans.services import opportunities as opportunity_services
from scoring.models import AccountScore, SpendSource
from scoring.whitespace import map_accounts, spend_estimate_save, white_space_map
from tests import factories
from tests.api.conftest import client_for, token_for
from tests.whitespace.test_map import line, run_now

FAR = dt.date(2099, 7, 1)


def estimate(account, name, spend, actor, year=2026):
    category, _ = ProductCategory.objects.get_or_create(name=name)
    return spend_estimate_save(
        account=account,
        category=category,
        year=year,
        actor=actor,
        estimated_spend=Decimal(spend),
        source=SpendSource.MARKET_STUDY,
    )


@pytest.fixture
def group(db, kam):
    """A group: the top "Group AG" and two members, "Alpha" and "Beta"; three categories.

    account    Bearings (rev / est)   Seals (rev / est)   Drives (rev / est)   entered spend
    Group AG   250 / 1,000            0 / -               0 / -                9,999 (ignored)
    Alpha      300 /   600            150 / 100 (!)       0 / 400 (white)      8,888 (ignored)
    Beta         0 / -                100 / -             0 / -                5,000 (no estimate)

    The estimate of 1,000 on the top is entered at the group level: it is the top's own row
    (never spread over the members), and the column and group totals add the rows.
    """
    director = factories.DirectorFactory()
    top = factories.KeyAccountFactory(
        name="Group AG", erp_code="G100", kam=kam, category_spend=Decimal(9999)
    )
    alpha = factories.AccountFactory(
        name="Alpha", erp_code="A200", parent=top, category_spend=Decimal(8888)
    )
    beta = factories.AccountFactory(
        name="Beta", erp_code="B300", parent=top, category_spend=Decimal(5000)
    )
    line(top, "Bearings", 250)
    line(alpha, "Bearings", 300)
    line(alpha, "Seals", 150)
    line(beta, "Seals", 100)
    estimate(top, "Bearings", 1000, director)
    estimate(alpha, "Bearings", 600, director)
    estimate(alpha, "Seals", 100, director)
    estimate(alpha, "Drives", 400, director)
    return top, alpha, beta


def figures(totals):
    return totals.revenue, totals.spend, totals.share_pct, totals.headroom


def test_the_group_map_by_hand(group):
    top, alpha, beta = group
    run = run_now()
    space = white_space_map(top, run)

    assert space.categories == ["Bearings", "Drives", "Seals"]
    assert [(row.account.name, row.depth) for row in space.rows] == [
        ("Group AG", 0),
        ("Alpha", 1),
        ("Beta", 1),
    ]
    own, a, b = space.rows
    bearings, drives, seals = own.cells
    # Group AG's own row: Bearings 250 / 1,000 = 25.0 %, headroom 1,000 - 250 = 750.
    assert (bearings.revenue, bearings.spend, bearings.share_pct, bearings.headroom) == (
        Decimal(250),
        Decimal(1000),
        Decimal("25.0"),
        Decimal(750),
    )
    assert drives.spend is None and seals.spend is None
    # Row total = its only estimated cell: 250 / 1,000, 25.0 %, headroom 750.
    assert figures(own.totals) == (Decimal(250), Decimal(1000), Decimal("25.0"), Decimal(750))
    assert own.entered_spend is None  # it has an estimate: the entered 9,999 is not used

    bearings, drives, seals = a.cells
    # Alpha: Bearings 300 / 600 = 50.0 %, headroom 300.
    assert (bearings.share_pct, bearings.headroom) == (Decimal("50.0"), Decimal(300))
    # Drives: 400 estimated, none of our revenue: white space, headroom 400, share 0.0 %.
    assert drives.white_space and drives.headroom == Decimal(400)
    assert drives.share_pct == Decimal("0.0")
    # Seals: our 150 above the estimated 100: flagged, neither share nor headroom.
    assert seals.over_estimate and seals.share_pct is None and seals.headroom is None
    # Row total: revenue 300 + 0 + 150 = 450, spend 600 + 400 + 100 = 1,100; flagged cell: no
    # share, no headroom.
    assert figures(a.totals) == (Decimal(450), Decimal(1100), None, None)
    assert a.totals.over_estimate

    # Beta: no estimate at all. Its row: revenue 100 (Seals), no spend; the run scores it with
    # the 5,000 entered on it.
    assert [cell.spend for cell in b.cells] == [None, None, None]
    assert figures(b.totals) == (Decimal(100), Decimal(0), None, None)
    assert b.entered_spend == Decimal(5000)

    bearings, drives, seals = space.column_totals
    # Bearings: revenue 250 + 300 + 0 = 550, spend 1,000 + 600 = 1,600; 550 / 1,600 = 34.375
    # -> 34.4 %; headroom 1,050.
    assert figures(bearings) == (Decimal(550), Decimal(1600), Decimal("34.4"), Decimal(1050))
    # Drives: 0 of 400: 0.0 %, headroom 400.
    assert figures(drives) == (Decimal(0), Decimal(400), Decimal("0.0"), Decimal(400))
    # Seals: revenue 150 + 100 = 250, spend 100 (Alpha's, flagged): no share, no headroom.
    assert figures(seals) == (Decimal(250), Decimal(100), None, None)
    # The group: revenue 250 + 450 + 100 = 800; estimated spend 1,000 + 1,100 = 2,100; a
    # flagged cell, so no share.
    assert figures(space.total) == (Decimal(800), Decimal(2100), None, None)
    assert space.white_space_cells == 1 and space.over_estimate_cells == 1

    # What scoring uses for the group: the sum over its accounts of each one's category spend
    # (its estimates' sum, else the entered figure): 1,000 + 1,100 + 5,000 = 7,100 = the map's
    # estimated 2,100 + Beta's entered 5,000. Its revenue is the map's 800.
    scored = AccountScore.objects.get(run=run, account=top)
    assert scored.category_spend == Decimal(7100) == space.scoring_spend
    assert space.spend_as_scored == Decimal(7100) and not space.spend_differs
    assert scored.revenue == space.total.revenue == Decimal(800)
    assert AccountScore.objects.get(run=run, account=alpha).category_spend == Decimal(1100)
    assert AccountScore.objects.get(run=run, account=beta).category_spend == Decimal(5000)


def test_an_estimate_changed_after_the_run_is_said_on_the_page(client, kam, group):
    top, _alpha, beta = group
    run = run_now()
    estimate(beta, "Seals", 300, kam)  # Beta now estimated: its 5,000 entered no longer counts

    space = white_space_map(top, run)
    # Scored 7,100; the map now: 2,100 + 300 = 2,400 estimated, nothing entered.
    assert space.scoring_spend == Decimal(7100)
    assert space.spend_as_scored == Decimal(2400) and space.spend_differs
    client.force_login(kam)
    html = client.get(reverse("accounts:white_space", args=[top.pk])).content.decode()
    assert 'data-testid="spend-differs"' in html and "adds up to 2,400" in html


def test_the_page_draws_one_row_per_member_with_its_erp_code(client, kam, group):
    top, alpha, _beta = group
    plant = factories.AccountFactory(name="Alpha plant", erp_code="A210", parent=alpha)
    line(plant, "Drives", 70)
    run_now()
    plan = factories.started_plan(top, kam, title="Grow the group", review_date=FAR)
    client.force_login(kam)

    response = client.get(reverse("accounts:white_space", args=[top.pk]))

    html = response.content.decode()
    rows = response.context["space"].rows
    assert [(row.account.erp_code, row.depth) for row in rows] == [
        ("G100", 0),
        ("A200", 1),
        ("A210", 2),
        ("B300", 1),
    ]
    positions = [html.index(code) for code in ("G100", "A200", "A210", "B300")]
    assert positions == sorted(positions)
    assert 'data-depth="2"' in html and "padding-left: 2rem" in html
    assert "Group total" in html
    assert 'data-testid="spend-as-scored"' in html
    assert "scored with the entered spend 5,000" in html  # Beta's row
    # A cell of Alpha's row pre-fills Alpha as the opportunity's member.
    create = reverse("plans:opportunity_create", args=[plan.pk])
    drives = ProductCategory.objects.get(name="Drives")
    assert f"{create}?category={drives.pk}&amp;member={alpha.pk}" in html
    assert f"{create}?category={drives.pk}&amp;member={plant.pk}" in html


def test_the_download_has_each_members_cells_with_its_parent(client, kam, group):
    top, alpha, _beta = group
    plant = factories.AccountFactory(name="Alpha plant", erp_code="A210", parent=alpha)
    line(plant, "Drives", 70)
    run_now()
    client.force_login(kam)

    response = client.get(reverse("accounts:white_space", args=[top.pk]), {"format": "csv"})

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *lines = text.splitlines()
    assert "Parent ERP code" in header
    # 4 accounts x 3 categories, in the map's order; a member names its parent.
    assert len(lines) == 12
    assert [line.split(",")[1:3] for line in lines[::3]] == [
        ["G100", ""],
        ["A200", "G100"],
        ["A210", "A200"],
        ["B300", "G100"],
    ]


def test_a_standalone_account_keeps_one_row(db, kam):
    alone = factories.KeyAccountFactory(kam=kam)
    assert [(a.pk, a.depth) for a in map_accounts(alone)] == [(alone.pk, 0)]


def test_a_members_map_is_its_own_subtree_and_its_cells_go_to_the_groups_plan(client, kam, group):
    top, alpha, _beta = group
    plant = factories.AccountFactory(name="Alpha plant", erp_code="A210", parent=alpha)
    run_now()
    plan = factories.started_plan(top, kam, title="Grow the group", review_date=FAR)

    space = white_space_map(alpha, None)

    assert [row.account for row in space.rows] == [alpha, plant]
    assert space.plan == plan
    assert space.scoring_spend is None  # a member is not a unit of selection


def opportunity_fields(plan, member, category):
    return {
        "category": category,
        "member": member,
        "estimated_value": Decimal("20000.00"),
        "probability": 40,
        "expected_close": dt.date(2026, 10, 31),
        "owner": plan.account.kam,
    }


def test_an_opportunity_is_at_any_account_of_the_group_and_never_outside(kam, group):
    top, alpha, beta = group
    plant = factories.AccountFactory(name="Alpha plant", erp_code="A210", parent=alpha)
    outsider = factories.AccountFactory(name="Elsewhere")
    plan = factories.started_plan(top, kam, title="Grow the group", review_date=FAR)
    drives = ProductCategory.objects.get(name="Drives")

    assert set(opportunity_services.opportunity_members(plan)) == {top, alpha, beta, plant}
    assert [(m.name, m.depth) for m in opportunity_services.member_choices(plan)] == [
        ("Group AG", 0),
        ("Alpha", 1),
        ("Alpha plant", 2),
        ("Beta", 1),
    ]
    made = opportunity_services.opportunity_create(
        plan=plan, actor=kam, **opportunity_fields(plan, plant, drives)
    )
    assert made.member == plant
    with pytest.raises(InvalidInput) as refused:
        opportunity_services.opportunity_create(
            plan=plan, actor=kam, **opportunity_fields(plan, outsider, drives)
        )
    assert "member" in refused.value.errors
    with pytest.raises(InvalidInput):
        opportunity_services.opportunity_update(
            opportunity=made, expected_version=made.version, actor=kam, member=outsider
        )
    assert Opportunity.objects.get().member == plant


def test_the_form_offers_the_members_prefills_the_cells_and_refuses_an_outsider(client, kam, group):
    top, alpha, beta = group
    outsider = factories.AccountFactory(name="Elsewhere")
    plan = factories.started_plan(top, kam, title="Grow the group", review_date=FAR)
    drives = ProductCategory.objects.get(name="Drives")
    client.force_login(kam)
    url = reverse("plans:opportunity_create", args=[plan.pk])

    form = client.get(url, {"category": drives.pk, "member": alpha.pk}).context["form"]

    assert form.initial["member"] == alpha.pk
    assert [label for _, label in form.fields["member"].choices] == [
        "Group AG (G100)",
        "— Alpha (A200)",
        "— Beta (B300)",
    ]
    body = {
        "category": drives.pk,
        "estimated_value": "20000",
        "probability": 40,
        "expected_close": "2026-10-31",
        "owner": kam.pk,
        "status": "open",
    }
    refused = client.post(url, {**body, "member": outsider.pk})
    assert refused.status_code == 400
    assert "member" in refused.context["form"].errors
    assert not Opportunity.objects.exists()
    saved = client.post(url, {**body, "member": beta.pk})
    assert saved.status_code == 302
    assert Opportunity.objects.get().member == beta


def test_the_api_refuses_a_member_outside_the_group(kam, group):
    top, alpha, _beta = group
    outsider = factories.AccountFactory(name="Elsewhere")
    plan = factories.started_plan(top, kam, title="Grow the group", review_date=FAR)
    drives = ProductCategory.objects.get(name="Drives")
    api = client_for(token_for(kam))
    body = {
        "plan": plan.pk,
        "category": drives.pk,
        "estimated_value": "20000.00",
        "probability": 40,
        "expected_close": "2026-10-31",
        "owner": kam.pk,
    }
    url = reverse("api:opportunity-list")

    refused = api.post(url, {**body, "member": outsider.pk}, format="json")
    assert refused.status_code == 400, refused.content
    assert "member" in refused.json()
    made = api.post(url, {**body, "member": alpha.pk}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["member"] == alpha.pk


# The group's map page as its KAM reads it; the same count for a group of 2 members and
# 3 categories and for 12 members and 10 categories: session, user, groups, the account, the
# current run, the estimate form's categories, the map's rows (the subtree), the category
# revenue, the estimates, the won opportunities, the categories' ids, the account's plans and
# the unread notifications.
GROUP_MAP_QUERIES = 13


@pytest.mark.parametrize(("members", "categories"), [(2, 3), (12, 10)])
def test_the_group_map_reads_a_fixed_number_of_queries(
    client, kam, members, categories, django_assert_max_num_queries
):
    director = factories.DirectorFactory()
    top = factories.KeyAccountFactory(kam=kam)
    accounts = [top]
    for index in range(members):
        # Every third member under the previous one: the tree has depth too.
        parent = accounts[-1] if index % 3 == 2 else top
        accounts.append(factories.AccountFactory(parent=parent, name=f"Member {index:02d}"))
    for index in range(categories):
        name = f"Line {index:02d}"
        for position, account in enumerate(accounts):
            if (position + index) % 4:  # one cell in four without our revenue
                line(account, name, 100 + index)
            estimate(account, name, 1000, director)
    run_now()
    client.force_login(kam)

    with django_assert_max_num_queries(GROUP_MAP_QUERIES):
        response = client.get(reverse("accounts:white_space", args=[top.pk]))

    space = response.context["space"]
    assert len(space.rows) == members + 1 and len(space.categories) == categories
    assert space.white_space_cells > 0


@pytest.mark.parametrize(
    "value",
    ["0", "0.5", "1.5", "2.5", "999.49", "999.5", "1234.5", "-1234.56", "1234567.891", "12.05"],
)
@pytest.mark.parametrize("places", [0, 1, 2])
def test_the_grids_number_format_is_the_apps(value, places):
    from kam.templatetags.kam_format import grouped
    from scoring.templatetags.white_space import number_formatter

    assert number_formatter()(Decimal(value), places) == grouped(Decimal(value), places)
    assert number_formatter()(None, places) == grouped(None, places)
