"""The white-space map: the run's per-category revenue, the spend estimates, the cells' share,
headroom, white space and data-quality flag, the page, its download and who may see it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import ProductCategory
from scoring import services
from scoring.models import AccountScore, CategoryRevenue, RunTrigger, SpendEstimate, SpendSource
from scoring.whitespace import spend_estimate_save, white_space_map
from tests import factories

AS_OF = dt.date(2026, 6, 30)


def run_now():
    run = services.run_request(trigger=RunTrigger.MANUAL, as_of=AS_OF)
    return services.run_recompute(run=run)


def line(account, category, revenue, day=dt.date(2026, 3, 15), n=[0]):  # noqa: B006
    n[0] += 1
    return factories.SalesLineFactory(
        account=account,
        product_category=category,
        revenue=Decimal(revenue),
        cost_of_goods=Decimal(0),
        date=day,
        erp_document=f"WS{n[0]:05d}",
    )


@pytest.fixture
def mapped(db, kam):
    """One key account, three product categories of ours and one bought only elsewhere.

    category    our T12 revenue   estimate (year)        cell
    Bearings              600     1,000 (2026)           60.0%, headroom 400
    Seals                 300       200 (2026)           estimate below revenue: flagged
    Drives                  0       500 (2025; 2027 ign.) white space, headroom 500
    Sensors               100     (none)                  no estimate
    A line of 2025-03-01 (before the T12 window, 2025-07-01..2026-06-30) is not counted.
    """
    account = factories.KeyAccountFactory(name="Mapped", kam=kam, category_spend=Decimal(9999))
    line(account, "Bearings", 400)
    line(account, "Bearings", 200)
    line(account, "Seals", 300)
    line(account, "Sensors", 100)
    line(account, "Drives", 700, day=dt.date(2025, 3, 1))
    director = factories.DirectorFactory()
    for name, year, spend in (
        ("Bearings", 2026, 1000),
        ("Bearings", 2024, 50),
        ("Seals", 2026, 200),
        ("Drives", 2025, 500),
        ("Drives", 2027, 9000),
    ):
        category, _ = ProductCategory.objects.get_or_create(name=name)
        spend_estimate_save(
            account=account,
            category=category,
            year=year,
            actor=director,
            estimated_spend=Decimal(spend),
            source=SpendSource.MARKET_STUDY,
            competitor="Rival AG" if name == "Drives" else "",
        )
    return account


def test_the_run_writes_revenue_per_category_and_uses_the_estimates_as_category_spend(mapped):
    run = run_now()
    assert dict(
        CategoryRevenue.objects.filter(run=run, account=mapped).values_list("category", "revenue")
    ) == {"Bearings": Decimal(600), "Seals": Decimal(300), "Sensors": Decimal(100)}
    score = AccountScore.objects.get(run=run, account=mapped)
    # the estimates' sum (latest year up to 2026 per category): 1,000 + 200 + 500 = 1,700,
    # not the 9,999 entered on the account; T12 revenue 1,000 => share 58.82%, headroom 700
    assert score.category_spend == Decimal(1700)
    assert score.category_spend_estimated is True
    assert score.share_of_wallet_pct == Decimal("58.82")
    assert score.headroom == Decimal(700)
    # the categories named on sales lines joined the managed list
    assert set(ProductCategory.objects.values_list("name", flat=True)) >= {"Sensors"}


def test_an_account_without_estimates_keeps_its_entered_category_spend(db, kam):
    account = factories.KeyAccountFactory(kam=kam, category_spend=Decimal(2000))
    line(account, "Bearings", 500)
    run = run_now()
    score = AccountScore.objects.get(run=run, account=account)
    assert score.category_spend == Decimal(2000)
    assert score.category_spend_estimated is False
    assert score.share_of_wallet_pct == Decimal("25.00")


def test_the_map_cells_by_hand(mapped):
    run = run_now()
    space = white_space_map(mapped, run)
    assert space.categories == ["Bearings", "Drives", "Seals", "Sensors"]
    bearings, drives, seals, sensors = space.rows[0].cells
    assert (bearings.revenue, bearings.spend, bearings.share_pct, bearings.headroom) == (
        Decimal(600),
        Decimal(1000),
        Decimal("60.0"),
        Decimal(400),
    )
    assert not bearings.white_space
    assert drives.white_space and drives.headroom == Decimal(500) and drives.estimate.year == 2025
    assert drives.estimate.competitor == "Rival AG"
    assert seals.over_estimate and seals.share_pct is None and seals.headroom is None
    assert sensors.spend is None and sensors.share_pct is None
    # the row total: revenue 1,000 over estimates 1,700, but one cell's estimate is wrong, so
    # the total's share is unknown too
    assert space.rows[0].totals.revenue == Decimal(1000)
    assert space.rows[0].totals.spend == Decimal(1700)
    assert space.rows[0].totals.share_pct is None
    assert space.white_space_cells == 1 and space.over_estimate_cells == 1


def test_the_page_draws_the_map_with_its_figures(
    client, kam, mapped, django_assert_max_num_queries
):
    run_now()
    client.force_login(kam)
    url = reverse("accounts:white_space", args=[mapped.pk])
    with django_assert_max_num_queries(14):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="white-space-map"' in html
    assert "60.0% · room 400" in html
    assert "White space" in html and "vs Rival AG" in html
    assert "estimate below our revenue" in html
    assert 'data-testid="estimate-below-revenue"' in html


def test_the_download_has_one_row_per_cell(client, kam, mapped):
    run_now()
    client.force_login(kam)
    response = client.get(reverse("accounts:white_space", args=[mapped.pk]), {"format": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Account,ERP code,Parent ERP code,Product category,Our revenue")
    assert len(lines) == 1 + 4
    drives = next(row for row in lines if ",Drives," in row)
    assert ",0,500" in drives.replace(".00", "")


def test_entering_an_estimate_on_the_page(client, kam, mapped):
    client.force_login(kam)
    url = reverse("accounts:white_space", args=[mapped.pk])
    response = client.post(
        url,
        {
            "new_category": "  Hydraulics  ",
            "year": "2026",
            "estimated_spend": "750",
            "source": SpendSource.KAM_ESTIMATE,
        },
    )
    assert response.status_code == 302
    estimate = SpendEstimate.objects.get(account=mapped, category__name="Hydraulics")
    assert estimate.estimated_spend == Decimal(750) and estimate.entered_by == kam
    assert estimate.history.count() == 1
    # again: replaces it, history kept
    response = client.post(
        url,
        {
            "category": estimate.category_id,
            "year": "2026",
            "estimated_spend": "800",
            "source": SpendSource.CUSTOMER,
        },
    )
    assert response.status_code == 302
    estimate.refresh_from_db()
    assert estimate.estimated_spend == Decimal(800) and estimate.version == 2
    assert estimate.history.count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"year": "2026", "estimated_spend": "10", "source": "customer"}, "category"),
        (
            {"new_category": "X", "year": "1800", "estimated_spend": "10", "source": "customer"},
            "year",
        ),
        (
            {"new_category": "X", "year": "2026", "estimated_spend": "-1", "source": "customer"},
            "estimated_spend",
        ),
        (
            {"new_category": "X", "year": "2026", "estimated_spend": "1", "source": "guess"},
            "source",
        ),
        (
            {
                "new_category": "X",
                "year": "2026",
                "estimated_spend": "1",
                "source": "customer",
                "competitor_share_pct": "120",
            },
            "competitor_share_pct",
        ),
        (
            {
                "new_category": "Uncategorised",
                "year": "2026",
                "estimated_spend": "1",
                "source": "customer",
            },
            "__all__",
        ),
    ],
)
def test_bad_estimates_are_refused_with_a_message_and_nothing_saved(
    client, kam, mapped, data, field
):
    client.force_login(kam)
    before = SpendEstimate.objects.count()
    response = client.post(reverse("accounts:white_space", args=[mapped.pk]), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert SpendEstimate.objects.count() == before


def test_who_may_see_and_estimate(client, mapped, kam):
    url = reverse("accounts:white_space", args=[mapped.pk])
    client.force_login(factories.OperationsFactory())
    assert client.get(url).status_code == 404  # operations see no account details
    client.force_login(factories.KamFactory())
    assert client.get(url).status_code == 404  # another KAM's account
    client.force_login(factories.DirectorFactory())
    response = client.get(url)
    assert response.status_code == 200 and response.context["form"] is not None
    member = factories.UserFactory()
    factories.TeamMembershipFactory(account=mapped, user=member)
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200 and response.context["form"] is None
    response = client.post(
        url, {"new_category": "X", "year": "2026", "estimated_spend": "1", "source": "customer"}
    )
    assert response.status_code == 404
