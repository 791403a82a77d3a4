"""The audit log at /audit/: administrators see who changed what and when, filtered and as CSV."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import AccountStatus, Stage
from scoring.models import Criterion, CriterionKind
from tests import factories

AUDIT_URL = "/audit/"


def _save_as(instance, actor, reason="", **values):
    for name, value in values.items():
        setattr(instance, name, value)
    instance._history_user = actor
    if reason:
        instance._change_reason = reason
    instance.save()


def log_every_kind(admin_user, director):
    """One change of every kind the log covers, the newest last."""
    account = factories.AccountFactory(erp_code="AUD-1", name="Audited Industries")
    _save_as(account, director, name="Audited Industries AG", reason="Legal name")
    contact = factories.ContactFactory(account=account, name="Petra Test")
    _save_as(contact, director, title="Chief procurement officer")
    plan = factories.PlanFactory(account=factories.KeyAccountFactory(erp_code="AUD-2"))
    _save_as(plan, director, title="Renamed plan")
    commitment = factories.CommitmentFactory(account=plan.account)
    _save_as(commitment, director, target_value=Decimal("99.000"))
    rate = factories.CostRateFactory()
    _save_as(rate, admin_user, rate=Decimal("120.0000"))
    criterion = Criterion.objects.create(
        key="audit-test", label="Audit test", kind=CriterionKind.RATED, weight=Decimal("1.00")
    )
    _save_as(criterion, director, weight=Decimal("2.50"))
    services.account_change_stage(
        account=plan.account,
        to_stage=Stage.STRATEGIC,
        reason="Joint roadmap",
        actor=plan.account.kam,
    )
    kam = factories.KamFactory(username="new-kam", first_name="Nina", last_name="Neu")
    services.account_designate(
        account=account, status=AccountStatus.KEY, kam=kam, reason="Top decile", actor=director
    )
    return {"account": account, "plan": plan, "kam": kam}


@pytest.fixture
def logged(admin_user, director):
    return log_every_kind(admin_user, director)


@pytest.mark.parametrize("role", ["kam", "director", "operations"])
def test_only_administrators_may_read_the_audit_log(client, db, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(AUDIT_URL).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(AUDIT_URL)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={AUDIT_URL}"


def test_admin_nav_links_to_the_audit_log(client, admin_user, director):
    client.force_login(admin_user)
    assert 'href="/audit/">Audit log</a>' in client.get("/accounts/").content.decode()
    client.force_login(director)
    assert "Audit log" not in client.get("/accounts/").content.decode()


def test_log_shows_every_kind_of_change_with_who_and_the_field_changes(
    client, admin_user, director, logged
):
    client.force_login(admin_user)
    response = client.get(AUDIT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Name: Audited Industries → Audited Industries AG" in html
    assert "Legal name" in html
    assert "Title: Head of Purchasing → Chief procurement officer" in html
    assert "Title: Account plan 2026" in html and "→ Renamed plan" in html
    assert "Target value: 98.000 → 99.000" in html
    assert "Rate per driver unit: 100.0000 → 120.0000" in html
    assert "Weight: 1.00 → 2.50" in html
    assert "Stage: Cooperative → Strategic" in html
    assert "Joint roadmap" in html
    assert "KAM: none → Nina Neu" in html
    entries = response.context["entries"]
    # The designation is the last change made, its move recorded just before the account row.
    assert [(entry.kind, entry.account.erp_code) for entry in entries[:2]] == [
        ("account", "AUD-1"),
        ("designation", "AUD-1"),
    ]
    assert entries[1].who == director


def _kinds(client, **params):
    response = client.get(AUDIT_URL, params)
    assert response.status_code == 200
    return [(entry.kind, entry.action) for entry in response.context["entries"]]


def test_filter_by_kind_person_and_account(client, admin_user, director, logged):
    client.force_login(admin_user)
    assert _kinds(client, kind="criterion") == [("criterion", "changed"), ("criterion", "created")]
    # The admin changed only the cost rate; history rows the factories wrote have no user.
    assert _kinds(client, person=admin_user.pk) == [("cost_rate", "changed")]
    # By ERP code: the account AUD-1's own rows, its contact and its designation (newest first).
    by_code = _kinds(client, account="aud-1")
    assert by_code == [
        ("account", "changed"),
        ("designation", "changed"),
        ("contact", "changed"),
        ("contact", "created"),
        ("account", "changed"),
        ("account", "created"),
    ]
    # By part of the name: the same account; cost rates and criteria belong to none.
    assert _kinds(client, account="Audited") == by_code
    assert _kinds(client, kind="cost_rate", account="AUD-1") == []
    # An unknown person is a form error, shown beside the field, and filters nothing.
    response = client.get(AUDIT_URL, {"person": "999999"})
    assert response.context["form"].errors["person"]
    assert len(response.context["entries"]) == len(_kinds(client))


def test_filter_by_date_range(client, admin_user, director, logged):
    client.force_login(admin_user)
    today = timezone.localdate()
    assert _kinds(client, date_to=(today - dt.timedelta(days=1)).isoformat()) == []
    assert _kinds(client, date_from=(today + dt.timedelta(days=1)).isoformat()) == []
    everything = _kinds(client)
    assert _kinds(client, date_from=today.isoformat(), date_to=today.isoformat()) == everything


def test_export_is_the_filtered_log_as_csv(client, admin_user, logged):
    client.force_login(admin_user)
    response = client.get(AUDIT_URL, {"kind": "stage", "export": "csv"})
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "When,Who,Kind,ERP code,Account,Object,Action,Changes,Reason"
    assert len(lines) == 2
    assert ",Relationship stage,AUD-2," in lines[1]
    assert "Stage: Cooperative → Strategic,Joint roadmap" in lines[1]


def _fill_log(director, rows):
    """An account created and renamed: `rows` history rows."""
    account = factories.AccountFactory(erp_code="FILL-1")
    for number in range(rows - 1):
        _save_as(account, director, name=f"Filler {number}")


# Expected queries: session, user, the user's groups (roles), the unread notifications badge;
# the page: count and UNION rows (2); two per kind of history on the page, account, contact,
# plan, commitment, cost rate and criterion (6 x 2 = 12); the stage moves and the designation
# moves (2); the people, the service teams and the accounts named (3); the person select (1).
EXPECTED_QUERIES = 4 + 2 + 12 + 2 + 3 + 1


@pytest.mark.parametrize("rows", [10, 300])
def test_query_count_does_not_grow_with_the_log(
    client, admin_user, director, rows, django_assert_num_queries
):
    _fill_log(director, rows)
    # Newer than the filler, so the first page holds every kind whatever the log's length.
    log_every_kind(admin_user, director)
    client.force_login(admin_user)
    with django_assert_num_queries(EXPECTED_QUERIES):
        response = client.get(AUDIT_URL)
    assert response.status_code == 200
