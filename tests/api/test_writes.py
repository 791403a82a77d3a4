"""Writes through the API reach the services and say what they did: creates answer 201,
bulk sales lines are all-or-nothing and idempotent, a second scoring run is a 409."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from accounts.models import AccountStatus, SalesLine
from plans.models import CommitmentStatus, Notification, PlanStatus
from scoring.models import Criterion, Rating, RunStatus, ScoringRun
from tests import factories
from tests.api.conftest import plan_body


def line(world, number, **extra):
    return {
        "erp_document": "INV-2026-0042",
        "erp_line": number,
        "account": world.objects["account"].pk,
        "date": "2026-10-15",
        "product_category": "Fasteners, stainless",
        "quantity": "12.500",
        "revenue": "1250.00",
        "cost_of_goods": "700.00",
        **extra,
    }


def test_bulk_sales_lines_are_created_then_skipped_when_sent_again(world, api):
    client = api("director")
    body = {"lines": [line(world, 1), line(world, 2, revenue="-80.00")]}
    first = client.post(reverse("api:salesline-list"), body, format="json")
    assert first.status_code == 201, first.content
    assert first.json() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    again = client.post(reverse("api:salesline-list"), body, format="json")
    assert again.json() == {"rows": 2, "created": 0, "updated": 0, "unchanged": 2}
    stored = SalesLine.objects.get(erp_document="INV-2026-0042", erp_line=2)
    assert stored.revenue == Decimal("-80.00")
    assert stored.product_category == "Fasteners, stainless"


def test_a_changed_sales_line_is_updated_by_its_key(world, api):
    client = api("admin")
    client.post(reverse("api:salesline-list"), {"lines": [line(world, 1)]}, format="json")
    response = client.post(
        reverse("api:salesline-list"), {"lines": [line(world, 1, revenue="1300.00")]}, format="json"
    )
    assert response.json() == {"rows": 1, "created": 0, "updated": 1, "unchanged": 0}
    assert SalesLine.objects.get(erp_document="INV-2026-0042").revenue == Decimal("1300.00")


def test_a_blank_product_category_keeps_the_stored_one_unless_blank_clears(world, api):
    client = api("admin")
    url = reverse("api:salesline-list")
    client.post(url, {"lines": [line(world, 1)]}, format="json")
    blank = {"lines": [line(world, 1, product_category="", revenue="1300.00")]}

    assert client.post(url, blank, format="json").json()["updated"] == 1
    stored = SalesLine.objects.get(erp_document="INV-2026-0042")
    assert (stored.product_category, stored.revenue) == ("Fasteners, stainless", Decimal("1300"))

    response = client.post(url, {**blank, "blank_clears": True}, format="json")
    assert response.json()["updated"] == 1
    assert SalesLine.objects.get(erp_document="INV-2026-0042").product_category == ""


def test_one_bad_line_writes_no_line_and_is_reported_on_its_index(world, api):
    before = SalesLine.objects.count()
    body = {"lines": [line(world, 1), line(world, 1), line(world, 3, date="2026-13-01")]}
    response = api("director").post(reverse("api:salesline-list"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "lines": {
            "2": {"date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}
        }
    }
    assert SalesLine.objects.count() == before


def test_a_duplicate_key_within_the_batch_is_refused_by_the_import_rules(world, api):
    before = SalesLine.objects.count()
    body = {"lines": [line(world, 1), line(world, 1, revenue="5.00")]}
    response = api("director").post(reverse("api:salesline-list"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()["lines"]) == ["1"]
    assert list(response.json()["lines"]["1"]) == ["non_field_errors"]
    assert SalesLine.objects.count() == before


def test_a_line_on_an_unknown_account_is_refused_per_line(world, api):
    body = {"lines": [line(world, 1), line(world, 2, account=987654)]}
    response = api("director").post(reverse("api:salesline-list"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "lines": {"1": {"account": ["No such account, or not one you may see."]}}
    }


def test_starting_a_run_while_one_is_in_flight_is_a_409_with_the_reason(world, api):
    client = api("director")
    started = client.post(reverse("api:scoringrun-list"), {}, format="json")
    assert started.status_code == 201
    assert started.json()["status"] == RunStatus.QUEUED
    second = client.post(reverse("api:scoringrun-list"), {}, format="json")
    assert second.status_code == 409
    assert second.json()["detail"].startswith("A scoring run is in progress")
    assert ScoringRun.objects.filter(status=RunStatus.QUEUED).count() == 1


def test_a_runs_progress_is_read_from_its_detail(world, api):
    run = ScoringRun.objects.create(
        status=RunStatus.RUNNING,
        trigger="manual",
        as_of=dt.date(2026, 11, 1),
        stage="chunks",
        progress_pct=45,
        chunks_total=4,
        chunks_done=2,
    )
    body = api("director").get(reverse("api:scoringrun-detail", args=[run.pk])).json()
    assert (body["status"], body["stage"], body["progress_pct"]) == ("running", "chunks", 45)
    assert (body["chunks_done"], body["chunks_total"]) == (2, 4)


def test_a_director_sets_weights_and_gets_every_criterion_back(world, api):
    criterion = world.objects["criterion"]
    response = api("director").post(
        reverse("api:criterion-weights"),
        {"weights": [{"criterion": criterion.pk, "weight": "12.50"}], "reason": "Potential"},
        format="json",
    )
    assert response.status_code == 200
    assert len(response.json()) == Criterion.objects.count()
    criterion.refresh_from_db()
    assert criterion.weight == Decimal("12.50")


def test_weights_that_leave_no_criterion_above_zero_are_refused(world, api):
    body = {"weights": [{"criterion": c.pk, "weight": "0"} for c in Criterion.objects.all()]}
    body["reason"] = "Nothing left"
    response = api("director").post(reverse("api:criterion-weights"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "At least one criterion needs a weight above zero."}


def test_a_kam_rates_an_account_they_serve(world, api):
    criterion = world.objects["criterion"]
    response = api("team_kam").post(
        reverse("api:rating-list"),
        {"account": world.objects["account"].pk, "criterion": criterion.pk, "value": 2},
        format="json",
    )
    assert response.status_code == 201
    assert Rating.objects.filter(rated_by=world.users["team_kam"], value=2).count() == 1


def test_a_computed_criterion_cannot_be_rated(world, api):
    computed = Criterion.objects.get(key="revenue")
    response = api("own_kam").post(
        reverse("api:rating-list"),
        {"account": world.objects["account"].pk, "criterion": computed.pk, "value": 2},
        format="json",
    )
    assert response.status_code == 400


def test_a_plan_goes_from_draft_to_approved(world, api):
    plan = world.objects["plan"]
    submitted = api("own_kam").post(reverse("api:plan-submit", args=[plan.pk]), {}, format="json")
    assert submitted.json()["status"] == PlanStatus.SUBMITTED
    approved = api("director").post(reverse("api:plan-approve", args=[plan.pk]), {}, format="json")
    assert approved.status_code == 200
    assert approved.json()["status"] == PlanStatus.APPROVED
    assert approved["ETag"] == f'"plan-{plan.pk}-v3"'


def test_a_new_plan_is_a_draft_with_every_section(world, api):
    response = api("own_kam").post(
        reverse("api:plan-list"), plan_body(world.objects["account"]), format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == PlanStatus.DRAFT
    detail = api("own_kam").get(reverse("api:plan-detail", args=[response.json()["id"]]))
    assert len(detail.json()["sections"]) == 9


def test_operations_record_a_measurement_and_the_status_follows(world, api):
    commitment = world.objects["commitment"]
    response = api("operations").post(
        reverse("api:measurement-list"),
        {
            "commitment": commitment.pk,
            "value": "90.000",
            # The world has October measured already (a period is measured once).
            "period_start": "2026-11-01",
            "period_end": "2026-11-30",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    commitment.refresh_from_db()
    # Target at least 98%: 90 is below it, a breach.
    assert commitment.status == CommitmentStatus.BREACHED


def test_a_director_designates_a_key_account_with_its_kam(world, api):
    standard = world.objects["standard_account"]
    response = api("director").post(
        reverse("api:account-designate", args=[standard.pk]),
        {"status": "key", "kam": world.users["own_kam"].pk, "reason": "4x the average"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == AccountStatus.KEY
    assert response.json()["kam"] == world.users["own_kam"].pk


def test_marking_notifications_read_touches_only_ones_own(world, api):
    response = api("own_kam").post(reverse("api:notification-mark-read"), {}, format="json")
    assert response.json() == {"marked": 1}
    unread = Notification.objects.filter(read_at__isnull=True)
    assert unread.count() == len(world.objects["notification"]) - 1


def test_a_team_member_is_added_and_removed(world, api):
    # Functional staff (no role): operations may not be on an account team.
    newcomer = factories.UserFactory(username="newcomer")
    client = api("own_kam")
    added = client.post(
        reverse("api:teammember-list"),
        {
            "account": world.objects["account"].pk,
            "user": newcomer.pk,
            "functional_role": "logistics",
        },
        format="json",
    )
    assert added.status_code == 201
    removed = client.delete(reverse("api:teammember-detail", args=[added.json()["id"]]))
    assert removed.status_code == 204
