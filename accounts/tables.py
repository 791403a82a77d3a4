"""The account list, described once: its page (headers, cells, orderings), its download and the
API's ordering fields all come from `ACCOUNTS` (kam.listing.Table)."""

from __future__ import annotations

from django.db.models import F

from accounts.models import AccountStatus, Stage
from accounts.selectors.accounts import list_shows_scores
from kam.listing import Column, Table, choice_column, person_column


def current_figure(cell: str, *, numeric: bool) -> str:
    """A cell of the current run's figures (the page's `run`); before the first run it says
    they are not yet computed."""
    css = "num text-body-secondary" if numeric else "text-body-secondary"
    return f'{{% if run %}}{cell}{{% else %}}<td class="{css}">not yet computed</td>{{% endif %}}'


ACCOUNTS = Table(
    # The download starts with the ERP code, the key other systems know an account by.
    Column("ERP code", export="erp_code"),
    Column(
        "Name",
        cell='<th scope="row" class="fw-normal">'
        "<a href=\"{% url 'accounts:detail' row.pk %}\">{{ row.name }}</a></th>",
        key="name",
        export="name",
        api="name",
    ),
    Column("ERP code", cell="<td>{{ row.erp_code }}</td>", key="erp_code", api="erp_code"),
    choice_column(
        "Status",
        "status",
        AccountStatus,
        cell='<td>{% include "includes/status_badge.html" with status=row.status '
        "label=row.get_status_display %}</td>",
    ),
    choice_column("Stage", "stage", Stage, cell="<td>{{ row.get_stage_display }}</td>"),
    person_column("KAM", "kam", cell='<td>{{ row.kam|default:"" }}</td>'),
    Column("Industry", cell="<td>{{ row.industry }}</td>", export="industry"),
    Column("Country", cell="<td>{{ row.country }}</td>", export="country"),
    Column("Region", export="region"),
    # The current run's figures, for those whose lists carry scores (not operations).
    Column(
        "T12M revenue",
        cell=current_figure(
            '{% load kam_format %}<td class="num">{% if row.score_revenue is not None %}'
            "{% money row.score_revenue %}{% else %}"
            '<span class="text-body-secondary">not yet computed</span>{% endif %}</td>',
            numeric=True,
        ),
        key="revenue",
        order_by=(F("score_revenue"),),
        numeric=True,
        export="score_revenue",
        shown_to=list_shows_scores,
    ),
    Column(
        "Attractiveness",
        cell=current_figure(
            '{% load kam_format %}<td class="num">{{ row.score_attractiveness|decimal }}</td>',
            numeric=True,
        ),
        key="attractiveness",
        order_by=(F("score_attractiveness"),),
        numeric=True,
        export="score_attractiveness",
        shown_to=list_shows_scores,
    ),
    Column(
        "Quadrant",
        cell=current_figure(
            '<td>{% include "includes/quadrant_badge.html" with quadrant=row.score_quadrant %}'
            "</td>",
            numeric=False,
        ),
        export="score_quadrant",
        shown_to=list_shows_scores,
    ),
    filename="accounts",
    default_ordering="name",
    # Accounts without a value (no KAM, not yet scored) sort last either way, then by name.
    tiebreak=("name",),
)
