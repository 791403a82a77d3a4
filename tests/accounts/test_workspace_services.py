"""Services behind the account workspace: contacts without lost updates, ratings, team history."""

import datetime as dt

import pytest

from accounts.models import Attitude, BuyingRole, Contact
from accounts.services import (
    contact_create,
    contact_delete,
    contact_update,
    team_member_add,
    team_member_remove,
)
from kam.errors import ConflictError, DomainError, PermissionDenied
from scoring.models import Criterion, Rating
from scoring.ratings import rating_record
from tests import factories


def new_contact(account, actor, **overrides):
    fields = {
        "name": "Petra Purchasing",
        "title": "CPO",
        "buying_role": BuyingRole.DECISION_MAKER,
        "influence": 5,
        "attitude": Attitude.SUPPORTER,
        "relationship_owner": actor,
        "last_contact_on": dt.date(2026, 5, 4),
    }
    fields.update(overrides)
    return contact_create(account=account, actor=actor, **fields)


def test_kam_adds_a_contact_and_its_history_starts_with_them(key_account, kam):
    contact = new_contact(key_account, kam)

    assert (contact.version, contact.relationship_owner) == (1, kam)
    first = contact.history.get()
    assert (first.history_type, first.history_user) == ("+", kam)


def test_influence_must_be_one_to_five(key_account, kam):
    with pytest.raises(DomainError) as refusal:
        new_contact(key_account, kam, influence=7)

    assert "influence" in refusal.value.errors
    assert not Contact.objects.exists()


def test_the_relationship_owner_is_on_our_side(key_account, kam):
    stranger = factories.KamFactory(username="stranger")

    with pytest.raises(DomainError, match="neither the KAM nor on the account's team"):
        new_contact(key_account, kam, relationship_owner=stranger)

    member = factories.UserFactory(username="engineer")
    factories.TeamMembershipFactory(account=key_account, user=member)
    assert new_contact(key_account, kam, relationship_owner=member).relationship_owner == member


def test_a_stale_contact_save_conflicts_and_keeps_the_newer(key_account, kam):
    contact = new_contact(key_account, kam)
    contact_update(
        contact=contact, expected_version=1, actor=kam, title="Chief Procurement Officer"
    )

    with pytest.raises(ConflictError) as conflict:
        contact_update(contact=contact, expected_version=1, actor=kam, title="Buyer")

    assert conflict.value.current_version == 2
    contact.refresh_from_db()
    assert (contact.title, contact.version) == ("Chief Procurement Officer", 2)
    latest = contact.history.first()
    assert (latest.history_type, latest.history_user, latest.title) == (
        "~",
        kam,
        "Chief Procurement Officer",
    )


def test_deleting_needs_the_current_version_and_stays_in_history(key_account, kam):
    contact = new_contact(key_account, kam)
    contact_update(contact=contact, expected_version=1, actor=kam, attitude=Attitude.NEUTRAL)

    with pytest.raises(ConflictError):
        contact_delete(contact=contact, expected_version=1, actor=kam)
    assert Contact.objects.filter(pk=contact.pk).exists()

    contact_delete(contact=contact, expected_version=2, actor=kam)

    assert not Contact.objects.filter(pk=contact.pk).exists()
    deleted = Contact.history.filter(id=contact.pk).first()
    assert (deleted.history_type, deleted.history_user) == ("-", kam)


@pytest.mark.parametrize("who", ["other_kam", "director", "operations"])
def test_only_serving_kams_change_contacts(request, key_account, kam, who):
    contact = new_contact(key_account, kam)
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        contact_update(contact=contact, expected_version=1, actor=actor, name="x")
    with pytest.raises(PermissionDenied):
        contact_delete(contact=contact, expected_version=1, actor=actor)
    with pytest.raises(PermissionDenied):
        new_contact(key_account, actor, relationship_owner=None)

    contact.refresh_from_db()
    assert (contact.name, contact.version, Contact.objects.count()) == ("Petra Purchasing", 1, 1)


def test_contact_update_refuses_fields_it_does_not_own(key_account, kam):
    contact = new_contact(key_account, kam)
    with pytest.raises(DomainError, match="version"):
        contact_update(contact=contact, expected_version=1, actor=kam, version=9)


