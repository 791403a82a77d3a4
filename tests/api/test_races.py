"""Races answer like single requests: two requests sent at the same moment (threads, each with
its own database connection, released together by a barrier) on PostgreSQL. A double "Start
plan", "Add to team" or measurement of one period, on the API or the page, gives one row and a
refusal, never a 500; an edit racing a delete of the same contact, objective or action gives
404/412, never a 500."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Contact, FunctionalRole, TeamMembership
from plans.models import Action, Measurement, Objective, Plan
from tests import factories
from tests.api.conftest import token_for

ROUNDS = 10

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="races need PostgreSQL's concurrent writers"
    ),
]


def at_once(*requests: Callable[[], Any]) -> list[int]:
    """Send `requests` at the same moment, one thread each; their status codes."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = [0] * len(requests)

    def send(index: int, request: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            statuses[index] = request().status_code
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=send, args=(index, request))
        for index, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def api_client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


def browser(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def no_server_error(statuses: list[int]) -> None:
    assert all(status < 500 for status in statuses), statuses


def test_a_double_start_plan_makes_one_plan():
    kam = factories.KamFactory()
    for _round in range(ROUNDS):
        account = factories.KeyAccountFactory(kam=kam)
        body = {
            "account": account.pk,
            "title": "Plan 2027",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "review_date": "2027-06-30",
        }
        form = {key: value for key, value in body.items() if key != "account"}
        api, page = api_client(kam), browser(kam)
        statuses = at_once(
            lambda api=api, body=body: api.post(reverse("api:plan-list"), body, format="json"),
            lambda page=page, account=account, form=form: page.post(
                reverse("plans:plan_create", args=[account.pk]), form
            ),
        )
        no_server_error(statuses)
        assert Plan.objects.filter(account=account).count() == 1


def test_a_double_add_to_team_adds_once():
    kam = factories.KamFactory()
    for _round in range(ROUNDS):
        account = factories.KeyAccountFactory(kam=kam)
        person = factories.UserFactory()
        body = {"account": account.pk, "user": person.pk, "functional_role": FunctionalRole.SALES}
        api, page = api_client(kam), browser(kam)
        statuses = at_once(
            lambda api=api, body=body: api.post(
                reverse("api:teammember-list"), body, format="json"
            ),
            lambda page=page, account=account, person=person: page.post(
                reverse("accounts:team_add", args=[account.pk]),
                {"user": person.pk, "functional_role": FunctionalRole.SALES},
            ),
        )
        no_server_error(statuses)
        assert TeamMembership.objects.filter(account=account, user=person).count() == 1


def test_a_double_measurement_of_one_period_records_it_once():
    operations = factories.OperationsFactory()
    for _round in range(ROUNDS):
        commitment = factories.CommitmentFactory()
        period = {"period_start": "2026-10-01", "period_end": "2026-10-31"}
        body = {"commitment": commitment.pk, "value": "99.000", **period}
        api, page = api_client(operations), browser(operations)
        statuses = at_once(
            lambda api=api, body=body: api.post(
                reverse("api:measurement-list"), body, format="json"
            ),
            lambda page=page, commitment=commitment, period=period: page.post(
                reverse("plans:measurement_create", args=[commitment.pk]), {"value": "98", **period}
            ),
        )
        no_server_error(statuses)
        assert Measurement.objects.filter(commitment=commitment).count() == 1


@pytest.mark.parametrize(
    ("make", "url_name", "body"),
    [
        (
            lambda plan: factories.ContactFactory(account=plan.account),
            "api:contact-detail",
            {"title": "Chief buyer"},
        ),
        (
            lambda plan: factories.ObjectiveFactory(plan=plan),
            "api:objective-detail",
            {"description": "Grow"},
        ),
        (
            lambda plan: factories.ActionFactory(plan=plan),
            "api:action-detail",
            {"title": "Plant visit"},
        ),
    ],
    ids=["contact", "objective", "action"],
)
def test_an_edit_racing_a_delete_is_refused_not_a_server_error(make, url_name, body):
    kam = factories.KamFactory()
    plan = factories.PlanFactory(account=factories.KeyAccountFactory(kam=kam))
    model = {"api:contact-detail": Contact, "api:objective-detail": Objective}.get(url_name, Action)
    for _round in range(ROUNDS):
        item = make(plan)
        url = reverse(url_name, args=[item.pk])
        etag = f'"{item._meta.model_name}-{item.pk}-v{item.version}"'
        editor, deleter = api_client(kam), api_client(kam)
        statuses = at_once(
            partial(editor.patch, url, body, format="json", HTTP_IF_MATCH=etag),
            partial(deleter.delete, url, HTTP_IF_MATCH=etag),
        )
        no_server_error(statuses)
        edited, deleted = statuses
        # Either the edit came first (the delete saw a newer version) or the delete did (the
        # edit found the row gone, or claimed at its version).
        assert (edited, deleted) in {(200, 412), (404, 204), (412, 204)}, statuses
        assert model.objects.filter(pk=item.pk).exists() == (deleted == 412)
