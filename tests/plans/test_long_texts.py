"""One greatest length for a plan's long texts (kam.bounds.MAX_TEXT: sections, solutions' and
actions' descriptions), refused with the same message on every path (page, service, admin,
API), and saving unchanged text changing nothing."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from kam import bounds
from kam.errors import ConflictError, InvalidInput
from plans.models import Action, PlanSection, PlanVersion, Solution
from plans.services import items
from plans.services import plans as plans_services
from tests import factories
from tests.plans.test_plan_pages import action_data

TOO_LONG = "x" * (bounds.MAX_TEXT + 1)
MESSAGE = f"at most {bounds.MAX_TEXT:,} characters"


@pytest.fixture
def plan(key_account, kam):
    return factories.started_plan(key_account, kam, review_date=dt.date(2099, 7, 1))


def section_url(plan, kind="needs"):
    return reverse("plans:section_save", args=[plan.pk, kind])


def section(plan, kind="needs"):
    return PlanSection.objects.get(plan=plan, kind=kind)


def versions(plan):
    return PlanVersion.objects.filter(plan=plan).count()


def textarea(page, name):
    """What a browser submits for the textarea `name`: its content unescaped, less the one
    newline HTML drops right after <textarea>."""
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name}"
    content = html.unescape(match.group(1))
    return content[1:] if content.startswith("\n") else content


# --- The bound, on every path -----------------------------------------------------------------


def test_a_too_long_section_is_refused_in_place_keeping_the_typed_text(client, plan, kam):
    client.force_login(kam)

    response = client.post(
        section_url(plan), {"body": TOO_LONG, "version": "1"}, HTTP_HX_REQUEST="true"
    )

    page = response.content.decode()
    assert MESSAGE in page
    assert f"(this one has {bounds.MAX_TEXT + 1:,})" in page
    assert textarea(page, "body") == TOO_LONG
    assert section(plan).body == "" and section(plan).version == 1
    assert versions(plan) == 1


def test_without_javascript_a_too_long_section_is_a_400_page_with_the_message(client, plan, kam):
    client.force_login(kam)

    response = client.post(section_url(plan), {"body": TOO_LONG, "version": "1"})

    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    assert section(plan).body == ""


def test_a_section_of_the_greatest_length_is_kept_counting_a_line_end_as_one(client, plan, kam):
    """Browsers post CRLF; the bound counts the text as stored, with LF."""
    text = ("y" * 99 + "\n") * (bounds.MAX_TEXT // 100)
    assert len(text) == bounds.MAX_TEXT
    client.force_login(kam)

    client.post(section_url(plan), {"body": text.replace("\n", "\r\n"), "version": "1"})

    assert section(plan).body == text


def test_the_section_textarea_stops_typing_at_the_bound(client, plan, kam):
    client.force_login(kam)

    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()

    assert f'name="body" rows="2" maxlength="{bounds.MAX_TEXT}"' in page


def test_the_section_service_refuses_a_too_long_text(plan, kam):
    with pytest.raises(InvalidInput) as refused:
        plans_services.plan_section_save(
            plan=plan, kind="needs", body=TOO_LONG, expected_version=1, actor=kam
        )

    assert MESSAGE in refused.value.errors["body"][0]
    assert section(plan).version == 1


def test_a_too_long_action_description_is_a_form_error(client, plan, kam):
    client.force_login(kam)

    response = client.post(
        reverse("plans:action_create", args=[plan.pk]),
        action_data(kam, description=TOO_LONG),
        HTTP_HX_REQUEST="true",
    )

    assert MESSAGE in response.content.decode()
    assert not Action.objects.exists()


def test_a_too_long_solution_description_is_a_form_error(client, plan, kam):
    client.force_login(kam)

    response = client.post(
        reverse("plans:solution_create", args=[plan.pk]),
        {"title": "Kanban", "value_measure": "stock down", "description": TOO_LONG},
        HTTP_HX_REQUEST="true",
    )

    assert MESSAGE in response.content.decode()
    assert not Solution.objects.exists()


def test_the_item_services_refuse_a_too_long_description(plan, kam):
    with pytest.raises(InvalidInput) as refused:
        items.solution_create(
            plan=plan, actor=kam, title="Kanban", value_measure="stock", description=TOO_LONG
        )

    assert MESSAGE in refused.value.errors["description"][0]


# --- Saving unchanged text changes nothing ----------------------------------------------------


def test_a_section_starting_with_a_newline_saved_unchanged_writes_nothing(client, plan, kam):
    text = "\nStarts after a blank line.\n\nEnds with one.\n"
    plans_services.plan_section_save(
        plan=plan, kind="needs", body=text, expected_version=1, actor=kam
    )
    client.force_login(kam)
    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    posted = re.search(r'id="section-needs".*?</section>', page, re.S).group(0)
    assert textarea(posted, "body") == text

    client.post(section_url(plan), {"body": textarea(posted, "body"), "version": "2"})

    assert section(plan).body == text
    assert section(plan).version == 2
    assert versions(plan) == 2


def test_a_conflict_keeps_my_text_starting_with_a_newline(client, plan, kam):
    plans_services.plan_section_save(
        plan=plan, kind="needs", body="Theirs", expected_version=1, actor=kam
    )
    client.force_login(kam)

    page = client.post(
        section_url(plan), {"body": "\nMine", "version": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()

    assert textarea(page, "body") == "\nMine"


def test_an_action_saved_unchanged_from_its_edit_page_writes_nothing(client, plan, kam, line_audit):
    text = "\n  Indented, after a blank line."
    items.action_update(action=line_audit, expected_version=1, actor=kam, description=text)
    before = versions(plan)
    client.force_login(kam)
    page = client.get(reverse("plans:action_edit", args=[line_audit.pk])).content.decode()

    client.post(
        reverse("plans:action_edit", args=[line_audit.pk]),
        action_data(kam, description=textarea(page, "description"), version="2"),
    )

    line_audit.refresh_from_db()
    assert line_audit.description == text
    assert line_audit.version == 2
    assert versions(plan) == before


def test_items_saved_unchanged_write_no_version(plan, kam):
    objective = items.objective_create(
        plan=plan,
        actor=kam,
        metric="revenue",
        target_value=Decimal("2000000"),
        due_date=dt.date(2026, 12, 31),
    )
    solution = items.solution_create(
        plan=plan, actor=kam, title="Kanban", value_measure="stock down"
    )
    before = versions(plan)

    items.objective_update(
        objective=objective, expected_version=1, actor=kam, target_value=Decimal("2000000.00")
    )
    items.solution_update(solution=solution, expected_version=1, actor=kam, title="Kanban ")

    objective.refresh_from_db()
    solution.refresh_from_db()
    assert (objective.version, solution.version) == (1, 1)
    assert versions(plan) == before


def test_an_unchanged_save_against_a_newer_version_still_conflicts(plan, kam):
    solution = items.solution_create(plan=plan, actor=kam, title="Kanban", value_measure="x")
    items.solution_update(solution=solution, expected_version=1, actor=kam, title="Milk run")

    with pytest.raises(ConflictError):
        items.solution_update(solution=solution, expected_version=1, actor=kam, title="Milk run")


def test_plan_details_saved_unchanged_write_nothing(plan, kam):
    before = versions(plan)

    plans_services.plan_update(
        plan=plan, expected_version=1, actor=kam, title=plan.title, review_date=plan.review_date
    )

    plan.refresh_from_db()
    assert plan.version == 1
    assert versions(plan) == before
    assert plan.history.count() == 1