def test_a_rating_is_appended_and_the_newest_counts(key_account, kam):
    criterion = Criterion.objects.get(key="strategic_value")

    rating_record(account=key_account, criterion=criterion, value=3, actor=kam)
    rating_record(account=key_account, criterion=criterion, value=5, comment=" Won ", actor=kam)

    values = list(Rating.objects.order_by("rated_at", "pk").values_list("value", "comment"))
    assert values == [(3, ""), (5, "Won")]


@pytest.mark.parametrize("value", [0, 6, True, "4"])
def test_a_rating_is_a_whole_number_from_one_to_five(key_account, kam, value):
    criterion = Criterion.objects.get(key="strategic_value")
    with pytest.raises(DomainError, match="1 to 5"):
        rating_record(account=key_account, criterion=criterion, value=value, actor=kam)
    assert not Rating.objects.exists()


def test_computed_criteria_are_not_rated(key_account, kam):
    with pytest.raises(DomainError, match="not an active rated criterion"):
        rating_record(
            account=key_account, criterion=Criterion.objects.get(key="revenue"), value=4, actor=kam
        )


@pytest.mark.parametrize("who", ["other_kam", "director", "operations"])
def test_only_serving_kams_rate(request, key_account, who):
    with pytest.raises(PermissionDenied):
        rating_record(
            account=key_account,
            criterion=Criterion.objects.get(key="strategic_value"),
            value=4,
            actor=request.getfixturevalue(who),
        )
    assert not Rating.objects.exists()


def test_team_changes_show_in_the_accounts_history(key_account, kam):
    engineer = factories.UserFactory(username="eng", first_name="Erik", last_name="Engineer")

    membership = team_member_add(
        account=key_account, user=engineer, functional_role="engineering", actor=kam
    )
    team_member_remove(membership=membership, actor=kam)

    reasons = list(key_account.history.values_list("history_change_reason", "history_user"))
    assert reasons[:2] == [
        ("Team: Erik Engineer removed (Engineering)", kam.pk),
        ("Team: Erik Engineer added (Engineering)", kam.pk),
    ]


def test_the_kam_is_not_added_to_their_own_team(key_account, kam):
    with pytest.raises(DomainError, match="KAM"):
        team_member_add(account=key_account, user=kam, functional_role="sales", actor=kam)


def test_an_email_names_one_contact_of_an_account_whatever_its_case(key_account, kam):
    new_contact(key_account, kam, email="petra@acme.example")

    with pytest.raises(DomainError) as refusal:
        new_contact(key_account, kam, name="Paul Purchasing", email="PETRA@Acme.example")

    assert refusal.value.errors == {
        "email": ["Another contact of this account has this e-mail address."]
    }
    assert Contact.objects.count() == 1
    other_account = factories.KeyAccountFactory(kam=kam)
    assert new_contact(other_account, kam, email="petra@acme.example").email


def test_changing_a_contact_to_a_taken_email_is_refused(key_account, kam):
    new_contact(key_account, kam, email="petra@acme.example")
    paul = new_contact(key_account, kam, name="Paul Purchasing", email="paul@acme.example")

    with pytest.raises(DomainError) as refusal:
        contact_update(contact=paul, expected_version=1, actor=kam, email="Petra@acme.example")

    assert "email" in refusal.value.errors
    paul.refresh_from_db()
    assert (paul.email, paul.version) == ("paul@acme.example", 1)
    # Its own address in another case is no clash; contacts without e-mail never clash.
    contact_update(contact=paul, expected_version=1, actor=kam, email="Paul@acme.example")
    new_contact(key_account, kam, name="Anna", email="")
    new_contact(key_account, kam, name="Bert", email="")


def test_the_database_holds_the_rule_too(key_account):
    from django.db import IntegrityError, transaction

    factories.ContactFactory(account=key_account, email="petra@acme.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ContactFactory(account=key_account, email="Petra@ACME.example")


def test_a_save_racing_past_the_check_is_refused_the_same_way(key_account, kam, monkeypatch):
    from accounts import services

    factories.ContactFactory(account=key_account, email="petra@acme.example")
    # As if the other contact were saved between the checks and the insert.
    monkeypatch.setattr(services, "_check_email", lambda contact: None)
    monkeypatch.setattr(services, "validated", lambda contact, exclude: None)

    with pytest.raises(DomainError) as refusal:
        new_contact(key_account, kam, name="Paul", email="petra@ACME.example")

    assert refusal.value.errors == {
        "email": ["Another contact of this account has this e-mail address."]
    }
