"""The API's account resource shows a group's parent and members, and ?subtree= lists it."""

from __future__ import annotations

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
