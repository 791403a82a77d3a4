"""The plan's lifecycle through the API: the same state machine as the pages (plans.services):
approve with a comment, the approved version in the answer, a change making the plan revised,
a submitted plan refusing edits, archive with a reason, restore."""

from __future__ import annotations

from django.urls import reverse

from plans.models import Plan, PlanStatus, PlanVersion


def step(client, plan, name, body=None):
    return client.post(reverse(f"api:plan-{name}", args=[plan.pk]), body or {}, format="json")


def status_of(plan):
    return Plan.objects.values_list("status", flat=True).get(pk=plan.pk)


def patch_section(client, section, body):
    url = reverse("api:plansection-detail", args=[section.pk])
    etag = client.get(url)["ETag"]
    return client.patch(url, {"body": body}, format="json", HTTP_IF_MATCH=etag)


def test_approve_with_a_comment_then_a_change_makes_the_plan_revised(world, api):
    plan, section = world.objects["plan"], world.objects["section"]
    kam, director = api("own_kam"), api("director")
    assert step(kam, plan, "submit").status_code == 200

    approved = step(director, plan, "approve", {"comment": "Sound plan."})

    assert approved.status_code == 200, approved.content
    number = approved.json()["approved_version"]
    version = PlanVersion.objects.get(plan=plan, number=number)
    assert (approved.json()["status"], version.comment) == ("approved", "Sound plan.")

    assert patch_section(kam, section, "A new position.").status_code == 200
    reread = kam.get(reverse("api:plan-detail", args=[plan.pk])).json()
    assert (reread["status"], reread["approved_version"]) == ("revised", number)
    assert step(kam, plan, "submit").json()["status"] == "submitted"


def test_a_submitted_plan_refuses_an_edit_through_the_api(world, api):
    plan, section = world.objects["plan"], world.objects["section"]
    kam = api("own_kam")
    step(kam, plan, "submit")

    refused = patch_section(kam, section, "Changed while waiting.")

    assert refused.status_code == 400
    assert "waiting for a director's decision" in refused.content.decode()
    section.refresh_from_db()
    assert section.body != "Changed while waiting."


def test_archive_needs_a_reason_and_restore_brings_the_plan_back(world, api):
    plan, director = world.objects["plan"], api("director")

    missing = step(director, plan, "archive")
    assert missing.status_code == 400 and "reason" in missing.json()
    assert status_of(plan) == PlanStatus.DRAFT

    archived = step(director, plan, "archive", {"reason": "Customer merged"})
    assert archived.json()["status"] == "archived"
    restored = step(director, plan, "restore")
    assert restored.status_code == 200
    assert restored.json()["status"] == "draft"
    assert restored.json()["archived_at"] is None


def test_an_approval_comment_of_the_wrong_type_is_a_400(world, api):
    plan = world.objects["plan"]
    step(api("own_kam"), plan, "submit")
    response = step(api("director"), plan, "approve", {"comment": {"nested": 1}})
    assert response.status_code == 400
    assert status_of(plan) == PlanStatus.SUBMITTED


def test_the_directors_comments_are_in_the_plans_versions_and_the_approval_on_the_plan(world, api):
    plan = world.objects["plan"]
    kam, director = api("own_kam"), api("director")
    url = reverse("api:plan-detail", args=[plan.pk])
    assert kam.post(f"{url}submit/", {}, format="json").status_code == 200
    sent_back = director.post(
        f"{url}send-back/", {"reason": "Add a revenue objective."}, format="json"
    )
    assert sent_back.status_code == 200
    assert kam.post(f"{url}submit/", {}, format="json").status_code == 200
    approve = director.post(f"{url}approve/", {"comment": "Good, go."}, format="json")
    assert approve.status_code == 200

    assert kam.get(url).json()["approval_comment"] == "Good, go."
    versions = kam.get(reverse("api:planversion-list"), {"plan": plan.pk}).json()["results"]
    # Newest first; the world's plan starts with a version of its own ("Needs dates").
    said = [(v["status"], v["comment"]) for v in versions if v["comment"]]
    assert said[:2] == [("approved", "Good, go."), ("draft", "Add a revenue objective.")]
    assert versions[0]["created_by_name"] == str(world.users["director"])
    assert "snapshot" not in versions[0]


def test_another_kam_reads_no_version_of_the_plan(world, api):
    plan = world.objects["plan"]
    listed = api("other_kam").get(reverse("api:planversion-list"), {"plan": plan.pk}).json()

    assert listed["results"] == []


def test_a_review_date_before_the_period_starts_is_a_400(world, api):
    plan = world.objects["plan"]
    client = api("own_kam")
    url = reverse("api:plan-detail", args=[plan.pk])
    etag = client.get(url)["ETag"]

    response = client.patch(url, {"review_date": "2025-12-31"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 400
    assert "on or after the period's start" in response.json()["review_date"][0]
    assert Plan.objects.get(pk=plan.pk).review_date == plan.review_date
    created = client.post(
        reverse("api:plan-list"),
        {
            "account": world.objects["account"].pk,
            "title": "Plan 2028",
            "period_start": "2028-01-01",
            "period_end": "2028-12-31",
            "review_date": "2027-06-30",
        },
        format="json",
    )
    assert created.status_code == 400
    assert "review_date" in created.json()
