"""The API keeps a plan's long texts to kam.bounds.MAX_TEXT with the pages' message, says so in
its schema, and a change that changes nothing keeps the version (and the ETag)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from kam import bounds
from plans.models import Action, PlanSection, PlanVersion

TOO_LONG = "x" * (bounds.MAX_TEXT + 1)
MESSAGE = f"at most {bounds.MAX_TEXT:,} characters"


def patch(client, url, body):
    etag = client.get(url)["ETag"]
    return client.patch(url, body, format="json", HTTP_IF_MATCH=etag)


@pytest.mark.parametrize(
    ("name", "url_name", "field", "model"),
    [
        ("section", "api:plansection-detail", "body", PlanSection),
        ("action", "api:action-detail", "description", Action),
    ],
)
def test_a_too_long_text_is_a_400_on_its_field_and_writes_nothing(
    world, api, name, url_name, field, model
):
    obj = world.objects[name]
    before = getattr(obj, field)

    response = patch(api("own_kam"), reverse(url_name, args=[obj.pk]), {field: TOO_LONG})

    assert response.status_code == 400
    assert MESSAGE in response.json()[field][0]
    assert getattr(model.objects.get(pk=obj.pk), field) == before


def test_a_section_of_the_greatest_length_is_kept_counting_crlf_as_one(world, api):
    text = ("y" * 99 + "\n") * (bounds.MAX_TEXT // 100)
    section = world.objects["section"]
    url = reverse("api:plansection-detail", args=[section.pk])

    response = patch(api("own_kam"), url, {"body": text.replace("\n", "\r\n")})

    assert response.status_code == 200
    assert PlanSection.objects.get(pk=section.pk).body == text


def test_a_section_saved_unchanged_keeps_its_version_and_etag(world, api):
    section = world.objects["section"]
    url = reverse("api:plansection-detail", args=[section.pk])
    client = api("own_kam")
    etag = client.get(url)["ETag"]
    versions = PlanVersion.objects.count()

    response = client.patch(url, {"body": section.body}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] == etag
    assert PlanVersion.objects.count() == versions


@pytest.mark.parametrize(
    ("component", "field"),
    [("PatchedPlanSectionWriteRequest", "body"), ("PatchedActionUpdateRequest", "description")],
)
def test_the_schema_states_the_bound(db, component, field):
    schema = SchemaGenerator().get_schema(request=None, public=True)

    assert schema["components"]["schemas"][component]["properties"][field]["maxLength"] == (
        bounds.MAX_TEXT
    )
