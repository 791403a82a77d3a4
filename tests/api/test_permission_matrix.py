"""The permission matrix, generated over the API router: every endpoint x every role x every
method it answers (safe and unsafe), against kam/rules.py as DOMAIN.md states it.

Each row says who succeeds and what the others get: 404 when the object is not visible to them
(the same answer as a missing one), 403 when they see it but the rules refuse the change, 400
when a request body names a parent (account, plan, commitment) they cannot see (DRF's "does not
exist", again as for a missing one). Anonymous requests always get 401. A denied write leaves
the database as it was and queues nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import (
    Account,
    Contact,
    SalesLine,
    StageChange,
    TeamMembership,
)
from kam.api import etag_of
from kam.router import build_router
from plans.models import (
    Action,
    Measurement,
    Notification,
    Objective,
    Opportunity,
    Plan,
    PlanSection,
    PlanStatus,
)
from scoring.models import Criterion, Rating, ScoringRun
from tests import factories
from tests.api.conftest import ROLES, World, plan_body

SIGNED_IN = frozenset(ROLES) - {"anonymous"}
PEOPLE = frozenset({"own_kam", "team_kam"})
DETAIL_READERS = PEOPLE | {"director", "admin"}
BASICS_READERS = DETAIL_READERS | {"operations"}
DIRECTORS = frozenset({"director", "admin"})
EDITORS = PEOPLE | {"admin"}


@dataclass(frozen=True)
class Op:
    """One operation's row: the success status and who gets it, and the others' answers."""

    ok: int
    allowed: frozenset[str]
    hidden: frozenset[str] = frozenset()  # 404
    refused: frozenset[str] = frozenset()  # 403
    unknown_parent: frozenset[str] = frozenset()  # 400, the body's parent does not exist for them
    target: str | Callable[[World, str], Any] | None = None  # world.objects key, or a function
    body: Callable[[World], dict[str, Any]] | None = None
    prepare: Callable[[World], None] | None = None
    if_match: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def expected(self, role: str) -> int:
        if role == "anonymous":
            return 401
        for roles, status in (
            (self.allowed, self.ok),
            (self.hidden, 404),
            (self.refused, 403),
            (self.unknown_parent, 400),
        ):
            if role in roles:
                return status
        raise AssertionError(f"{role} missing from the row")


def read_list() -> Op:
    return Op(200, SIGNED_IN)


def read_detail(target: str | Callable[[World, str], Any], readers: frozenset[str]) -> Op:
    return Op(200, readers, hidden=SIGNED_IN - readers, target=target)


def edit(ok: int, target: str, body: Callable[[World], dict[str, Any]] | None = None, **kw) -> Op:
    """A change of a versioned plan part or contact: the editors succeed, directors see it but
    may not change it, everyone else does not see it."""
    return Op(
        ok,
        EDITORS,
        hidden=SIGNED_IN - DETAIL_READERS,
        refused=frozenset({"director"}),
        target=target,
        body=body,
        if_match=True,
        **kw,
    )


def create_in(body: Callable[[World], dict[str, Any]], allowed: frozenset[str], seers: frozenset):
    """A create naming a parent: `seers` see the parent (those not allowed get 403), the rest
    do not (400: no such parent)."""
    return Op(
        201,
        allowed,
        refused=seers - allowed,
        unknown_parent=SIGNED_IN - seers,
        body=body,
    )


def submitted(world: World) -> None:
    Plan.objects.filter(pk=world.objects["plan"].pk).update(status=PlanStatus.SUBMITTED)


def archived(world: World) -> None:
    Plan.objects.filter(pk=world.objects["plan"].pk).update(status=PlanStatus.ARCHIVED)


def pk(world: World, name: str) -> int:
    return world.objects[name].pk


def estimate_edit(ok: int, body: Callable[[World], dict[str, Any]] | None = None) -> Op:
    """A change of a spend estimate: the account's people, directors and administrators."""
    return Op(
        ok,
        DETAIL_READERS,
        hidden=SIGNED_IN - DETAIL_READERS,
        target="spend_estimate",
        body=body,
        if_match=True,
    )


