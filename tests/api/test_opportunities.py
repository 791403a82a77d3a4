"""Opportunities in the API: ETag concurrency, the service's rules as 400s, no delete."""

from __future__ import annotations

from django.urls import reverse

from plans.models import Opportunity, PlanStatus


def url(world):
    return reverse("api:opportunity-detail", args=[world.objects["opportunity"].pk])


def test_a_read_carries_the_etag_and_a_stale_change_is_412(world, api):
    first, second = api("own_kam"), api("team_kam")
    etag = first.get(url(world))["ETag"]
    assert etag == f'"opportunity-{world.objects["opportunity"].pk}-v1"'

    assert first.patch(url(world), {"probability": 70}, format="json").status_code == 428
    won = first.patch(url(world), {"status": "won"}, format="json", HTTP_IF_MATCH=etag)
    assert won.status_code == 200, won.content
    assert won.json()["closed_on"] is not None
    late = second.patch(url(world), {"probability": 10}, format="json", HTTP_IF_MATCH=etag)

    assert late.status_code == 412
    stored = Opportunity.objects.get(pk=world.objects["opportunity"].pk)
    assert (stored.status, stored.probability, stored.version) == ("won", 50, 2)


def test_lost_without_a_reason_is_a_400_on_the_field(world, api):
    client = api("own_kam")
    etag = client.get(url(world))["ETag"]

    response = client.patch(url(world), {"status": "lost"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 400
    assert "lost_reason" in response.json()
    assert Opportunity.objects.get(pk=world.objects["opportunity"].pk).status == "open"


def test_a_change_leaves_an_approved_plan_approved(world, api):
    plan = world.objects["plan"]
    plan.__class__.objects.filter(pk=plan.pk).update(status=PlanStatus.APPROVED)
    client = api("own_kam")
    etag = client.get(url(world))["ETag"]

    response = client.patch(url(world), {"probability": 90}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED


def test_opportunities_are_not_deleted(world, api):
    response = api("own_kam").delete(url(world))
    assert response.status_code == 405
    assert Opportunity.objects.filter(pk=world.objects["opportunity"].pk).exists()
