"""Bad input is a 400 with field-level messages (DRF's shape), never a 500 and never a write:
unknown fields, NUL characters, out-of-range numbers, wrong types, malformed JSON; refusals of
the domain rules come back as {"detail": ...} or per field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Contact, SalesLine, StageChange
from plans.models import Measurement, Plan
from tests.api.conftest import plan_body


def contact_body(world, **extra):
    return {
        "account": world.objects["account"].pk,
        "name": "Dana Buyer",
        "buying_role": "buyer",
        "influence": 3,
        **extra,
    }


def test_an_unknown_field_is_refused_not_dropped(world, api):
    response = api("own_kam").post(
        reverse("api:contact-list"), contact_body(world, nickname="D"), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"nickname": ["Unknown field."]}
    assert Contact.objects.count() == 1


def test_an_unknown_field_in_a_change_is_refused(world, api):
    client = api("own_kam")
    url = reverse("api:plan-detail", args=[world.objects["plan"].pk])
    etag = client.get(url)["ETag"]
    response = client.patch(url, {"titel": "Typo"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 400
    assert response.json() == {"titel": ["Unknown field."]}
    assert Plan.objects.get(pk=world.objects["plan"].pk).version == 1


def test_a_nul_character_is_a_field_error(world, api):
    response = api("own_kam").post(
        reverse("api:contact-list"), contact_body(world, name="Dana\x00Buyer"), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"name": ["Null characters are not allowed."]}


def test_a_nul_character_in_a_search_is_a_400(world, api):
    response = api("director").get(reverse("api:account-list"), {"q": "Ac\x00me"})
    assert response.status_code == 400
    assert "q" in response.json()


@pytest.mark.parametrize("value", [2**63, 10**30, -1, 0])
def test_an_id_out_of_range_in_a_filter_is_a_400(world, api, value):
    response = api("director").get(reverse("api:contact-list"), {"account": value})
    assert response.status_code == 400
    assert "account" in response.json()


def test_an_id_out_of_range_in_a_body_is_a_field_error(world, api):
    response = api("own_kam").post(
        reverse("api:contact-list"), contact_body(world, account=2**70), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["account"]


@pytest.mark.parametrize("path_id", ["0.5", "abc", "99999999999999999999999", "-1"])
def test_a_malformed_or_unknown_id_in_the_path_is_a_json_404(world, api, path_id):
    response = api("director").get(f"/api/v1/plans/{path_id}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_an_unknown_api_path_is_a_json_404(world, api):
    response = api("director").get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_body_that_is_not_an_object_is_a_400(world, api):
    response = api("own_kam").post(reverse("api:contact-list"), [1, 2], format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_malformed_json_is_a_400(world, api):
    response = api("own_kam").post(
        reverse("api:contact-list"), '{"name": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_wrong_types_and_ranges_get_a_message_per_field(world, api):
    response = api("own_kam").post(
        reverse("api:contact-list"),
        contact_body(world, influence=9, buying_role="boss", last_contact_on="yesterday"),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"influence", "buying_role", "last_contact_on"}


def test_a_refusal_of_a_domain_rule_is_a_400_with_its_message(world, api):
    account = world.objects["account"]
    response = api("own_kam").post(
        reverse("api:stagechange-list"),
        {"account": account.pk, "to_stage": account.stage, "reason": "Still cooperative"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "The account is already at stage Cooperative."}
    assert StageChange.objects.filter(account=account).count() == 1


def test_a_service_field_error_comes_back_on_its_field(world, api):
    outsider = world.users["other_kam"]
    response = api("own_kam").post(
        reverse("api:contact-list"),
        contact_body(world, relationship_owner=outsider.pk),
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["relationship_owner"]


def test_a_plan_for_a_standard_account_is_refused_with_a_message(world, api):
    standard = world.objects["standard_account"]
    response = api("director").post(
        reverse("api:plan-list"), plan_body(standard, title="No"), format="json"
    )
    # Directors may not start plans at all: the rule refuses before the account's status.
    assert response.status_code == 403


def test_the_period_must_end_after_it_starts(world, api):
    response = api("own_kam").post(
        reverse("api:plan-list"),
        plan_body(
            world.objects["account"],
            title="Backwards",
            period_start="2027-12-31",
            period_end="2027-01-01",
        ),
        format="json",
    )
    assert response.status_code == 400
    assert Plan.objects.filter(title="Backwards").count() == 0


def test_a_date_time_filter_reads_any_offset_in_utc(world, api):
    """Python takes offsets up to +-23:59, PostgreSQL only up to +-15:59: the filter reads the
    instant in UTC first, so every offset works, and one that leaves the calendar is a 400."""
    import datetime as dt

    change = StageChange.objects.get(pk=world.objects["stage_change"].pk)
    StageChange.objects.filter(pk=change.pk).update(
        changed_at=dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
    )
    url = reverse("api:stagechange-list")

    # 2026-04-02 10:26 at +22:26 is 2026-04-01 12:00 UTC: the change, exactly.
    at = api("director").get(url, {"changed_after": "2026-04-02T10:26:00+22:26"})
    # one minute later in that zone is after the change
    after = api("director").get(url, {"changed_after": "2026-04-02T10:27:00+22:26"})
    overflow = api("director").get(url, {"changed_after": "0001-01-01T00:00:00+05:00"})

    assert at.status_code == 200
    assert change.pk in [row["id"] for row in at.json()["results"]]
    assert after.status_code == 200
    assert change.pk not in [row["id"] for row in after.json()["results"]]
    assert overflow.status_code == 400
    assert "out of range" in str(overflow.json())


OUT_OF_RANGE = "out of range: write a date from 1950-01-01 to 2199-12-31."


def sales_line(world, **extra):
    return {
        "erp_document": "INV-2026-0099",
        "erp_line": 1,
        "account": world.objects["account"].pk,
        "date": "2026-10-15",
        "quantity": "1.000",
        "revenue": "10.00",
        "cost_of_goods": "5.00",
        **extra,
    }


def test_a_sales_line_dated_year_one_is_refused_on_its_index(world, api):
    before = SalesLine.objects.count()
    body = {"lines": [sales_line(world), sales_line(world, erp_line=2, date="0001-01-01")]}
    response = api("director").post(reverse("api:salesline-list"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"lines": {"1": {"date": [f"0001-01-01 is {OUT_OF_RANGE}"]}}}
    assert SalesLine.objects.count() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("period_start", "1949-12-31"),
        ("period_end", "9999-12-31"),
        ("review_date", "2200-01-01"),
    ],
)
def test_a_plan_date_outside_the_plausible_range_is_a_field_error(world, api, field, value):
    body = plan_body(world.objects["account"], title="Far out", **{field: value})
    response = api("own_kam").post(reverse("api:plan-list"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [f"{value} is {OUT_OF_RANGE}"]}
    assert not Plan.objects.filter(title="Far out").exists()


def test_a_plan_period_end_changed_out_of_range_is_a_field_error(world, api):
    client = api("own_kam")
    plan = world.objects["plan"]
    url = reverse("api:plan-detail", args=[plan.pk])
    etag = client.get(url)["ETag"]
    response = client.patch(url, {"period_end": "9999-12-31"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 400
    assert response.json() == {"period_end": [f"9999-12-31 is {OUT_OF_RANGE}"]}
    assert Plan.objects.get(pk=plan.pk).period_end == plan.period_end


def test_a_measurement_period_starting_before_the_range_is_a_field_error(world, api):
    commitment = world.objects["commitment"]
    before = Measurement.objects.count()
    response = api("operations").post(
        reverse("api:measurement-list"),
        {
            "commitment": commitment.pk,
            "value": "99.000",
            "period_start": "0001-01-01",
            "period_end": "2026-10-31",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"period_start": [f"0001-01-01 is {OUT_OF_RANGE}"]}
    assert Measurement.objects.count() == before


# What the schema says the API enforces: bounds of paging, no blank or half-true filters, JSON
# types as documented (Schemathesis' negative testing in test_schemathesis.py finds the rest).


@pytest.mark.parametrize("value", ["-5", "abc", "0", "201", "", "1.5", "null"])
def test_a_page_size_out_of_bounds_is_a_400_naming_it(world, api, value):
    response = api("director").get(reverse("api:contact-list"), {"page_size": value})
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


@pytest.mark.parametrize("value", ["0", "-1", "x"])
def test_a_page_number_below_one_or_not_a_number_is_a_400(world, api, value):
    response = api("director").get(reverse("api:contact-list"), {"page": value})
    assert response.status_code == 400
    assert response.json() == {"page": [f"A whole number from 1 to {2**31 - 1}."]}


def test_a_page_beyond_the_last_is_a_404_and_the_cursor_list_bounds_its_size_too(world, api):
    client = api("director")
    assert client.get(reverse("api:contact-list"), {"page": "99"}).status_code == 404
    assert client.get(reverse("api:account-list"), {"page_size": "501"}).status_code == 400
    assert client.get(reverse("api:account-list"), {"page_size": "500"}).status_code == 200


@pytest.mark.parametrize(
    ("url_name", "params", "field"),
    [
        ("api:plan-list", {"review_before": ""}, "review_before"),
        ("api:account-list", {"country": " "}, "country"),
        ("api:contact-list", {"ordering": ""}, "ordering"),
        ("api:notification-list", {"unread": "null"}, "unread"),
        ("api:notification-list", {"unread": "1"}, "unread"),
    ],
)
def test_a_blank_or_half_true_filter_is_a_400_not_the_unfiltered_list(
    world, api, url_name, params, field
):
    response = api("director").get(reverse(url_name), params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_a_yes_no_filter_takes_true_and_false(world, api):
    client = api("director")
    for value in ("true", "false", "TRUE"):
        assert client.get(reverse("api:notification-list"), {"unread": value}).status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": 5}, "Must be text."),
        ({"influence": "3"}, "Must be a whole number."),
        ({"influence": True}, "Must be a whole number."),
        ({"buying_role": 1}, "Must be one of the listed values."),
    ],
)
def test_a_value_of_another_json_type_is_refused_not_converted(world, api, changes, message):
    field = next(iter(changes))
    response = api("own_kam").post(
        reverse("api:contact-list"), contact_body(world, **changes), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert Contact.objects.count() == 1


def test_a_decimal_may_be_sent_as_a_number_or_as_text(world, api):
    line = {
        "account": world.objects["account"].pk,
        "erp_document": "INV-77",
        "erp_line": 1,
        "date": "2026-05-04",
        "product_category": "Seals",
        "quantity": 2,
        "revenue": "120.50",
        "cost_of_goods": 60.25,
    }
    response = api("admin").post(reverse("api:salesline-list"), {"lines": [line]}, format="json")
    assert response.status_code == 201, response.json()
    stored = SalesLine.objects.get(erp_document="INV-77")
    assert (str(stored.revenue), str(stored.cost_of_goods)) == ("120.50", "60.25")


def test_the_schema_states_the_bounds_the_api_enforces(client):
    import yaml

    document = yaml.safe_load(client.get(reverse("schema")).content)
    contacts = document["paths"]["/api/v1/contacts/"]["get"]["parameters"]
    by_name = {parameter["name"]: parameter["schema"] for parameter in contacts}
    assert by_name["page_size"] == {"type": "integer", "minimum": 1, "maximum": 200}
    assert by_name["page"]["minimum"] == 1
    assert by_name["ordering"]["minLength"] == 1
    detail = document["paths"]["/api/v1/contacts/{id}/"]["get"]["parameters"]
    [path_id] = [parameter for parameter in detail if parameter["in"] == "path"]
    assert path_id["schema"]["minimum"] == 1
    request = document["components"]["schemas"]["ContactCreateRequest"]
    assert request["additionalProperties"] is False
    weights = document["components"]["schemas"]["WeightsRequest"]["properties"]["weights"]
    assert (weights["minItems"], weights["maxItems"]) == (1, 200)
