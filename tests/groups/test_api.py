"""The API's account resource shows a group's parent and members, and ?subtree= lists it."""

from __future__ import annotations

import datetime as dt

from scoring.models import GroupSnapshot
from tests import factories
from tests.api.conftest import client_for, token_for


def test_the_account_resource_shows_parent_and_members_and_filters_a_subtree(db):
    director = factories.DirectorFactory()
    group = factories.AccountFactory(erp_code="G", name="Group")
    entity = factories.AccountFactory(erp_code="E", name="Entity", parent=group)
    plant = factories.AccountFactory(erp_code="P", name="Plant", parent=entity)
    other = factories.AccountFactory(erp_code="S", name="Standalone")
    api = client_for(token_for(director))

    detail = api.get(f"/api/v1/accounts/{group.pk}/").json()
    assert (detail["parent"], detail["members"]) == (None, [entity.pk])
    assert api.get(f"/api/v1/accounts/{entity.pk}/").json()["parent"] == group.pk

    listed = api.get(f"/api/v1/accounts/?subtree={entity.pk}").json()["results"]
    assert sorted(row["id"] for row in listed) == sorted([entity.pk, plant.pk])
    tops = api.get("/api/v1/accounts/?top_level=true").json()["results"]
    assert sorted(row["id"] for row in tops) == sorted([group.pk, other.pk])


def test_the_groups_kam_sees_its_members_and_another_kam_does_not(db):
    group = factories.KeyAccountFactory(erp_code="G", name="Group")
    entity = factories.AccountFactory(erp_code="E", name="Entity", parent=group)
    plant = factories.AccountFactory(erp_code="P", name="Plant", parent=entity)

    own = client_for(token_for(group.kam))
    seen = own.get("/api/v1/accounts/").json()["results"]
    assert sorted(row["id"] for row in seen) == sorted([group.pk, entity.pk, plant.pk])
    assert own.get(f"/api/v1/accounts/{plant.pk}/").status_code == 200

    stranger = client_for(token_for(factories.KamFactory()))
    assert stranger.get(f"/api/v1/accounts/{plant.pk}/").status_code == 404


def test_group_snapshots_are_read_by_the_groups_people_and_filtered_by_group_and_quarter(db):
    group = factories.KeyAccountFactory(erp_code="G", name="Group")
    factories.AccountFactory(erp_code="E", name="Entity", parent=group)
    other = factories.KeyAccountFactory(erp_code="O", name="Other group")
    for account in (group, other):
        for month in (1, 4):
            GroupSnapshot.objects.create(
                account=account, period_start=dt.date(2026, month, 1), revenue=100, members=1
            )

    own = client_for(token_for(group.kam))
    rows = own.get("/api/v1/group-snapshots/").json()["results"]
    assert [(row["account"], row["period_start"]) for row in rows] == [
        (group.pk, "2026-04-01"),
        (group.pk, "2026-01-01"),
    ]
    assert rows[0]["members"] == 1

    director = client_for(token_for(factories.DirectorFactory()))
    assert director.get("/api/v1/group-snapshots/").json()["count"] == 4
    only = director.get(f"/api/v1/group-snapshots/?account={other.pk}&period_from=2026-04-01")
    assert [row["account"] for row in only.json()["results"]] == [other.pk]

    hidden = GroupSnapshot.objects.get(account=other, period_start=dt.date(2026, 1, 1))
    assert own.get(f"/api/v1/group-snapshots/{hidden.pk}/").status_code == 404


def test_the_score_resource_filters_units_and_a_groups_members(db):
    from tests.whitespace.test_map import run_now

    director = factories.DirectorFactory()
    group = factories.AccountFactory(erp_code="G", name="Group")
    entity = factories.AccountFactory(erp_code="E", name="Entity", parent=group)
    plant = factories.AccountFactory(erp_code="P", name="Plant", parent=entity)
    other = factories.AccountFactory(erp_code="S", name="Standalone")
    run_now()
    api = client_for(token_for(director))

    def ids(query: str) -> list[int]:
        rows = api.get(f"/api/v1/scores/?{query}").json()["results"]
        return sorted(row["account"] for row in rows)

    assert ids("is_unit=true") == sorted([group.pk, other.pk])
    assert ids("is_unit=false") == sorted([entity.pk, plant.pk])
    assert ids(f"group={group.pk}") == sorted([entity.pk, plant.pk])
    assert ids(f"group={other.pk}") == []
