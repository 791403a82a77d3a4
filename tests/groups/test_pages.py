"""A group's page shows its tree with each entity's figures and shares, its DMU across members
and the members' commitments; a member's page links to its group; the list offers groups or
entities and a search finds a member with its group."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests import factories
from tests.accounts.test_account_list import make_run


@pytest.fixture
def group(db):
    g = factories.KeyAccountFactory(erp_code="G", name="Holding")
    e = factories.AccountFactory(erp_code="E", name="Entity", parent=g)
    p = factories.AccountFactory(erp_code="P", name="Plant", parent=e)
    standalone = factories.AccountFactory(erp_code="S", name="Standalone")
    # the group's row is its roll-up: 1000 of revenue, 200 of net profit; the entity's own 300
    # and 50, the plant's 600 and 100: the top's own 1000 - 300 - 600 = 100 and 200 - 150 = 50
    make_run(
        {
            g: {"revenue": Decimal(1000), "net_profit": Decimal(200), "members": 2},
            e: {"revenue": Decimal(300), "net_profit": Decimal(50), "is_unit": False, "group": g},
            p: {"revenue": Decimal(600), "net_profit": Decimal(100), "is_unit": False, "group": g},
            standalone: {"revenue": Decimal(10)},
        }
    )
    factories.ContactFactory(account=p, name="Plant Buyer")
    factories.ContactFactory(account=g, name="Group Buyer")
    factories.CommitmentFactory(account=p, promise="Plant deliveries on time")
    return g, e, p


def rows_of_tree(html: str) -> str:
    start = html.index('data-testid="group-tree"')
    return html[start : html.index("</table>", start)]


def test_the_groups_page_shows_each_entitys_figures_and_share(client, group):
    g, _e, _p = group
    client.force_login(factories.DirectorFactory())

    html = client.get(reverse("accounts:detail", args=[g.pk])).content.decode()

    tree = rows_of_tree(html)
    # own 100 of 1000 = 10.0 %, the entity 30.0 %, the plant 60.0 %; net 50, 50, 100 of 200
    for text in ("Holding (own)", "Entity", "Plant", "10.0 %", "30.0 %", "60.0 %", "25.0 %"):
        assert text in tree
    assert "50.0 %" in tree  # the plant's 100 of 200
    assert "Plant Buyer" in html and "Group Buyer" in html
    assert "Plant deliveries on time" in html


def test_a_members_page_links_to_its_group(client, group):
    g, _e, p = group
    client.force_login(factories.DirectorFactory())

    html = client.get(reverse("accounts:detail", args=[p.pk])).content.decode()

    assert 'data-testid="member-of"' in html
    assert reverse("accounts:detail", args=[g.pk]) in html


def test_the_list_shows_groups_by_default_entities_on_request_and_search_finds_members(
    client, group
):
    client.force_login(factories.DirectorFactory())
    url = reverse("accounts:list")

    def names(**params):
        return sorted(a.name for a in client.get(url, params).context["page_obj"])

    assert names() == ["Holding", "Standalone"]
    assert names(level="entities") == ["Entity", "Holding", "Plant", "Standalone"]
    assert names(q="Plant") == ["Plant"]
    assert "in group Entity" in client.get(url, {"q": "Plant"}).content.decode()


def test_a_groups_trends_are_its_group_snapshots_and_a_members_its_own(client, group):
    import datetime as dt

    from scoring.models import GroupSnapshot, MetricSnapshot

    g, _e, p = group
    quarter = dt.date(2026, 1, 1)
    GroupSnapshot.objects.create(account=g, period_start=quarter, revenue=Decimal(900), members=2)
    MetricSnapshot.objects.create(account=g, period_start=quarter, revenue=Decimal(0))
    MetricSnapshot.objects.create(account=p, period_start=quarter, revenue=Decimal(600))
    client.force_login(factories.DirectorFactory())

    def trend(account):
        page = client.get(reverse("accounts:detail", args=[account.pk])).context["page"]
        return [(type(s).__name__, s.revenue) for s in page.snapshots]

    assert trend(g) == [("GroupSnapshot", Decimal("900.00"))]
    assert trend(p) == [("MetricSnapshot", Decimal("600.00"))]
