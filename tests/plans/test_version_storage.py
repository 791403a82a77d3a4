"""A version stores what changed: long texts (sections, descriptions) are kept once per plan
(PlanText) and named by digest in the snapshots, and every version, comparison and history
reads exactly as before, also for versions written before (migration 0004)."""

import datetime as dt
import importlib
import json

import pytest
from django.apps import apps
from django.urls import reverse

from plans.models import PlanText, PlanVersion
from plans.selectors import plans as plans_selectors
from plans.services import items
from plans.services import plans as plans_services
from tests import factories

# About 50,000 characters, every line different: a large section.
LARGE = "\n".join(f"Line {n}: the customer buys on total cost of ownership." for n in range(850))


@pytest.fixture
def plan(key_account, kam):
    return factories.started_plan(key_account, kam, review_date=dt.date(2099, 7, 1))


def save(plan, kam, kind, body):
    """A save of its own: the last one was a while ago, so it does not fold into it."""
    factories.saved_a_while_ago(plan)
    section = plan.sections.get(kind=kind)
    return plans_services.plan_section_save(
        plan=plan, kind=kind, body=body, expected_version=section.version, actor=kam
    )


def stored_size(versions):
    return sum(len(json.dumps(version.snapshot)) for version in versions)


def test_one_line_saves_after_a_large_section_do_not_copy_it(plan, kam):
    save(plan, kam, "position", LARGE)
    first_new = PlanVersion.objects.filter(plan=plan).count() + 1

    for n in range(21):
        save(plan, kam, "needs", f"Need number {n}")

    later = list(PlanVersion.objects.filter(plan=plan, number__gte=first_new))
    assert len(later) == 21
    # Before, each of them copied the large section: 21 x 50,000 characters. Now all 21
    # together hold less than one copy, and the large text is stored once.
    assert stored_size(later) < len(LARGE)
    assert PlanText.objects.filter(plan=plan, body=LARGE).count() == 1
    assert all(LARGE not in json.dumps(version.snapshot) for version in later)


def test_every_version_reads_as_the_plan_was(plan, kam, line_audit):
    save(plan, kam, "position", LARGE)
    items.action_update(
        action=line_audit, expected_version=1, actor=kam, description="Details. " * 50
    )
    newest = PlanVersion.objects.filter(plan=plan).order_by("-number").first()

    assert (
        plans_selectors.version_snapshots([newest])[newest.pk]
        == (plans_selectors.plan_snapshots([plan])[plan.pk])
    )
    assert len(PlanText.objects.filter(plan=plan)) == 2  # the section and the description


def test_the_comparison_shows_texts_kept_once(client, plan, kam):
    save(plan, kam, "position", LARGE)
    save(plan, kam, "position", LARGE.replace("Line 450: the", "Line 450: our"))
    newest = PlanVersion.objects.filter(plan=plan).order_by("-number").first().number
    client.force_login(kam)

    page = client.get(
        reverse("plans:plan_compare", args=[plan.pk]), {"a": newest - 1, "b": newest}
    ).content.decode()

    assert "Line 449: the customer" in page
    assert "Line 450: <del>the</del>" in page
    assert "Line 450: <ins>our</ins>" in page


def test_short_texts_stay_inline(plan, kam):
    save(plan, kam, "needs", "Short")

    newest = PlanVersion.objects.filter(plan=plan).order_by("-number").first()
    assert newest.snapshot["sections"]["needs"] == "Short"
    assert not PlanText.objects.filter(plan=plan).exists()


# --- Versions written before: the data migration ------------------------------------------------

migration = importlib.import_module("plans.migrations.0004_version_texts_stored_once")


def old_snapshot(plan, position, needs="Short need"):
    """A snapshot as versions held it before PlanText: every text inline."""
    return {
        "title": plan.title,
        "status": "draft",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "review_date": "2099-07-01",
        "investment_budget": None,
        "sections": {"position": position, "needs": needs},
        "objectives": [],
        "solutions": [
            {"title": "Kanban", "description": "Long. " * 40, "value_measure": "x"},
        ],
        "actions": [],
    }


def test_the_migration_moves_old_versions_texts_out_once_and_back(plan, kam):
    PlanVersion.objects.filter(plan=plan).delete()
    originals = {
        number: old_snapshot(plan, position)
        for number, position in [(1, LARGE), (2, LARGE), (3, LARGE + "\nOne more line")]
    }
    for number, snapshot in originals.items():
        PlanVersion.objects.create(plan=plan, number=number, snapshot=snapshot)

    migration.store_texts_once(apps, None)

    versions = list(PlanVersion.objects.filter(plan=plan).order_by("number"))
    # Two large texts and one description, each once however many versions hold them.
    assert PlanText.objects.filter(plan=plan).count() == 3
    assert all(LARGE not in json.dumps(version.snapshot) for version in versions)
    assert versions[0].snapshot["sections"]["needs"] == "Short need"
    read = plans_selectors.version_snapshots(versions)
    assert {version.number: read[version.pk] for version in versions} == originals

    migration.put_texts_inline(apps, None)

    assert {
        version.number: version.snapshot for version in PlanVersion.objects.filter(plan=plan)
    } == originals


def test_versions_with_inline_texts_still_read_the_same(plan, kam):
    """The demo's first versions, and any not migrated, hold their texts inline."""
    version = PlanVersion.objects.create(plan=plan, number=99, snapshot=old_snapshot(plan, LARGE))

    assert plans_selectors.version_snapshots([version])[version.pk] == old_snapshot(plan, LARGE)


def test_a_next_period_plan_keeps_its_own_texts(plan, kam, line_audit):
    save(plan, kam, "position", LARGE)

    successor = plans_services.plan_start_next_period(plan=plan, actor=kam)

    first = PlanVersion.objects.get(plan=successor, number=1)
    assert plans_selectors.version_snapshots([first])[first.pk]["sections"]["position"] == LARGE
    assert [a["title"] for a in first.snapshot["actions"]] == ["Line audit"]
    assert PlanText.objects.filter(plan=successor, body=LARGE).count() == 1
