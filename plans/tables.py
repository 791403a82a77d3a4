"""The plans app's lists, each described once (kam.listing.Table): the plans list (the directors'
approval queue), `PLANS`; the actions list, whose page (headers, cells, orderings), download and
API ordering fields all come from `ACTIONS`; "My actions", `MY_ACTIONS`, from the same columns
with the done checkbox; and the commitments board's page and download, `COMMITMENTS`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import rules
from django.db.models import Case, F, Value, When
from django.utils import timezone

from kam.listing import Column, Table, choice_column, person_column
from plans.models import ActionFamily, ActionStatus, PlanStatus, waiting_since


def days_waiting(plan: Any, today: dt.date | None = None) -> int | None:
    """Whole days since a submitted plan was submitted (None for any other status)."""
    if plan.status != PlanStatus.SUBMITTED or plan.submitted_at is None:
        return None
    today = today or timezone.localdate()
    return (today - timezone.localtime(plan.submitted_at).date()).days


def may_decide(user: Any) -> bool:
    # Asked of kam.rules alone: Django's model backend would read the user's stored
    # permissions for a "no" (two queries), and none are ever stored.
    return rules.has_perm("plans.approve_plan", user)


# The plans list: every current plan the user may see. Its cells read `today` from the page; the
# view sets `row.days_waiting` on the rows of the page (tables.days_waiting).
PLANS = Table(
    Column(
        "Account",
        cell='<td class="wrap"><a href="{% url \'accounts:detail\' row.account_id %}">'
        "{{ row.account.name }}</a></td>",
        key="account",
        order_by=(F("account__name"),),
        export="account.name",
    ),
    Column("ERP code", export="account.erp_code"),
    Column(
        "Plan",
        cell='<th scope="row" class="fw-normal wrap">'
        "<a href=\"{% url 'plans:plan_detail' row.pk %}\">{{ row.title }}</a></th>",
        key="title",
        export="title",
    ),
    choice_column(
        "State",
        "status",
        PlanStatus,
        cell="<td>{% load plan_badges %}{% plan_status row %}</td>",
    ),
    person_column("KAM", "account__kam", cell='<td>{{ row.account.kam|default:"" }}</td>'),
    Column(
        "Period",
        cell="<td>{{ row.period_start|date }} \u2013 {{ row.period_end|date }}</td>",
        key="period",
        order_by=(F("period_start"), F("period_end")),
        export="period_start",
        export_label="Period start",
    ),
    Column("Period end", export="period_end"),
    Column(
        "Last approved",
        cell="<td>{% if row.approved_at %}{{ row.approved_at|date }}"
        '{% if row.approved_number %}<div class="small text-body-secondary">version '
        "{{ row.approved_number }}</div>{% endif %}{% else %}"
        '<span class="text-body-secondary">never</span>{% endif %}</td>',
        key="approved",
        order_by=(F("approved_at"),),
        export=lambda plan: (
            timezone.localtime(plan.approved_at).date() if plan.approved_at else None
        ),
        export_label="Last approved on",
    ),
    Column("Last approved version", export="approved_number"),
    Column(
        "Waiting since",
        cell='<td data-testid="waiting">{% if row.days_waiting is not None %}'
        '{{ row.submitted_at|date }}<div class="small">{{ row.days_waiting }} '
        "day{{ row.days_waiting|pluralize }} waiting</div>{% else %}"
        '<span class="text-body-secondary">not submitted</span>{% endif %}</td>',
        key="waiting",
        # The longest waiting first; plans not waiting last either way.
        order_by=(waiting_since(),),
        export=lambda plan: (
            timezone.localtime(plan.submitted_at).date() if days_waiting(plan) is not None else None
        ),
    ),
    Column("Days waiting", export=days_waiting),
    Column(
        "Review due",
        cell="<td>{{ row.review_date|date }}"
        '{% if row.review_date < today %} <span class="badge text-bg-warning">passed</span>'
        "{% endif %}</td>",
        key="review_date",
        export="review_date",
    ),
    Column(
        "Decision",
        cell='{% include "plans/_queue_decide.html" %}',
        header_hidden=True,
        shown_to=may_decide,
    ),
    filename="plans",
    default_ordering="waiting",
    tiebreak=("review_date",),
    row_attrs=' data-testid="plan-row"',
)

ACCOUNT = Column(
    "Account",
    cell="<td><a href=\"{% url 'accounts:detail' row.plan.account_id %}\">"
    "{{ row.plan.account.name }}</a></td>",
    key="account",
    order_by=(F("plan__account__name"),),
    export="plan.account.name",
)
ERP_CODE = Column("ERP code", export="plan.account.erp_code")
PLAN = Column(
    "Plan",
    cell='<td class="wrap"><a href="{% url \'plans:plan_detail\' row.plan_id %}">'
    "{{ row.plan.title }}</a>\n"
    '    <div class="small text-body-secondary">{{ row.plan.period_start|date }}'
    " \u2013 {{ row.plan.period_end|date }}</div></td>",
    key="plan",
    order_by=(F("plan__period_start"), F("plan__title")),
    export="plan.title",
)
PLAN_EXPORTS = (
    Column("Plan period start", export="plan.period_start"),
    Column("Plan period end", export="plan.period_end"),
    Column("Plan status", export=lambda action: action.plan.get_status_display()),
)
FAMILY = choice_column(
    "Family", "family", ActionFamily, cell="<td>{{ row.get_family_display }}</td>"
)
TITLE = Column(
    "Action",
    cell='<th scope="row" class="fw-normal wrap">{{ row.title }}{% if row.description %}'
    '<div class="small text-body-secondary">{{ row.description|linebreaksbr }}</div>'
    "{% endif %}</th>",
    key="title",
    export="title",
)
DESCRIPTION = Column("Description", export="description")
DUE_CELL = (
    "<td>{{ row.due_date|date }}{% if row.is_overdue %} "
    '<span class="badge text-bg-danger">overdue</span>{% endif %}</td>'
)
STATUS = choice_column(
    "Status",
    "status",
    ActionStatus,
    cell='<td><span class="action-{{ row.status }}">{{ row.get_status_display }}</span></td>',
    api="status",
)
DONE_EXPORTS = (
    Column("Overdue", export="is_overdue"),
    Column("Completed at", export="completed_at"),
)

ACTIONS = Table(
    ACCOUNT,
    ERP_CODE,
    PLAN,
    *PLAN_EXPORTS,
    FAMILY,
    TITLE,
    DESCRIPTION,
    person_column("Owner", "owner", cell="<td>{{ row.owner }}</td>"),
    Column(
        "Due",
        cell=DUE_CELL,
        key="due_date",
        export="due_date",
        export_label="Due date",
        api="due_date",
    ),
    STATUS,
    *DONE_EXPORTS,
    filename="actions",
    default_ordering="due_date",
    tiebreak=("due_date",),
    row_attrs=' data-testid="action-row"',
)

# "My actions": the actions a user owns, overdue first, then by due date (then the primary
# key). Each row is a <tr id="my-action-N"> that the done checkbox's htmx swaps in place
# (plans/_action_done.html); the cells read `list_url`, the page to come back to.
OVERDUE_FIRST = Case(When(is_overdue=True, then=Value(0)), default=Value(1))
MY_ACTIONS = Table(
    Column("Done", cell='{% include "plans/_action_done.html" %}'),
    Column(
        "Action",
        cell='<th scope="row" class="fw-normal wrap">'
        "<a href=\"{% url 'plans:action_progress' row.pk %}?next={{ list_url|urlencode }}\">"
        "{{ row.title }}</a>{% if row.description %}"
        '<div class="small text-body-secondary">{{ row.description|linebreaksbr }}</div>'
        "{% endif %}</th>",
        key="title",
        export="title",
    ),
    ACCOUNT,
    ERP_CODE,
    PLAN,
    *PLAN_EXPORTS,
    FAMILY,
    DESCRIPTION,
    Column(
        "Due",
        cell=DUE_CELL,
        key="due",
        order_by=(OVERDUE_FIRST, F("due_date")),
        export="due_date",
        export_label="Due date",
    ),
    STATUS,
    *DONE_EXPORTS,
    Column(
        "Update",
        cell='<td><a class="btn btn-link btn-sm" href="{% url \'plans:action_progress\' row.pk %}'
        '?next={{ list_url|urlencode }}">Update<span class="visually-hidden"> “{{ row.title }}”'
        "</span></a></td>",
        header_hidden=True,
    ),
    filename="my-actions",
    default_ordering="due",
    row_attrs=' id="my-action-{{ row.pk }}" data-testid="my-action-row"',
)


def may_record(user: Any) -> bool:
    # Asked of kam.rules alone, as may_decide (two queries for a "no" otherwise).
    return rules.has_perm("plans.record_measurement", user)


# The commitments board: its page and its download. The board keeps its fixed order (most
# urgent first, plans.selectors.board_ordered); plans/_board_row.html draws each row inside the
# <tbody> that htmx swaps, with the in-place measurement form below it, so the cells are given
# `row` (a plans.selectors.BoardRow), `commitment` (its commitment) and `line` (the BoardLine,
# with its sparkline).
COMMITMENTS = Table(
    Column(
        "Account",
        cell='<td class="wrap"><a href="{% url \'accounts:detail\' commitment.account.pk %}">'
        "{{ commitment.account.name }}</a>{% if commitment.account.kam %}"
        '<div class="small text-body-secondary">KAM {{ commitment.account.kam }}</div>'
        "{% endif %}</td>",
        export="commitment.account.name",
    ),
    Column("ERP code", export="commitment.account.erp_code"),
    Column("KAM", export=lambda row: str(row.commitment.account.kam or "")),
    Column("Category", export=lambda row: row.commitment.get_category_display()),
    Column(
        "Promise",
        cell='<th scope="row" class="fw-normal wrap">'
        "<a href=\"{% url 'plans:commitment_detail' commitment.pk %}\">{{ commitment.promise }}"
        '</a><div class="small text-body-secondary">{{ commitment.get_category_display }}</div>'
        "</th>",
        export="commitment.promise",
    ),
    Column("Comparison", export=lambda row: row.commitment.get_comparison_display()),
    Column(
        "Target",
        cell="<td>{% load plan_badges %}{% commitment_target commitment %}</td>",
        export="commitment.target_value",
    ),
    Column("Unit", export="commitment.unit"),
    Column("Due date", export="commitment.due_date"),
    Column(
        "Latest",
        cell='{% load kam_format %}<td class="num">{% if row.latest %}'
        "{{ row.latest.value|compact }}{% if commitment.unit %} {{ commitment.unit }}{% endif %}"
        '<div class="small text-body-secondary">to {{ row.latest.period_end|date }}'
        '</div>{% else %}<span class="text-body-secondary">none yet</span>{% endif %}</td>',
        numeric=True,
        export=lambda row: row.latest.value if row.latest else None,
        export_label="Latest value",
    ),
    Column("Latest period end", export=lambda row: row.latest.period_end if row.latest else None),
    Column("Trend", cell="<td>{% load plan_badges %}{% sparkline line.sparkline %}</td>"),
    Column(
        "Status",
        cell='<td data-testid="status">{% load plan_badges %}'
        "{% commitment_badge commitment %}</td>",
        export=lambda row: row.commitment.get_status_display(),
    ),
    Column("Due soon", export=lambda row: "yes" if row.due_soon else "no"),
    Column(
        "Owner team",
        cell="<td>{{ commitment.responsible_team }}</td>",
        export="commitment.responsible_team.name",
        export_label="Responsible team",
    ),
    Column(
        "Next due",
        cell="<td>{% if row.next_due %}{{ row.next_due|date }}{% if row.due_soon %} "
        '<span class="badge text-bg-light border">due soon</span>{% endif %}{% else %}'
        '<span class="text-body-secondary">—</span>{% endif %}</td>',
        export="next_due",
    ),
    Column(
        "Record",
        cell='{% include "plans/_record_cell.html" %}',
        header_hidden=True,
        shown_to=may_record,
    ),
    filename="commitments",
)
