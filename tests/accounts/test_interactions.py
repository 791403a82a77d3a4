"""Interactions: a KAM or team member records a meeting or call with DMU contacts; it moves
each contact's last contact date (and so DMU coverage), can record the cost-to-serve activity
in the same step, and shows in the account's and each contact's timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.interactions import interaction_record
from accounts.models import Activity, Contact, Interaction, InteractionKind
from accounts.selectors.workspace import dmu_coverage
from kam.bounds import MAX_PARTICIPANTS
from kam.errors import InvalidInput, PermissionDenied
from tests import factories

ROLES = ["anonymous", "other_kam", "own_kam", "team_kam", "director", "operations", "admin"]


@pytest.fixture
def dmu(key_account):
    return {
        "petra": factories.ContactFactory(account=key_account, name="Petra Buyer", influence=5),
        "omar": factories.ContactFactory(
            account=key_account,
            name="Omar Plant",
            influence=4,
            last_contact_on=dt.date(2020, 1, 1),
        ),
    }


@pytest.fixture
def visit():
    return factories.ActivityTypeFactory(code="sales-visit", name="Sales visit")


def url(account, **query):
    path = reverse("accounts:interactions", args=[account.pk])
    return path + (f"?contact={query['contact']}" if query else "")


def form_data(contacts, people, **extra):
    return {
        "occurred_on": timezone.localdate().isoformat(),
        "kind": InteractionKind.MEETING,
        "subject": "Quarterly business review",
        "contacts": [str(c.pk) for c in contacts],
        "our_people": [str(p.pk) for p in people],
        "notes": "Volumes up; wants a second source for castings.",
        "next_steps": "Send the dual-sourcing proposal by Friday.",
        **extra,
    }


def test_a_kam_records_a_visit_and_the_contacts_count_as_covered(
    client, kam, key_account, dmu, visit
):
    today = timezone.localdate()
    factories.TeamMembershipFactory(account=key_account, user=factories.UserFactory(username="eng"))
    assert dmu_coverage(list(key_account.contacts.all()), today).covered == 0
    client.force_login(kam)

    response = client.post(
        url(key_account),
        form_data(
            dmu.values(),
            [kam],
            activity_type=str(visit.pk),
            activity_quantity="",
        ),
    )

    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert set(interaction.contacts.all()) == set(dmu.values())
    assert list(interaction.our_people.all()) == [kam]
    assert interaction.recorded_by == kam
    # Every contact met today: last contact today, a new version and a history row by the KAM.
    for contact in Contact.objects.filter(account=key_account):
        assert contact.last_contact_on == today
        assert contact.version == 2
        latest = contact.history.first()
        assert (latest.history_user, latest.last_contact_on) == (kam, today)
        assert latest.history_change_reason == f"Interaction of {today}"
    # The owner makes them covered (DMU coverage needs an owner and a recent contact).
    Contact.objects.update(relationship_owner=kam)
    assert dmu_coverage(list(key_account.contacts.all()), today).covered == 2
    # The cost-to-serve activity of the same day: one sales visit, linked to the interaction.
    activity = Activity.objects.get()
    assert (activity.account, activity.activity_type, activity.date) == (key_account, visit, today)
    assert activity.quantity == Decimal(1)
    assert activity.recorded_by == kam
    assert interaction.activity == activity


def test_a_team_member_without_a_role_records_a_call(key_account, dmu):
    engineer = factories.UserFactory(username="eng")
    factories.TeamMembershipFactory(account=key_account, user=engineer)

    interaction = interaction_record(
        account=key_account,
        occurred_on=timezone.localdate() - dt.timedelta(days=3),
        kind=InteractionKind.CALL,
        subject="Tolerance question",
        contacts=[dmu["omar"]],
        our_people=[engineer],
        actor=engineer,
    )

    assert interaction.activity is None
    assert not Activity.objects.exists()
    dmu["omar"].refresh_from_db()
    assert dmu["omar"].last_contact_on == timezone.localdate() - dt.timedelta(days=3)


def test_an_older_interaction_never_moves_a_last_contact_date_back(kam, key_account, dmu):
    recent = timezone.localdate() - dt.timedelta(days=2)
    Contact.objects.filter(pk=dmu["petra"].pk).update(last_contact_on=recent)

    interaction_record(
        account=key_account,
        occurred_on=recent - dt.timedelta(days=30),
        kind=InteractionKind.MEETING,
        subject="Late entry",
        contacts=[dmu["petra"], dmu["omar"]],
        our_people=[kam],
        actor=kam,
    )

    petra, omar = (Contact.objects.get(pk=dmu[name].pk) for name in ("petra", "omar"))
    assert petra.last_contact_on == recent
    assert petra.version == 1  # unchanged: no new version, no history row
    assert omar.last_contact_on == recent - dt.timedelta(days=30)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"occurred_on": "tomorrow"}, "occurred_on", "not in the future"),
        ({"contacts": []}, "contacts", "at least one contact"),
        ({"our_people": []}, "our_people", "at least one of our people"),
        ({"our_people": "stranger"}, "our_people", "Not the KAM nor on the account's team"),
        ({"contacts": "other account"}, "contacts", "belong to this account"),
        ({"activity_quantity": Decimal(0)}, "activity_quantity", "above zero"),
        ({"notes": "x" * 5001}, "notes", "at most 5000 characters"),
    ],
)
def test_a_refused_interaction_writes_nothing(kam, key_account, dmu, visit, change, field, message):
    values = {
        "account": key_account,
        "occurred_on": timezone.localdate(),
        "kind": InteractionKind.MEETING,
        "subject": "Review",
        "contacts": [dmu["petra"]],
        "our_people": [kam],
        "activity_type": visit,
        "actor": kam,
    }
    if change.get("occurred_on") == "tomorrow":
        change = {"occurred_on": timezone.localdate() + dt.timedelta(days=1)}
    if change.get("our_people") == "stranger":
        change = {"our_people": [factories.KamFactory(username="stranger")]}
    if change.get("contacts") == "other account":
        change = {"contacts": [factories.ContactFactory()]}
    values.update(change)

    with pytest.raises(InvalidInput) as refusal:
        interaction_record(**values)

    assert message in " ".join(refusal.value.errors[field])
    assert not Interaction.objects.exists()
    assert not Activity.objects.exists()
    assert Contact.objects.get(pk=dmu["petra"].pk).last_contact_on is None


def test_too_many_contacts_are_refused(kam, key_account):
    contacts = [
        factories.ContactFactory(account=key_account, name=f"C{n}")
        for n in range(MAX_PARTICIPANTS + 1)
    ]
    with pytest.raises(InvalidInput, match=f"At most {MAX_PARTICIPANTS} contacts"):
        interaction_record(
            account=key_account,
            occurred_on=timezone.localdate(),
            kind=InteractionKind.CALL,
            subject="All hands",
            contacts=contacts,
            our_people=[kam],
            actor=kam,
        )


@pytest.mark.parametrize("role", ROLES)
def test_who_records_an_interaction(client, people, key_account, dmu, role):
    user = people[role]
    if user.is_authenticated:
        client.force_login(user)

    response = client.post(url(key_account), form_data([dmu["petra"]], [key_account.kam]))

    allowed = {"own_kam", "team_kam", "admin"}
    # Operations see the account's basics (403) but no interactions; other KAMs see nothing.
    expected = {"anonymous": 302, "other_kam": 404, "director": 403, "operations": 404}
    assert response.status_code == (302 if role in allowed else expected[role])
    assert Interaction.objects.exists() == (role in allowed)
    assert Contact.objects.get(pk=dmu["petra"].pk).last_contact_on == (
        timezone.localdate() if role in allowed else None
    )


@pytest.mark.parametrize("role", ["operations", "director"])
def test_operations_and_directors_cannot_record_through_the_service(people, key_account, dmu, role):
    with pytest.raises(PermissionDenied):
        interaction_record(
            account=key_account,
            occurred_on=timezone.localdate(),
            kind=InteractionKind.CALL,
            subject="x",
            contacts=[dmu["petra"]],
            our_people=[key_account.kam],
            actor=people[role],
        )
    assert not Interaction.objects.exists()


def record(account, kam, contacts, day, subject):
    return interaction_record(
        account=account,
        occurred_on=day,
        kind=InteractionKind.MEETING,
        subject=subject,
        contacts=contacts,
        our_people=[kam],
        actor=kam,
    )


def test_the_account_page_and_each_contact_show_the_timeline_most_recent_first(
    client, kam, director, key_account, dmu
):
    today = timezone.localdate()
    record(key_account, kam, [dmu["petra"]], today - dt.timedelta(days=20), "Older with Petra")
    record(key_account, kam, [dmu["omar"]], today - dt.timedelta(days=5), "Plant tour with Omar")
    record(key_account, kam, [dmu["petra"]], today - dt.timedelta(days=1), "Newest with Petra")
    client.force_login(director)

    account_html = client.get(reverse("accounts:detail", args=[key_account.pk])).content.decode()
    petra_html = client.get(url(key_account, contact=dmu["petra"].pk)).content.decode()

    assert (
        account_html.index("Newest with Petra")
        < account_html.index("Plant tour with Omar")
        < account_html.index("Older with Petra")
    )
    assert f"?contact={dmu['petra'].pk}" in account_html
    assert petra_html.index("Newest with Petra") < petra_html.index("Older with Petra")
    assert "Plant tour with Omar" not in petra_html
    assert "Record an interaction" not in petra_html  # directors read, they do not record


def test_a_contact_of_another_account_is_not_found(client, kam, key_account):
    client.force_login(kam)
    assert client.get(url(key_account, contact=factories.ContactFactory().pk)).status_code == 404


@pytest.mark.parametrize("rows", [1, 12])
def test_the_interactions_page_reads_a_fixed_number_of_queries(
    client, kam, key_account, dmu, rows, django_assert_num_queries
):
    people = [kam]
    for n in range(rows):
        member = factories.UserFactory(username=f"member{n}")
        factories.TeamMembershipFactory(account=key_account, user=member)
        people.append(member)
        factories.ContactFactory(account=key_account, name=f"Contact {n}")
    contacts = list(key_account.contacts.all())
    for n in range(rows):
        record(key_account, kam, contacts, timezone.localdate(), f"Meeting {n}")
        Interaction.objects.filter(subject=f"Meeting {n}").get().our_people.set(people)
    client.force_login(kam)
    client.get(url(key_account))

    # session, user, groups, account, contacts, team (plan_team), activity types, the
    # timeline's count, rows, their contacts and our people, and unread notifications
    with django_assert_num_queries(12):
        response = client.get(url(key_account))

    assert response.status_code == 200
    assert response.content.decode().count('data-testid="interaction"') == rows


def api_for(user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    return api


def test_the_api_records_an_interaction_with_its_activity(kam, key_account, dmu, visit):
    day = timezone.localdate() - dt.timedelta(days=1)
    body = {
        "account": key_account.pk,
        "occurred_on": day.isoformat(),
        "kind": "visit",
        "subject": "Plant visit",
        "contacts": [dmu["omar"].pk],
        "our_people": [kam.pk],
        "activity_type": visit.pk,
        "activity_quantity": "2",
    }

    response = api_for(kam).post(reverse("api:interaction-list"), body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["contacts"] == [dmu["omar"].pk]
    activity = Activity.objects.get()
    assert (activity.quantity, activity.date) == (Decimal(2), day)
    assert response.json()["activity"] == activity.pk
    assert Contact.objects.get(pk=dmu["omar"].pk).last_contact_on == day
    listed = api_for(kam).get(reverse("api:interaction-list"), {"contact": dmu["omar"].pk})
    assert [row["subject"] for row in listed.json()["results"]] == ["Plant visit"]


def test_the_api_refuses_a_contact_of_another_account(kam, key_account, dmu):
    stranger = factories.ContactFactory()
    body = {
        "account": key_account.pk,
        "occurred_on": timezone.localdate().isoformat(),
        "kind": "call",
        "subject": "Call",
        "contacts": [dmu["petra"].pk, stranger.pk],
        "our_people": [kam.pk],
    }

    response = api_for(kam).post(reverse("api:interaction-list"), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"contacts": [f"Not contacts of this account: [{stranger.pk}]."]}
    assert not Interaction.objects.exists()
    assert Contact.objects.get(pk=dmu["petra"].pk).last_contact_on is None