MATRIX: dict[tuple[str, str], Op] = {
    ("spendestimate", "list"): read_list(),
    ("spendestimate", "retrieve"): read_detail("spend_estimate", DETAIL_READERS),
    ("spendestimate", "create"): create_in(
        lambda w: {
            "account": pk(w, "account"),
            "category": w.objects["spend_estimate"].category_id,
            "year": 2025,
            "estimated_spend": "500.00",
            "source": "market_study",
        },
        DETAIL_READERS,
        DETAIL_READERS,
    ),
    ("spendestimate", "update"): estimate_edit(
        200,
        lambda w: {
            "estimated_spend": "1200.00",
            "source": "kam_estimate",
            "competitor": "Rival",
            "competitor_share_pct": "30.00",
        },
    ),
    ("spendestimate", "partial_update"): estimate_edit(200, lambda w: {"estimated_spend": "9"}),
    ("spendestimate", "destroy"): estimate_edit(204),
    ("whitespacemap", "retrieve"): read_detail("account", DETAIL_READERS),
    ("account", "list"): read_list(),
    ("account", "retrieve"): read_detail("account", BASICS_READERS),
    ("account", "designate"): Op(
        200,
        DIRECTORS,
        hidden=frozenset({"other_kam"}),
        refused=PEOPLE | {"operations"},
        target="account",
        body=lambda w: {"status": "key", "kam": w.users["team_kam"].pk, "reason": "New KAM"},
    ),
    ("stagechange", "list"): read_list(),
    ("stagechange", "retrieve"): read_detail("stage_change", DETAIL_READERS),
    ("stagechange", "create"): create_in(
        lambda w: {"account": pk(w, "account"), "to_stage": "interdependent", "reason": "Sole"},
        EDITORS,
        DETAIL_READERS,
    ),
    ("contact", "list"): read_list(),
    ("contact", "retrieve"): read_detail("contact", DETAIL_READERS),
    ("contact", "create"): create_in(
        lambda w: {
            "account": pk(w, "account"),
            "name": "Dana Buyer",
            "buying_role": "buyer",
            "influence": 3,
        },
        EDITORS,
        DETAIL_READERS,
    ),
    ("contact", "update"): edit(
        200,
        "contact",
        lambda w: {"name": "Dana Buyer", "buying_role": "buyer", "influence": 5},
    ),
    ("contact", "partial_update"): edit(200, "contact", lambda w: {"influence": 2}),
    ("contact", "destroy"): edit(204, "contact"),
    ("interaction", "list"): read_list(),
    ("interaction", "retrieve"): read_detail("interaction", DETAIL_READERS),
    # Recorded by the account's KAM and team and administrators; directors read them.
    ("interaction", "create"): create_in(
        lambda w: {
            "account": pk(w, "account"),
            "occurred_on": "2026-06-01",
            "kind": "meeting",
            "subject": "Business review",
            "contacts": [pk(w, "contact")],
            "our_people": [w.users["own_kam"].pk],
        },
        EDITORS,
        DETAIL_READERS,
    ),
    ("teammember", "list"): read_list(),
    ("teammember", "retrieve"): read_detail("team_member", BASICS_READERS),
    ("teammember", "create"): Op(
        201,
        frozenset({"own_kam", "director", "admin"}),
        refused=frozenset({"team_kam", "operations"}),
        unknown_parent=frozenset({"other_kam"}),
        body=lambda w: {
            "account": pk(w, "account"),
            "user": w.objects["newcomer"].pk,
            "functional_role": "logistics",
        },
    ),
    ("teammember", "destroy"): Op(
        204,
        frozenset({"own_kam", "director", "admin"}),
        hidden=frozenset({"other_kam"}),
        refused=frozenset({"team_kam", "operations"}),
        target="team_member",
    ),
    ("salesline", "list"): read_list(),
    ("salesline", "retrieve"): read_detail("sales_line", DETAIL_READERS),
    ("salesline", "create"): Op(
        201,
        DIRECTORS,
        refused=SIGNED_IN - DIRECTORS,
        body=lambda w: {
            "lines": [
                {
                    "erp_document": "INV-API-1",
                    "erp_line": 1,
                    "account": pk(w, "account"),
                    "date": "2026-10-15",
                    "quantity": "2.000",
                    "revenue": "250.00",
                    "cost_of_goods": "120.00",
                }
            ]
        },
    ),
    ("activitytype", "list"): read_list(),
    ("activitytype", "retrieve"): read_detail("activity_type", SIGNED_IN),
    ("activity", "list"): read_list(),
    ("activity", "retrieve"): read_detail("activity", DETAIL_READERS),
    ("plan", "list"): read_list(),
    ("plan", "retrieve"): read_detail("plan", DETAIL_READERS),
    ("plan", "create"): create_in(
        lambda w: plan_body(w.objects["account"], review_date="2027-07-01"),
        EDITORS,
        DETAIL_READERS,
    ),
    ("plan", "update"): edit(
        200,
        "plan",
        lambda w: {"title": "Renamed", "review_date": "2099-01-01", "period_end": "2026-12-31"},
    ),
    ("plan", "partial_update"): edit(200, "plan", lambda w: {"title": "Renamed"}),
    ("plan", "submit"): Op(
        200,
        EDITORS,
        hidden=SIGNED_IN - DETAIL_READERS,
        refused=frozenset({"director"}),
        target="plan",
        body=lambda w: {},
    ),
    ("plan", "approve"): Op(
        200,
        DIRECTORS,
        hidden=SIGNED_IN - DETAIL_READERS,
        refused=PEOPLE,
        target="plan",
        body=lambda w: {},
        prepare=submitted,
    ),
    ("plan", "send_back"): Op(
        200,
        DIRECTORS,
        hidden=SIGNED_IN - DETAIL_READERS,
        refused=PEOPLE,
        target="plan",
        body=lambda w: {"reason": "Objectives need dates"},
        prepare=submitted,
    ),
    ("plan", "archive"): Op(
        200,
        DIRECTORS,
        hidden=SIGNED_IN - DETAIL_READERS,
        refused=PEOPLE,
        target="plan",
        body=lambda w: {"reason": "Customer merged"},
    ),
    ("plan", "restore"): Op(
        200,
        DIRECTORS,
        hidden=SIGNED_IN - DETAIL_READERS,
        refused=PEOPLE,
        target="plan",
        body=lambda w: {},
        prepare=archived,
    ),
    ("planversion", "list"): read_list(),
    ("planversion", "retrieve"): read_detail("version", DETAIL_READERS),
    ("plansection", "list"): read_list(),
    ("plansection", "retrieve"): read_detail("section", DETAIL_READERS),
    ("plansection", "update"): edit(200, "section", lambda w: {"body": "Buys on TCO."}),
    ("plansection", "partial_update"): edit(200, "section", lambda w: {"body": "Buys on TCO."}),
    ("objective", "list"): read_list(),
    ("objective", "retrieve"): read_detail("objective", DETAIL_READERS),
    ("objective", "create"): create_in(
        lambda w: {
            "plan": pk(w, "plan"),
            "metric": "revenue",
            "target_value": "2000000.00",
            "due_date": "2026-12-31",
        },
        EDITORS,
        DETAIL_READERS,
    ),
    ("objective", "update"): edit(
        200,
        "objective",
        lambda w: {"metric": "stage", "target_stage": "strategic", "due_date": "2026-12-31"},
    ),
    ("objective", "partial_update"): edit(200, "objective", lambda w: {"description": "Grow"}),
    ("objective", "destroy"): edit(204, "objective"),
    ("action", "list"): read_list(),
    ("action", "retrieve"): read_detail("action", DETAIL_READERS),
    ("action", "create"): create_in(
        lambda w: {
            "plan": pk(w, "plan"),
            "family": "technical_support",
            "title": "Joint test rig",
            "owner": w.users["own_kam"].pk,
            "due_date": "2026-12-01",
        },
        EDITORS,
        DETAIL_READERS,
    ),
    ("action", "update"): edit(
        200,
        "action",
        lambda w: {
            "family": "risk_reduction",
            "title": "Dual sourcing",
            "owner": w.users["team_kam"].pk,
            "due_date": "2026-12-01",
            "status": "in_progress",
        },
    ),
    ("action", "partial_update"): edit(200, "action", lambda w: {"status": "done"}),
    ("action", "destroy"): edit(204, "action"),
    # The owner (own_kam) and the team's KAM (who edits the plan anyway) and admins; directors
    # see it and are refused; the owner who is a team member without the KAM role is a story
    # in tests/plans/test_action_progress.py.
    ("action", "progress"): edit(
        200, "action", lambda w: {"status": "in_progress", "note": "Workshop booked"}
    ),
    ("actionnote", "list"): read_list(),
    ("actionnote", "retrieve"): read_detail("action_note", DETAIL_READERS),
    ("opportunity", "list"): read_list(),
    ("opportunity", "retrieve"): read_detail("opportunity", DETAIL_READERS),
    ("opportunity", "create"): create_in(
        lambda w: {
            "plan": pk(w, "plan"),
            "category": w.objects["opportunity"].category_id,
            "estimated_value": "25000.00",
            "probability": 30,
            "expected_close": "2026-12-01",
            "owner": w.users["team_kam"].pk,
        },
        EDITORS,
        DETAIL_READERS,
    ),
    ("opportunity", "update"): edit(
        200,
        "opportunity",
        lambda w: {
            "category": w.objects["opportunity"].category_id,
            "member": pk(w, "account"),
            "estimated_value": "30000.00",
            "probability": 60,
            "expected_close": "2026-11-30",
            "owner": w.users["own_kam"].pk,
            "status": "lost",
            "lost_reason": "Price",
        },
    ),
    ("opportunity", "partial_update"): edit(200, "opportunity", lambda w: {"probability": 80}),
    ("commitment", "list"): read_list(),
    ("commitment", "retrieve"): read_detail("commitment", BASICS_READERS),
    ("measurement", "list"): read_list(),
    ("measurement", "retrieve"): read_detail("measurement", BASICS_READERS),
    ("measurement", "create"): create_in(
        lambda w: {
            "commitment": pk(w, "commitment"),
            "value": "97.500",
            "period_start": "2026-09-01",
            "period_end": "2026-09-30",
        },
        frozenset({"operations", "admin"}),
        BASICS_READERS,
    ),
    ("notification", "list"): read_list(),
    ("notification", "retrieve"): read_detail(
        lambda w, role: w.objects["notification"].get(role, w.objects["notification"]["admin"]),
        SIGNED_IN,
    ),
    ("notification", "mark_read"): Op(200, SIGNED_IN, body=lambda w: {}),
    ("criterion", "list"): read_list(),
    ("criterion", "retrieve"): read_detail("criterion", SIGNED_IN),
    ("criterion", "weights"): Op(
        200,
        DIRECTORS,
        refused=SIGNED_IN - DIRECTORS,
        body=lambda w: {
            "weights": [{"criterion": pk(w, "criterion"), "weight": "7.50"}],
            "reason": "Test",
        },
    ),
    ("rating", "list"): read_list(),
    ("rating", "retrieve"): read_detail("rating", DETAIL_READERS),
    ("rating", "create"): create_in(
        lambda w: {"account": pk(w, "account"), "criterion": pk(w, "criterion"), "value": 5},
        EDITORS,
        DETAIL_READERS,
    ),
    ("score", "list"): read_list(),
    ("score", "retrieve"): read_detail("score", DETAIL_READERS),
    ("scoringrun", "list"): Op(200, DIRECTORS, refused=SIGNED_IN - DIRECTORS),
    ("scoringrun", "retrieve"): Op(200, DIRECTORS, refused=SIGNED_IN - DIRECTORS, target="run"),
    ("scoringrun", "create"): Op(201, DIRECTORS, refused=SIGNED_IN - DIRECTORS, body=lambda w: {}),
    ("costrate", "list"): Op(200, DIRECTORS, refused=SIGNED_IN - DIRECTORS),
    ("costrate", "retrieve"): Op(200, DIRECTORS, refused=SIGNED_IN - DIRECTORS, target="cost_rate"),
    ("snapshot", "list"): read_list(),
    ("snapshot", "retrieve"): read_detail("snapshot", DETAIL_READERS),
    ("groupsnapshot", "list"): read_list(),
    ("groupsnapshot", "retrieve"): read_detail("groupsnapshot", DETAIL_READERS),
    ("healthscore", "list"): read_list(),
    ("healthscore", "retrieve"): read_detail("healthscore", DETAIL_READERS),
}


