"""Groups in the services: moves with history, cycles refused, and what belongs to the unit of
selection refused on a member with a message naming its group."""

from __future__ import annotations

import pytest

from accounts.models import Account, AccountStatus, FunctionalRole, Stage, ancestor_ids
from accounts.selectors.history import account_history
from accounts.services import (
    account_change_stage,
    account_designate,
    account_move,
    team_member_add,
)
from kam.errors import DomainError
from tests import factories


@pytest.fixture
def tree(db):
    group = factories.AccountFactory(erp_code="G", name="Group")
    entity = factories.AccountFactory(erp_code="E", name="Entity", parent=group)
    plant = factories.AccountFactory(erp_code="P", name="Plant", parent=entity)
    return group, entity, plant


def test_ancestors_and_subtree_are_read_in_one_query_each(tree, django_assert_num_queries):
    group, entity, plant = tree
    with django_assert_num_queries(1):
        assert ancestor_ids(plant.pk) == [entity.pk, group.pk]
    with django_assert_num_queries(1):
        assert set(Account.objects.subtree(group.pk).values_list("pk", flat=True)) == {
            group.pk,
            entity.pk,
            plant.pk,
        }


def test_putting_a_group_under_its_own_plant_is_refused(tree, director):
    group, _entity, plant = tree
    with pytest.raises(DomainError, match="would make a cycle"):
        account_move(account=group, parent=plant, reason="reorganised", actor=director)
    with pytest.raises(DomainError, match="would make a cycle"):
        account_move(account=group, parent=group, reason="reorganised", actor=director)
    group.refresh_from_db()
    assert group.parent is None


def test_a_move_needs_a_reason_and_writes_history(tree, director):
    _group, entity, plant = tree
    other = factories.AccountFactory(erp_code="O", name="Other group")
    with pytest.raises(DomainError, match="reason"):
        account_move(account=entity, parent=other, reason=" ", actor=director)

    account_move(account=entity, parent=other, reason="sold to Other", actor=director)

    entity.refresh_from_db()
    assert entity.parent == other
    newest = entity.history.order_by("-history_id").first()
    assert newest.history_change_reason == "Group: Group -> Other group: sold to Other"
    assert newest.history_user == director
    # the plant moved with its entity
    assert ancestor_ids(plant.pk) == [entity.pk, other.pk]


def test_a_kam_cannot_move_an_account(tree, kam):
    _group, entity, _plant = tree
    with pytest.raises(DomainError):
        account_move(account=entity, parent=None, reason="x", actor=kam)


def test_a_key_account_cannot_become_a_member(tree, director):
    group, _entity, _plant = tree
    key = factories.KeyAccountFactory(name="Keyco")
    with pytest.raises(DomainError, match="designation belongs to the top of a group"):
        account_move(account=key, parent=group, reason="bought", actor=director)


def test_designating_a_member_is_refused_pointing_at_its_group(tree, director):
    _group, _entity, plant = tree
    kam = factories.KamFactory()
    with pytest.raises(DomainError) as refused:
        account_designate(
            account=plant, status=AccountStatus.KEY, kam=kam, reason="big", actor=director
        )
    assert str(refused.value) == (
        "Plant belongs to the group Group (G): designation belongs to the group, the unit of "
        "selection. Open the group's page instead."
    )
    plant.refresh_from_db()
    assert plant.status == AccountStatus.STANDARD


def test_the_group_itself_can_be_designated(tree, director):
    group, _entity, _plant = tree
    kam = factories.KamFactory()
    account_designate(
        account=group, status=AccountStatus.KEY, kam=kam, reason="big", actor=director
    )
    group.refresh_from_db()
    assert group.status == AccountStatus.KEY


def test_stage_and_team_of_a_member_are_refused(tree, admin_user):
    _group, entity, _plant = tree
    with pytest.raises(DomainError, match="the relationship stage belongs to the group"):
        account_change_stage(account=entity, to_stage=Stage.TACTICAL, reason="x", actor=admin_user)
    with pytest.raises(DomainError, match="the account team belongs to the group"):
        team_member_add(
            account=entity,
            user=factories.KamFactory(),
            functional_role=FunctionalRole.SALES,
            actor=admin_user,
        )


def test_the_admin_action_moves_accounts_through_the_service(client, tree, admin_user):
    _group, entity, _plant = tree
    other = factories.AccountFactory(erp_code="O", name="Other")
    client.force_login(admin_user)
    url = "/admin/accounts/account/"

    def act(code, *accounts):
        return client.post(
            url,
            {
                "action": "move_to_group",
                "_selected_action": [a.pk for a in accounts],
                "group_erp_code": code,
            },
            follow=True,
        )

    moved = act("O", entity)
    assert "1 account(s) moved." in moved.content.decode()
    entity.refresh_from_db()
    assert entity.parent == other
    assert entity.history.order_by("-history_id").first().history_user == admin_user

    refused = act("P", other)  # Other under the plant, which is below it now: a cycle
    assert "would make a cycle" in refused.content.decode()
    other.refresh_from_db()
    assert other.parent is None


def test_a_move_is_a_line_of_the_accounts_history_with_both_groups(tree, director):
    group, entity, _plant = tree
    other = factories.AccountFactory(erp_code="O", name="Other group")
    account_move(account=entity, parent=other, reason="sold to Other", actor=director)

    newest = account_history(account=entity, limit=5)[0]

    assert newest.who == director
    assert [(c.label, c.before, c.after) for c in newest.changes] == [
        ("Group (parent account)", str(group), str(other))
    ]
