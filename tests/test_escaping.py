"""Text users type is shown as text: every free-text field, injected with markup, comes back
escaped on every page that shows it, and CSV exports neutralise cells a spreadsheet would run."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils.html import escape

from accounts import services as account_services
from accounts.models import AccountStatus, Stage
from plans.models import SectionKind, Solution
from plans.services.plans import write_version
from scoring import services as scoring_services
from scoring.models import RunTrigger
from tests import factories

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RAW = ("<script>alert(1)", "<img src=x onerror")
FORMULA = '=HYPERLINK("http://evil.example","x")'


def typed(field: str, payload: str = SCRIPT) -> str:
    """A value for one field: its name (to tell fields apart) and the payload."""
    return f"{field} {payload}"


@pytest.fixture(autouse=True)
def empty_cache():
    # The portfolio dashboard caches a run's results; run ids repeat between tests on SQLite.
    cache.clear()
    yield
    cache.clear()


# Every free-text field, with the value typed into it.
VALUES = {
    "account-name": f"{FORMULA} {SCRIPT}",
    "account-notes": typed("account-notes", IMG),
    "contact-name": typed("contact-name"),
    "contact-title": typed("contact-title", IMG),
    "contact-notes": typed("contact-notes"),
    "plan-title": typed("plan-title", IMG),
    **{f"section-{kind}": typed(f"section-{kind}") for kind in SectionKind},
    "objective-description": typed("objective-description", IMG),
    "solution-title": typed("solution-title"),
    "solution-description": typed("solution-description", IMG),
    "action-title": typed("action-title"),
    "action-description": typed("action-description", IMG),
    "promise": f"@SUM(1+1) {IMG}",
    "measurement-note": typed("measurement-note", IMG),
    "stage-reason": f"-2+3 {SCRIPT}",
    "candidate-name": typed("candidate-name"),
    "designation-reason": typed("designation-reason", IMG),
}
SECTIONS = [f"section-{kind}" for kind in SectionKind]
PLAN_ITEMS = ["objective-description", "solution-title", "solution-description", "action-title"]


@pytest.fixture
def typed_in(kam, director):
    account = factories.KeyAccountFactory(
        kam=kam, name=VALUES["account-name"], stage=Stage.COOPERATIVE
    )
    contact = factories.ContactFactory(
        account=account, name=VALUES["contact-name"], title=VALUES["contact-title"]
    )
    # Notes are shown where they change: in the history and the audit log.
    for instance, notes in ((account, "account-notes"), (contact, "contact-notes")):
        instance.notes = VALUES[notes]
        instance._history_user = kam
        instance.save()
    plan = factories.PlanFactory(account=account, title=VALUES["plan-title"])
    for kind in SectionKind:
        factories.PlanSectionFactory(plan=plan, kind=kind, body=VALUES[f"section-{kind}"])
    factories.ObjectiveFactory(plan=plan, description=VALUES["objective-description"])
    Solution.objects.create(
        plan=plan,
        title=VALUES["solution-title"],
        description=VALUES["solution-description"],
        value_measure="scrap rate down 2 points",
    )
    factories.ActionFactory(
        plan=plan, title=VALUES["action-title"], description=VALUES["action-description"]
    )
    write_version(plan, actor=kam, note="first")
    write_version(plan, actor=kam, note="second")
    commitment = factories.CommitmentFactory(account=account, plan=plan, promise=VALUES["promise"])
    factories.MeasurementFactory(commitment=commitment, note=VALUES["measurement-note"])
    account_services.account_change_stage(
        account=account, to_stage=Stage.STRATEGIC, reason=VALUES["stage-reason"], actor=kam
    )
    candidate = factories.AccountFactory(name=VALUES["candidate-name"])
    account_services.account_designate(
        account=candidate,
        status=AccountStatus.CANDIDATE,
        kam=None,
        reason=VALUES["designation-reason"],
        actor=director,
    )
    scoring_services.run_recompute(
        run=scoring_services.run_request(trigger=RunTrigger.COMMAND, as_of=dt.date(2026, 7, 15))
    )
    return {"account": account, "plan": plan, "commitment": commitment}


def _url(name: str, objects: dict) -> str:
    account, plan, commitment = objects["account"], objects["plan"], objects["commitment"]
    return {
        "account list": reverse("accounts:list"),
        "account page": reverse("accounts:detail", args=[account.pk]),
        "account history": reverse("accounts:history", args=[account.pk]),
        "account page's history": reverse("accounts:history_latest", args=[account.pk]),
        "plan page": reverse("plans:plan_detail", args=[plan.pk]),
        "plan print": reverse("plans:plan_print", args=[plan.pk]),
        "plan compare": reverse("plans:plan_compare", args=[plan.pk]) + "?a=1&b=2",
        "commitments board": reverse("plans:board"),
        "commitment page": reverse("plans:commitment_detail", args=[commitment.pk]),
        "audit log": reverse("audit"),
        "portfolio dashboard": reverse("portfolio:dashboard"),
        "scores list": reverse("portfolio:scores"),
        "actions list": reverse("plans:actions"),
    }[name]


# (page, who reads it, the fields it must show)
PAGES = [
    ("account list", "director", ["account-name", "candidate-name"]),
    (
        "account page",
        "director",
        ["account-name", "contact-name", "contact-title", "plan-title", "promise"],
    ),
    ("account page's history", "director", ["contact-name", "plan-title", "stage-reason"]),
    (
        "account history",
        "director",
        ["account-notes", "contact-name", "contact-notes", "plan-title", "stage-reason"],
    ),
    ("plan page", "kam", ["plan-title", *SECTIONS, *PLAN_ITEMS, "action-description", "promise"]),
    ("plan page", "director", ["plan-title", *SECTIONS, *PLAN_ITEMS, "action-description"]),
    ("plan print", "kam", ["plan-title", *SECTIONS, *PLAN_ITEMS]),
    ("plan compare", "kam", ["plan-title", *SECTIONS, *PLAN_ITEMS]),
    ("commitments board", "director", ["account-name", "promise"]),
    ("commitment page", "director", ["account-name", "promise", "measurement-note"]),
    (
        "audit log",
        "admin_user",
        [
            "account-name",
            "account-notes",
            "contact-name",
            "contact-notes",
            "plan-title",
            "promise",
            "stage-reason",
            "candidate-name",
            "designation-reason",
        ],
    ),
    ("portfolio dashboard", "director", ["account-name", "candidate-name"]),
    ("scores list", "director", ["account-name", "candidate-name"]),
    ("scores list", "kam", ["account-name"]),
    (
        "actions list",
        "kam",
        ["account-name", "plan-title", "action-title", "action-description"],
    ),
]


@pytest.mark.parametrize(("page", "role", "fields"), PAGES, ids=[f"{p[0]}-{p[1]}" for p in PAGES])
def test_typed_text_is_shown_escaped(client, request, typed_in, page, role, fields):
    client.force_login(request.getfixturevalue(role))
    response = client.get(_url(page, typed_in))
    assert response.status_code == 200
    html = response.content.decode()
    assert [raw for raw in RAW if raw in html] == []
    missing = [field for field in fields if escape(VALUES[field]) not in html]
    assert missing == []


def _csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    body = response.getvalue() if not response.streaming else b"".join(response.streaming_content)
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _neutralised(value: str) -> str:
    return "'" + value


def test_board_export_neutralises_formula_cells(client, director, typed_in):
    client.force_login(director)
    rows = _csv_rows(client.get(reverse("plans:board_export")))
    assert [(row["Account"], row["Promise"]) for row in rows] == [
        (_neutralised(VALUES["account-name"]), _neutralised(VALUES["promise"]))
    ]


def test_portfolio_export_neutralises_formula_cells(client, director, typed_in):
    client.force_login(director)
    rows = _csv_rows(client.get(reverse("imports:portfolio_export", args=["csv"])))
    names = sorted(row["Name"] for row in rows)
    # The candidate's name starts with a letter: kept as typed.
    assert names == sorted([_neutralised(VALUES["account-name"]), VALUES["candidate-name"]])


def test_scores_export_neutralises_formula_cells(client, director, typed_in):
    client.force_login(director)
    rows = _csv_rows(client.get(reverse("portfolio:scores"), {"export": "csv"}))
    assert sorted(row["Account"] for row in rows) == sorted(
        [_neutralised(VALUES["account-name"]), VALUES["candidate-name"]]
    )


def test_actions_export_neutralises_formula_cells(client, kam, typed_in):
    client.force_login(kam)
    rows = _csv_rows(client.get(reverse("plans:actions"), {"export": "csv"}))
    assert [(row["Account"], row["Action"]) for row in rows] == [
        (_neutralised(VALUES["account-name"]), VALUES["action-title"])
    ]


def test_audit_export_neutralises_formula_cells(client, admin_user, typed_in):
    client.force_login(admin_user)
    rows = _csv_rows(client.get(reverse("audit"), {"kind": "stage", "export": "csv"}))
    assert [(row["Account"], row["Reason"]) for row in rows] == [
        (_neutralised(VALUES["account-name"]), _neutralised(VALUES["stage-reason"]))
    ]
    designations = _csv_rows(client.get(reverse("audit"), {"kind": "designation", "export": "csv"}))
    assert [(row["Account"], row["Reason"]) for row in designations] == [
        (VALUES["candidate-name"], VALUES["designation-reason"])
    ]