@dataclass(frozen=True)
class Endpoint:
    basename: str
    action: str
    method: str
    url_name: str
    detail: bool


def router_endpoints() -> list[Endpoint]:
    router = build_router()
    endpoints = []
    for _, viewset, basename in router.registry:
        for route in router.get_routes(viewset):
            for method, action in route.mapping.items():
                if hasattr(viewset, action):
                    url_name = route.name.format(basename=basename)
                    endpoints.append(Endpoint(basename, action, method, url_name, route.detail))
    return endpoints


ENDPOINTS = router_endpoints()

# Every model an API write can touch, with the columns a write would change.
WATCHED: list[tuple[Any, tuple[str, ...]]] = [
    (Account, ("status", "kam_id", "stage")),
    (StageChange, ("id",)),
    (Contact, ("version", "name", "influence")),
    (TeamMembership, ("id", "user_id")),
    (SalesLine, ("id", "revenue")),
    (Plan, ("version", "status", "title")),
    (PlanSection, ("version", "body")),
    (Objective, ("version", "metric")),
    (Action, ("version", "status")),
    (Opportunity, ("version", "status", "probability")),
    (Measurement, ("id",)),
    (Notification, ("id", "read_at")),
    (Criterion, ("weight",)),
    (Rating, ("id",)),
    (ScoringRun, ("id", "status")),
]


