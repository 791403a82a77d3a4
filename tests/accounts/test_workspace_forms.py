"""The workspace's forms: stage moves, contacts, team, ratings; who may post, what a refusal
keeps, and that a denied post changes nothing."""

import re

import pytest
from django.urls import reverse

from accounts.models import Contact, Stage, StageChange, TeamMembership
from accounts.services import contact_create, contact_update
from scoring.models import Criterion, Rating
from tests import factories

ROLES = ["anonymous", "other_kam", "own_kam", "team_kam", "director", "operations", "admin"]


def post_as(client, user, path, data):
    if user.is_authenticated:
        client.force_login(user)
    return client.post(path, data)


def expected(role, allowed, *, sees):
    """302 (done) for the allowed, 404 for those who cannot see what the form is about,
    403 for those who can but may not change it, the login redirect for the anonymous."""
    if role == "anonymous":
        return 302
    if role in allowed:
        return 302
    return 403 if role in sees else 404


ACCOUNT_SEERS = {"own_kam", "team_kam", "director", "operations", "admin"}
DETAIL_SEERS = {"own_kam", "team_kam", "director", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_who_moves_the_stage(client, people, key_account, role):
    response = post_as(
        client,
        people[role],
        reverse("accounts:stage_change", args=[key_account.pk]),
        {"to_stage": Stage.STRATEGIC, "reason": "Joint roadmap signed"},
    )

    allowed = {"own_kam", "team_kam", "admin"}
    assert response.status_code == expected(role, allowed, sees=ACCOUNT_SEERS)
    key_account.refresh_from_db()
    if role in allowed:
        assert key_account.stage == Stage.STRATEGIC
        change = StageChange.objects.get()
        assert (change.changed_by, change.reason) == (people[role], "Joint roadmap signed")
    else:
        assert key_account.stage == Stage.COOPERATIVE
        assert not StageChange.objects.exists()


def test_a_stage_move_without_a_reason_comes_back_with_what_was_chosen(client, kam, key_account):
    client.force_login(kam)

    response = client.post(
        reverse("accounts:stage_change", args=[key_account.pk]),
        {"to_stage": Stage.STRATEGIC, "reason": "   "},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html
    assert re.search(r'<option value="strategic" selected>', html)
    assert not StageChange.objects.exists()


def contact_data(kam, **overrides):
    data = {
        "name": "Petra Purchasing",
        "title": "CPO",
        "function": "Purchasing",
        "buying_role": "decision_maker",
        "influence": "5",
        "attitude": "supporter",
        "relationship_owner": str(kam.pk),
        "last_contact_on": "2026-05-04",
        "email": "",
        "phone": "",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_who_adds_a_contact(client, people, key_account, kam, role):
    response = post_as(
        client,
        people[role],
        reverse("accounts:contact_create", args=[key_account.pk]),
        contact_data(kam),
    )

    allowed = {"own_kam", "team_kam", "admin"}
    assert response.status_code == expected(role, allowed, sees=ACCOUNT_SEERS)
    assert Contact.objects.exists() == (role in allowed)


@pytest.mark.parametrize("role", ROLES)
def test_who_edits_a_contact(client, people, key_account, kam, role):
    contact = contact_create(
        account=key_account, actor=kam, name="Petra", buying_role="buyer", influence=4
    )

    response = post_as(
        client,
        people[role],
        reverse("accounts:contact_edit", args=[key_account.pk, contact.pk]),
        contact_data(kam, name="Petra P.", version="1"),
    )

    allowed = {"own_kam", "team_kam", "admin"}
    # Operations see the account but not its contacts: the contact is a 404 to them.
    assert response.status_code == expected(role, allowed, sees=DETAIL_SEERS)
    contact.refresh_from_db()
    assert contact.name == ("Petra P." if role in allowed else "Petra")


def test_a_stale_contact_edit_shows_both_versions_field_by_field(client, kam, key_account):
    contact = contact_create(
        account=key_account, actor=kam, name="Petra", buying_role="buyer", influence=4
    )
    contact_update(contact=contact, expected_version=1, actor=kam, title="Head of Buying")
    client.force_login(kam)

    response = client.post(
        reverse("accounts:contact_edit", args=[key_account.pk, contact.pk]),
        contact_data(kam, name="Petra", title="Chief Buyer", version="1"),
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert '<mark class="diff-mine">Chief Buyer</mark>' in html
    assert '<mark class="diff-theirs">Head of Buying</mark>' in html
    assert 'value="Chief Buyer"' in html
    assert 'name="version" value="2"' in html
    contact.refresh_from_db()
    assert contact.title == "Head of Buying"


def test_an_invalid_contact_keeps_what_was_typed(client, kam, key_account):
    client.force_login(kam)

    response = client.post(
        reverse("accounts:contact_create", args=[key_account.pk]),
        contact_data(kam, name="", title="Head of <R&D>", email="not-an-address"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Head of &lt;R&amp;D&gt;"' in html
    assert "Enter a valid email address." in html
    assert not Contact.objects.exists()


def test_deleting_a_contact_needs_the_version_seen(client, kam, key_account):
    contact = contact_create(
        account=key_account, actor=kam, name="Petra", buying_role="buyer", influence=4
    )
    contact_update(contact=contact, expected_version=1, actor=kam, influence=5)
    client.force_login(kam)
    path = reverse("accounts:contact_delete", args=[key_account.pk, contact.pk])

    stale = client.post(path, {"version": "1"})
    assert stale.status_code == 409
    assert Contact.objects.filter(pk=contact.pk).exists()

    assert client.post(path, {"version": "2"}).status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_who_adds_to_the_team(client, people, key_account, role):
    newcomer = factories.UserFactory(username="newcomer")

    response = post_as(
        client,
        people[role],
        reverse("accounts:team_add", args=[key_account.pk]),
        {"user": str(newcomer.pk), "functional_role": "logistics"},
    )

    allowed = {"own_kam", "director", "admin"}
    assert response.status_code == expected(role, allowed, sees=ACCOUNT_SEERS)
    joined = TeamMembership.objects.filter(account=key_account, user=newcomer).exists()
    assert joined == (role in allowed)


@pytest.mark.parametrize("role", ROLES)
def test_who_removes_from_the_team(client, people, key_account, role):
    member = factories.TeamMembershipFactory(
        account=key_account, user=factories.UserFactory(username="leaver")
    )

    response = post_as(
        client,
        people[role],
        reverse("accounts:team_remove", args=[key_account.pk, member.pk]),
        {},
    )

    allowed = {"own_kam", "director", "admin"}
    assert response.status_code == expected(role, allowed, sees=ACCOUNT_SEERS)
    assert TeamMembership.objects.filter(pk=member.pk).exists() == (role not in allowed)


@pytest.mark.parametrize("role", ROLES)
def test_who_rates(client, people, key_account, role):
    criterion = Criterion.objects.get(key="strategic_value")

    response = post_as(
        client,
        people[role],
        reverse("accounts:rate", args=[key_account.pk]),
        {criterion.key: "4", f"{criterion.key}_why": "Reference customer"},
    )

    allowed = {"own_kam", "team_kam", "admin"}
    assert response.status_code == expected(role, allowed, sees=DETAIL_SEERS)
    assert Rating.objects.filter(account=key_account).exists() == (role in allowed)


def test_a_computed_criterion_cannot_be_rated_through_the_form(client, kam, key_account):
    client.force_login(kam)

    response = client.post(
        reverse("accounts:rate", args=[key_account.pk]),
        {"revenue": "4", "strategic_value": ""},
    )

    # The form has no field for a computed criterion: the value is ignored, nothing is rated.
    assert response.status_code == 200
    assert "Choose a rating (1-5) for at least one criterion." in response.content.decode()
    assert not Rating.objects.exists()
