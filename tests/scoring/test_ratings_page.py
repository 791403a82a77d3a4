"""The ratings page: every rated criterion of an account on one form with its anchors, saved at
once (a bad value refuses everything), when the score reflects them, and a recompute for
directors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from kam.errors import DomainError, InvalidInput, PermissionDenied
from scoring.models import Criterion, CriterionKind, Rating, RunStatus, ScoringRun
from scoring.ratings import next_nightly_run, ratings_record


def rated():
    return list(Criterion.objects.filter(kind=CriterionKind.RATED, active=True))


def url(account):
    return reverse("accounts:rate", args=[account.pk])


def test_the_kam_sees_every_rated_criterion_with_its_anchors_and_nothing_chosen(
    client, kam, key_account
):
    client.force_login(kam)

    html = client.get(url(key_account)).content.decode()

    criteria = rated()
    assert len(criteria) == 6  # the default rated criteria (migration 0002)
    for criterion in criteria:
        assert f'data-testid="criterion-{criterion.key}"' in html
        assert criterion.anchor_low and f"1 = {escape(criterion.anchor_low)}" in html
        assert f"5 = {escape(criterion.anchor_high)}" in html
        for value in range(1, 6):
            assert f'name="{criterion.key}" value="{value}"' in html
    assert "checked" not in html
    assert "Recompute now" not in html  # KAMs do not start runs


def test_the_kam_rates_every_criterion_in_one_save(client, kam, key_account):
    client.force_login(kam)
    criteria = rated()
    data = {c.key: str(index % 5 + 1) for index, c in enumerate(criteria)}
    data["strategic_value_why"] = "Named reference in two tenders"

    response = client.post(url(key_account), data)

    assert response.status_code == 302
    assert response.url == reverse("accounts:detail", args=[key_account.pk]) + "#ratings"
    saved = {r.criterion.key: r for r in Rating.objects.select_related("criterion")}
    assert {key: r.value for key, r in saved.items()} == {
        k: int(v) for k, v in data.items() if k in saved
    }
    assert set(saved) == {c.key for c in criteria}
    assert saved["strategic_value"].comment == "Named reference in two tenders"
    # One judgement: every rating of the save by the KAM at the same moment.
    assert {(r.rated_by_id, r.rated_at) for r in saved.values()} == {
        (kam.pk, saved["strategic_value"].rated_at)
    }


def test_a_criterion_left_empty_keeps_its_rating(client, kam, key_account):
    geo = Criterion.objects.get(key="geographic_fit")
    ratings_record(account=key_account, values={"geographic_fit": 2}, actor=kam)
    client.force_login(kam)

    response = client.post(url(key_account), {"strategic_value": "5", "geographic_fit": ""})

    assert response.status_code == 302
    newest = Rating.objects.filter(account=key_account, criterion=geo).order_by("-rated_at", "-pk")
    assert [r.value for r in newest] == [2]
    assert Rating.objects.filter(criterion__key="strategic_value").get().value == 5


def test_a_bad_value_refuses_every_rating_of_the_save(client, kam, key_account):
    client.force_login(kam)

    response = client.post(
        url(key_account), {"strategic_value": "4", "geographic_fit": "7", "pays_for_value": "3"}
    )

    assert response.status_code == 200
    assert "Select a valid choice. 7 is not one of the available choices." in (
        response.content.decode()
    )
    assert not Rating.objects.exists()


def test_the_service_refuses_all_when_one_value_is_bad(kam, key_account):
    with pytest.raises(InvalidInput) as refusal:
        ratings_record(
            account=key_account,
            values={"strategic_value": 4, "geographic_fit": 0, "revenue": 3},
            actor=kam,
        )

    assert refusal.value.errors == {
        "geographic_fit": ["A rating is a whole number from 1 to 5."],
        "revenue": ["“Revenue, trailing 12 months” is not an active rated criterion."],
    }
    assert not Rating.objects.exists()


def test_an_empty_save_is_refused(kam, key_account):
    with pytest.raises(DomainError, match="at least one criterion"):
        ratings_record(account=key_account, values={}, actor=kam)


@pytest.mark.parametrize("role", ["other_kam", "director", "operations"])
def test_only_those_serving_the_account_may_rate(people, key_account, role):
    with pytest.raises(PermissionDenied):
        ratings_record(account=key_account, values={"strategic_value": 3}, actor=people[role])
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("own_kam", 200),
        ("team_kam", 200),
        ("director", 200),
        ("admin", 200),
        ("operations", 404),
        ("other_kam", 404),
    ],
)
def test_who_reads_the_ratings_page(client, people, key_account, role, status):
    client.force_login(people[role])
    assert client.get(url(key_account)).status_code == status


def test_the_director_reads_the_ratings_and_may_start_a_recompute(client, director, key_account):
    ratings_record(
        account=key_account,
        values={"strategic_value": 4},
        actor=key_account.kam,
    )
    client.force_login(director)

    html = client.get(url(key_account)).content.decode()

    assert 'type="radio"' not in html  # directors do not rate
    assert "4 / 5" in html
    assert 'data-testid="recompute"' in html
    assert reverse("scoring:run_start") in html
    response = client.post(url(key_account), {"strategic_value": "5"})
    assert response.status_code == 403
    assert Rating.objects.count() == 1

    started = client.post(reverse("scoring:run_start"))

    run = ScoringRun.objects.get()
    assert started.status_code == 302
    assert run.started_by == director


@override_settings(KAM_RECOMPUTE_AT="02:00")
def test_the_page_says_when_the_score_reflects_the_ratings(client, kam, key_account):
    client.force_login(kam)

    html = client.get(url(key_account)).content.decode()

    nightly = next_nightly_run(timezone.now())
    assert "after the next scoring run, the nightly one at 02:00 on" in html
    assert f"{nightly:%-d %b %Y}" in html
    assert "unless a director starts one sooner" in html


def test_the_page_says_a_run_in_progress_may_miss_new_ratings(client, kam, key_account):
    run = ScoringRun.objects.create(
        status=RunStatus.RUNNING, trigger="manual", as_of=timezone.localdate()
    )
    client.force_login(kam)

    html = client.get(url(key_account)).content.decode()

    assert f"run {run.pk}</a>): it may not include ratings saved while it runs" in html


@override_settings(KAM_RECOMPUTE_AT="02:00", TIME_ZONE="UTC")
@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (
            dt.datetime(2026, 3, 1, 1, 59, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC),
        ),
        (
            dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC),
        ),
        (
            dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC),
        ),
    ],
)
def test_the_next_nightly_run_is_the_next_recompute_time(now, expected):
    assert next_nightly_run(now) == expected


@pytest.mark.parametrize("criteria", [1, 12])
def test_the_ratings_page_reads_a_fixed_number_of_queries(
    client, kam, key_account, criteria, django_assert_num_queries
):
    for index in range(criteria):
        criterion = Criterion.objects.create(
            key=f"extra_{index}", label=f"Extra {index}", kind=CriterionKind.RATED, weight=1
        )
        Rating.objects.create(account=key_account, criterion=criterion, value=3, rated_by=kam)
    client.force_login(kam)
    client.get(url(key_account))  # the session and the user, once

    # session, user, groups, account, criteria, newest ratings, in-flight run, current run;
    # the model permissions behind `scoring.start_run` (2: rules say no, then Django's own
    # backend is asked) and unread notifications
    with django_assert_num_queries(11):
        response = client.get(url(key_account))

    assert response.status_code == 200


def test_a_kam_cannot_rate_through_a_post_to_another_kams_account(client, other_kam, key_account):
    client.force_login(other_kam)

    response = client.post(url(key_account), {"strategic_value": "5"})

    assert response.status_code == 404
    assert not Rating.objects.exists()
