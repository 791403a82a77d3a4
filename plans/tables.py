"""The plans app's lists, each described once (kam.listing.Table): the actions list, whose page
(headers, cells, orderings), download and API ordering fields all come from `ACTIONS`, and the
commitments board's page and download, `COMMITMENTS`."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from kam.listing import Column, Table, choice_column, person_column
from plans.models import ActionFamily, ActionStatus

ACTIONS = Table(
    Column(
        "Account",
        cell="<td><a href=\"{% url 'accounts:detail' row.plan.account_id %}\">"
        "{{ row.plan.account.name }}</a></td>",
        key="account",
        order_by=(F("plan__account__name"),),
        export="plan.account.name",
    ),
    Column("ERP code", export="plan.account.erp_code"),
    Column(
        "Plan",
        cell='<td class="wrap"><a href="{% url \'plans:plan_detail\' row.plan_id %}">'
        "{{ row.plan.title }}</a>\n"
        '    <div class="small text-body-secondary">{{ row.plan.period_start|date }}'
        " \u2013 {{ row.plan.period_end|date }}</div></td>",
        key="plan",
        order_by=(F("plan__period_start"), F("plan__title")),
        export="plan.title",
    ),
    Column("Plan period start", export="plan.period_start"),
    Column("Plan period end", export="plan.period_end"),
    Column("Plan status", export=lambda action: action.plan.get_status_display()),
    choice_column("Family", "family", ActionFamily, cell="<td>{{ row.get_family_display }}</td>"),
    Column(
        "Action",
        cell='<th scope="row" class="fw-normal wrap">{{ row.title }}{% if row.description %}'
        '<div class="small text-body-secondary">{{ row.description|linebreaksbr }}</div>'
        "{% endif %}</th>",
        key="title",
        export="title",
    ),
    Column("Description", export="description"),
    person_column("Owner", "owner", cell="<td>{{ row.owner }}</td>"),
    Column(
        "Due",
        cell="<td>{{ row.due_date|date }}{% if row.is_overdue %} "
        '<span class="badge text-bg-danger">overdue</span>{% endif %}</td>',
        key="due_date",
        export="due_date",
        export_label="Due date",
        api="due_date",
    ),
    choice_column(
        "Status",
        "status",
        ActionStatus,
        cell='<td><span class="action-{{ row.status }}">{{ row.get_status_display }}</span></td>',
        api="status",
    ),
    Column("Overdue", export="is_overdue"),
    Column("Completed at", export="completed_at"),
    filename="actions",
    default_ordering="due_date",
    tiebreak=("due_date",),
    row_attrs=' data-testid="action-row"',
)


def may_record(user: Any) -> bool:
    return user.has_perm("plans.record_measurement")


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
        cell='<td>{% include "includes/commitment_target.html" %}</td>',
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
    Column(
        "Trend", cell='<td>{% include "plans/_sparkline.html" with sparkline=line.sparkline %}</td>'
    ),
    Column(
        "Status",
        cell='<td data-testid="status">{% include "includes/commitment_badge.html" %}</td>',
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