def database_state() -> list[list[tuple]]:
    return [list(model.objects.order_by("pk").values_list(*cols)) for model, cols in WATCHED]


def test_every_router_endpoint_has_a_row_and_every_row_an_endpoint():
    routed = {(endpoint.basename, endpoint.action) for endpoint in ENDPOINTS}
    assert routed == set(MATRIX)


@pytest.fixture
def matrix_world(world: World) -> World:
    world.objects["newcomer"] = factories.KamFactory(username="newcomer")
    return world


def call(world: World, api: Any, role: str, endpoint: Endpoint) -> Any:
    op = MATRIX[(endpoint.basename, endpoint.action)]
    args = []
    headers = {}
    if endpoint.detail:
        target = op.target(world, role) if callable(op.target) else world.objects[op.target]
        target.refresh_from_db()
        args = [target.pk]
        if op.if_match:
            headers["HTTP_IF_MATCH"] = etag_of(target)
    url = reverse(f"api:{endpoint.url_name}", args=args)
    body = op.body(world) if op.body else None
    return getattr(api(role), endpoint.method)(url, body, format="json", **headers)


SAFE = [e for e in ENDPOINTS if e.method == "get"]
UNSAFE = [e for e in ENDPOINTS if e.method != "get"]


def endpoint_id(endpoint: Endpoint) -> str:
    return f"{endpoint.method.upper()}-{endpoint.basename}-{endpoint.action}"


