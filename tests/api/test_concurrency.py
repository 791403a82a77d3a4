"""Optimistic concurrency on plans, sections, contacts, objectives and actions: responses carry
an ETag; a change without If-Match gets 428, with a stale one 412; never a silent overwrite."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Contact
from kam.api import exception_handler
from kam.errors import ConflictError
from plans.models import Action, Objective, Plan, PlanSection

# name in world.objects -> (url name, a valid PATCH body, the field it changes)
VERSIONED = {
    "plan": ("api:plan-detail", {"title": "Plan, second draft"}, "title"),
    "section": ("api:plansection-detail", {"body": "Buys on total cost."}, "body"),
    "contact": ("api:contact-detail", {"title": "Chief buyer"}, "title"),
    "objective": ("api:objective-detail", {"description": "Grow"}, "description"),
    "action": ("api:action-detail", {"title": "Plant visit"}, "title"),
}
MODELS = {
    "plan": Plan,
    "section": PlanSection,
    "contact": Contact,
    "objective": Objective,
    "action": Action,
}


def url_of(world, name):
    return reverse(VERSIONED[name][0], args=[world.objects[name].pk])


@pytest.mark.parametrize("name", VERSIONED)
def test_a_read_carries_the_etag_of_the_objects_version(world, api, name):
    obj = world.objects[name]
    response = api("own_kam").get(url_of(world, name))
    assert response.status_code == 200
    assert response["ETag"] == f'"{obj._meta.model_name}-{obj.pk}-v1"'
    assert response.json()["version"] == 1


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("name", VERSIONED)
def test_a_change_without_if_match_is_428_and_writes_nothing(world, api, name, method):
    _, body, field = VERSIONED[name]
    before = getattr(MODELS[name].objects.get(pk=world.objects[name].pk), field)
    response = getattr(api("own_kam"), method)(url_of(world, name), body, format="json")
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert getattr(MODELS[name].objects.get(pk=world.objects[name].pk), field) == before


@pytest.mark.parametrize("name", ["contact", "objective", "action"])
def test_a_delete_without_if_match_is_428_and_deletes_nothing(world, api, name):
    response = api("own_kam").delete(url_of(world, name))
    assert response.status_code == 428
    assert MODELS[name].objects.filter(pk=world.objects[name].pk).exists()


@pytest.mark.parametrize("name", VERSIONED)
def test_a_successful_change_answers_with_the_next_version(world, api, name):
    _, body, field = VERSIONED[name]
    client = api("own_kam")
    etag = client.get(url_of(world, name))["ETag"]
    response = client.patch(url_of(world, name), body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    obj = world.objects[name]
    assert response["ETag"] == f'"{obj._meta.model_name}-{obj.pk}-v2"'
    assert response.json()[field] == body[field]


@pytest.mark.parametrize("name", VERSIONED)
def test_two_editors_of_one_version_one_wins_the_other_gets_412(world, api, name):
    _, body, field = VERSIONED[name]
    first, second = api("own_kam"), api("team_kam")
    etag = first.get(url_of(world, name))["ETag"]
    assert second.get(url_of(world, name))["ETag"] == etag
    assert (
        first.patch(url_of(world, name), body, format="json", HTTP_IF_MATCH=etag).status_code == 200
    )
    late = second.patch(
        url_of(world, name), {field: "The second editor's text"}, format="json", HTTP_IF_MATCH=etag
    )
    assert late.status_code == 412
    obj = world.objects[name]
    assert late["ETag"] == f'"{obj._meta.model_name}-{obj.pk}-v2"'
    assert getattr(MODELS[name].objects.get(pk=obj.pk), field) == body[field]


def test_a_stale_delete_is_412_and_deletes_nothing(world, api):
    contact = world.objects["contact"]
    client = api("own_kam")
    etag = client.get(url_of(world, "contact"))["ETag"]
    client.patch(url_of(world, "contact"), {"title": "Buyer"}, format="json", HTTP_IF_MATCH=etag)
    response = client.delete(url_of(world, "contact"), HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_an_if_match_naming_another_object_is_412(world, api):
    plan = world.objects["plan"]
    response = api("own_kam").patch(
        url_of(world, "plan"),
        {"title": "X"},
        format="json",
        HTTP_IF_MATCH=f'"contact-{plan.pk}-v1"',
    )
    assert response.status_code == 412


def test_if_match_star_does_not_skip_the_check(world, api):
    response = api("own_kam").patch(
        url_of(world, "plan"), {"title": "X"}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 412
    assert Plan.objects.get(pk=world.objects["plan"].pk).version == 1


def test_a_conflict_found_by_the_service_is_412():
    """The service re-checks the version where it writes; its ConflictError is a 412 too."""
    response = exception_handler(ConflictError("Someone saved first.", current_version=3), {})
    assert response.status_code == 412
    assert response.data == {"detail": "Someone saved first."}
