"""The team picker offers only people who may be on an account's team (kam/rules.py
`may_join_a_team`): active functional staff without a role, key account managers and sales
directors; never operations, administrators or inactive people. The service refuses the others
whichever way they are sent (page or API)."""

import pytest
from django.urls import reverse

from accounts.models import TeamMembership
from accounts.selectors.accounts import team_candidates
from accounts.services import team_member_add
from kam import rules as kam_rules
from kam.errors import DomainError
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(key_account):
    """One of each kind of person, named so the expected order is plain to read."""
    member = factories.UserFactory(username="member", first_name="Mia", last_name="Member")
    factories.TeamMembershipFactory(account=key_account, user=member)
    return {
        "staff": factories.UserFactory(username="eng", first_name="Erik", last_name="Berg"),
        "namesake": factories.UserFactory(username="eng2", first_name="Erik", last_name="Berg"),
        "other_kam": factories.KamFactory(username="k2", first_name="Karl", last_name="Dahl"),
        "director": factories.DirectorFactory(username="dir", first_name="Dora", last_name="Ek"),
        "kam_and_admin": factories.AdminFactory(
            username="both", first_name="Bo", last_name="Fors", role=kam_rules.KAM_GROUP
        ),
        "operations": factories.OperationsFactory(username="ops", last_name="Ops"),
        "superuser": factories.AdminFactory(username="root", last_name="Root"),
        "admin_group": factories.UserFactory(
            username="admin-group", last_name="Adm", role=kam_rules.ADMIN_GROUP
        ),
        "inactive": factories.UserFactory(username="gone", last_name="Gone", is_active=False),
        "member": member,
    }


def test_the_picker_lists_staff_kams_and_directors_by_name(key_account, people):
    candidates = team_candidates(key_account)

    # Berg (twice: the first created first), Dahl, Ek, Fors; the account's own KAM and its
    # member are not offered, nor operations, administrators or the inactive.
    assert [person.username for person in candidates] == ["eng", "eng2", "k2", "dir", "both"]


def test_the_picker_offers_exactly_who_the_rule_lets_join(key_account, people):
    offered = {person.pk for person in team_candidates(key_account)}

    for name, person in people.items():
        if name != "member":
            assert (person.pk in offered) == kam_rules.may_join_a_team(person), name


def test_the_account_page_picker_shows_only_those_people(client, key_account, kam, people):
    client.force_login(kam)

    form = client.get(reverse("accounts:detail", args=[key_account.pk])).context["team_form"]

    offered = [label for value, label in form.fields["user"].choices if value]
    names = ["staff", "namesake", "other_kam", "director", "kam_and_admin"]
    assert offered == [str(people[name]) for name in names]


@pytest.mark.parametrize("name", ["operations", "superuser", "admin_group", "inactive"])
def test_someone_who_may_not_join_is_refused_by_the_service(key_account, kam, people, name):
    with pytest.raises(DomainError, match="cannot be on an account team"):
        team_member_add(
            account=key_account, user=people[name], functional_role="logistics", actor=kam
        )

    assert not TeamMembership.objects.filter(account=key_account, user=people[name]).exists()


def test_a_posted_operations_user_is_not_a_valid_choice_on_the_page(
    client, key_account, kam, people
):
    client.force_login(kam)

    response = client.post(
        reverse("accounts:team_add", args=[key_account.pk]),
        {"user": people["operations"].pk, "functional_role": "logistics"},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["form"].errors["user"])
    assert not TeamMembership.objects.filter(user=people["operations"]).exists()


def test_the_api_refuses_an_operations_user_with_the_reason(client, key_account, kam, people):
    client.force_login(kam)

    response = client.post(
        reverse("api:teammember-list"),
        {
            "account": key_account.pk,
            "user": people["operations"].pk,
            "functional_role": "logistics",
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "cannot be on an account team" in str(response.json())
    assert not TeamMembership.objects.filter(user=people["operations"]).exists()


def test_staff_kams_and_directors_join(key_account, kam, people):
    for name, role in [
        ("staff", "engineering"),
        ("other_kam", "sales"),
        ("director", "executive_sponsor"),
    ]:
        team_member_add(account=key_account, user=people[name], functional_role=role, actor=kam)

    assert set(key_account.team_memberships.values_list("user__username", flat=True)) == {
        "member",
        "eng",
        "k2",
        "dir",
    }