@pytest.mark.parametrize("endpoint", SAFE, ids=endpoint_id)
def test_safe_methods_matrix(world, api, endpoint):
    """Reads change nothing, so one world serves every role."""
    answers = {role: call(world, api, role, endpoint).status_code for role in ROLES}
    op = MATRIX[(endpoint.basename, endpoint.action)]
    assert answers == {role: op.expected(role) for role in ROLES}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", UNSAFE, ids=endpoint_id)
def test_unsafe_methods_matrix(
    matrix_world, api, role, endpoint, django_capture_on_commit_callbacks
):
    """Each write in a fresh world; a denied one leaves the database as it was, queues nothing."""
    op = MATRIX[(endpoint.basename, endpoint.action)]
    if op.prepare:
        op.prepare(matrix_world)
    before = database_state()
    with django_capture_on_commit_callbacks() as queued:
        response = call(matrix_world, api, role, endpoint)
    expected = op.expected(role)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert database_state() == before
        assert queued == []


def _all_items(client: Any, url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        payload = response.json()
        if isinstance(payload, list):
            return payload
        items.extend(payload["results"])
        url = payload.get("next")
    return items


LIST_ENDPOINTS = [e for e in ENDPOINTS if e.action == "list"]
DETAIL_NAMES = {e.basename: e.url_name for e in ENDPOINTS if e.action == "retrieve"}


def readers_of(endpoint: Endpoint) -> list[str]:
    return sorted(MATRIX[(endpoint.basename, "list")].allowed)


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS, ids=lambda e: e.basename)
def test_every_listed_object_is_one_its_reader_may_open(world, api, endpoint):
    """A list never includes an object the user cannot read: each item's detail answers 200."""
    for role in readers_of(endpoint):
        client = api(role)
        items = _all_items(client, reverse(f"api:{endpoint.url_name}"))
        for item in items:
            url = reverse(f"api:{DETAIL_NAMES[endpoint.basename]}", args=[item["id"]])
            assert client.get(url).status_code == 200, (role, endpoint.basename, item["id"])


