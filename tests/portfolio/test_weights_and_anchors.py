"""The weights form states that weights are relative and shows their total and each share; a
saved change needs a reason, kept in history. Rating anchors are the directors' to write."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kam.errors import InvalidInput, PermissionDenied
from scoring import workbench
from scoring.models import Criterion, CriterionKind

WORKBENCH = reverse("portfolio:workbench")
SAVE = reverse("portfolio:weights_save")
ANCHORS = reverse("portfolio:anchors")


def only(**chosen: int) -> dict[str, str]:
    """The weights form's data: every active criterion at 0 except the chosen ones (by key)."""
    return {
        f"weight_{c.pk}": str(chosen.get(c.key, 0)) for c in Criterion.objects.filter(active=True)
    }


def test_the_workbench_says_weights_are_relative_and_shows_total_and_shares(client, director):
    client.force_login(director)

    html = client.get(WORKBENCH).content.decode()

    assert "Weights are relative, they need not add up to 100" in html
    # The default weights total 100 (migration 0002): each share is its weight.
    assert 'data-testid="weights-total">100.00<' in html
    revenue = Criterion.objects.get(key="revenue")
    assert f'data-share-for="id_weight_{revenue.pk}">15.0 %<' in html
    assert "js/weights.js" in html


def test_a_refused_save_shows_the_shares_of_the_typed_weights(client, director):
    """Without JavaScript the page still shows the typed weights' total and shares."""
    client.force_login(director)
    revenue = Criterion.objects.get(key="revenue")
    headroom = Criterion.objects.get(key="headroom")

    response = client.post(SAVE, only(revenue=1, headroom=3))  # no reason

    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="weights-total">4.00<' in html
    assert f'data-share-for="id_weight_{revenue.pk}">25.0 %<' in html
    assert f'data-share-for="id_weight_{headroom.pk}">75.0 %<' in html


def test_effective_shares_are_weight_over_total():
    assert workbench.effective_shares({1: Decimal(1), 2: Decimal(3), 3: Decimal(0)}) == {
        1: Decimal("25.0"),
        2: Decimal("75.0"),
        3: Decimal("0.0"),
    }
    assert workbench.effective_shares({1: Decimal(0)}) == {1: None}


def test_a_change_without_a_reason_is_refused_and_nothing_saved(client, director):
    client.force_login(director)
    before = list(Criterion.objects.values_list("pk", "weight"))
    history = Criterion.history.count()

    response = client.post(SAVE, only(revenue=40, headroom=60) | {"reason": "  "})

    assert response.status_code == 400
    assert "Say why the weights change" in response.content.decode()
    assert list(Criterion.objects.values_list("pk", "weight")) == before
    assert Criterion.history.count() == history


def test_the_reason_is_kept_in_each_changed_criterions_history(client, director):
    client.force_login(director)
    data = only(revenue=40, headroom=60)
    data["reason"] = "Potential over volume"

    response = client.post(SAVE, data)

    assert response.status_code == 302
    for key, weight in (("revenue", "40.00"), ("headroom", "60.00"), ("turnover", "0.00")):
        latest = Criterion.objects.get(key=key).history.first()
        assert latest.weight == Decimal(weight)
        assert (latest.history_change_reason, latest.history_user) == (
            "Potential over volume",
            director,
        )


def test_the_service_refuses_a_blank_reason(director):
    revenue = Criterion.objects.get(key="revenue")

    with pytest.raises(InvalidInput) as refusal:
        workbench.criteria_weights_save(weights={revenue.pk: Decimal(3)}, actor=director)

    assert list(refusal.value.errors) == ["reason"]
    assert Criterion.objects.get(key="revenue").weight == Decimal(15)


def test_the_api_needs_a_reason(client, director):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(director)
    revenue = Criterion.objects.get(key="revenue")
    body = {"weights": [{"criterion": revenue.pk, "weight": "3"}]}

    response = api.post(reverse("api:criterion-weights"), body, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()
    assert Criterion.objects.get(key="revenue").weight == Decimal(15)


# --- Rating anchors ------------------------------------------------------------------------


def anchors_data(**changes: tuple[str, str]) -> dict[str, str]:
    data = {}
    for c in Criterion.objects.filter(kind=CriterionKind.RATED, active=True):
        low, high = changes.get(c.key, (c.anchor_low, c.anchor_high))
        data[f"anchor_low_{c.pk}"], data[f"anchor_high_{c.pk}"] = low, high
    return data


def test_a_director_rewrites_an_anchor_with_a_reason_kept_in_history(client, director):
    client.force_login(director)
    data = anchors_data(geographic_fit=("Outside our delivery area", "Next to a plant"))
    data["reason"] = "Sharper words"

    response = client.post(ANCHORS, data)

    assert response.status_code == 302
    geo = Criterion.objects.get(key="geographic_fit")
    assert (geo.anchor_low, geo.anchor_high) == ("Outside our delivery area", "Next to a plant")
    latest = geo.history.first()
    assert (latest.history_change_reason, latest.history_user) == ("Sharper words", director)
    # The other criteria were unchanged: no history row for them.
    assert not Criterion.objects.get(key="strategic_value").history.exists()


def test_an_anchor_over_200_characters_is_refused(client, director):
    client.force_login(director)

    response = client.post(ANCHORS, anchors_data(geographic_fit=("x" * 201, "ok")))

    assert response.status_code == 200
    assert "Ensure this value has at most 200 characters" in response.content.decode()
    assert Criterion.objects.get(key="geographic_fit").anchor_high != "ok"


@pytest.mark.parametrize(("role", "status"), [("kam", 403), ("operations", 403)])
def test_only_directors_edit_anchors(client, db, request, role, status):
    client.force_login(request.getfixturevalue(role))

    assert client.get(ANCHORS).status_code == status
    response = client.post(ANCHORS, anchors_data(geographic_fit=("a", "b")))

    assert response.status_code == status
    assert Criterion.objects.get(key="geographic_fit").anchor_low != "a"


def test_the_anchors_service_refuses_a_kam_and_computed_criteria(kam, director):
    revenue = Criterion.objects.get(key="revenue")
    geo = Criterion.objects.get(key="geographic_fit")

    with pytest.raises(PermissionDenied):
        workbench.criteria_anchors_save(anchors={geo.pk: ("a", "b")}, actor=kam)
    with pytest.raises(Exception, match="Only rated criteria have anchors"):
        workbench.criteria_anchors_save(anchors={revenue.pk: ("a", "b")}, actor=director)


@pytest.mark.parametrize("extra", [0, 10])
def test_the_anchors_page_reads_a_fixed_number_of_queries(
    client, director, extra, django_assert_num_queries
):
    for index in range(extra):
        Criterion.objects.create(
            key=f"extra_{index}", label=f"Extra {index}", kind=CriterionKind.RATED, weight=1
        )
    client.force_login(director)
    client.get(ANCHORS)

    # session, user, groups, the rated criteria, unread notifications
    with django_assert_num_queries(5):
        response = client.get(ANCHORS)

    assert response.status_code == 200
    assert response.content.decode().count("<fieldset") == 6 + extra