@pytest.mark.parametrize(
    "endpoint",
    [e for e in LIST_ENDPOINTS if "other_kam" in readers_of(e)],
    ids=lambda e: e.basename,
)
def test_a_kam_never_sees_another_kams_account_details_or_plan_in_any_list(world, api, endpoint):
    account = world.objects["account"]
    plan = world.objects["plan"]
    items = _all_items(api("other_kam"), reverse(f"api:{endpoint.url_name}"))
    for item in items:
        assert item.get("plan") != plan.pk
        assert item.get("commitment") != world.objects["commitment"].pk
        if endpoint.basename == "plan":
            assert item["id"] != plan.pk
        if endpoint.basename != "account":
            assert item.get("account") != account.pk
    if endpoint.basename == "account":
        assert account.pk not in {item["id"] for item in items}


def test_the_other_kam_does_see_their_own_plan(world, api):
    """The list above is not empty by accident: the other KAM reads their own plan."""
    items = _all_items(api("other_kam"), reverse("api:plan-list"))
    assert [item["id"] for item in items] == [world.objects["other_plan"].pk]


def test_operations_see_account_basics_and_commitments_but_no_details(world, api):
    client = api("operations")
    account = world.objects["account"]
    listed = _all_items(client, reverse("api:account-list"))
    row = next(item for item in listed if item["id"] == account.pk)
    assert row["score_attractiveness"] is None
    assert row["score_quadrant"] is None
    for name in ("contact-list", "salesline-list", "score-list", "plan-list", "rating-list"):
        assert _all_items(client, reverse(f"api:{name}")) == []
    commitments = _all_items(client, reverse("api:commitment-list"))
    assert [item["id"] for item in commitments] == [world.objects["commitment"].pk]


def test_someone_elses_notification_is_not_found(world, api):
    theirs = world.objects["notification"]["director"]
    response = api("own_kam").get(reverse("api:notification-detail", args=[theirs.pk]))
    assert response.status_code == 404


def test_a_revoked_token_no_longer_authenticates(world, api):
    from accounts.models import ApiToken

    ApiToken.objects.filter(user=world.users["director"]).update(revoked_at=dt.datetime.now(dt.UTC))
    response = api("director").get(reverse("api:account-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
