"""The accounts app's lists, each described once (kam.listing.Table): the account list, whose
page (headers, cells, orderings), download and API ordering fields all come from `ACCOUNTS`,
and the audit log's page and download, `AUDIT`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import F

from accounts.models import AccountStatus, Quadrant, Stage
from accounts.selectors.accounts import list_shows_scores
from kam.listing import Column, Table, choice_column, label_of, person_column

if TYPE_CHECKING:  # the audit log's engine reads every app; the list only needs its rows' shape
    from accounts.audit import AuditEntry


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
        cell='<th scope="row" class="fw-normal wrap">'
        "<a href=\"{% url 'accounts:detail' row.pk %}\">{{ row.name }}</a>"
        '{% if row.parent_id %}<br><small class="text-body-secondary">in group '
        "{{ row.parent.name }}</small>{% endif %}"
        '{% if row.score_members %}<br><small class="text-body-secondary">group of '
        "{{ row.score_members }}</small>{% endif %}</th>",
        key="name",
        export="name",
        api="name",
        always_shown=True,
    ),
    Column("ERP code", cell="<td>{{ row.erp_code }}</td>", key="erp_code", api="erp_code"),
    choice_column(
        "Status",
        "status",
        AccountStatus,
        cell="<td>{% load kam_format %}{% status_badge row.status row.get_status_display %}</td>",
    ),
    choice_column("Stage", "stage", Stage, cell="<td>{{ row.get_stage_display }}</td>"),
    person_column("KAM", "kam", cell='<td>{{ row.kam|default:"" }}</td>'),
    # Behind the list's "Columns" control, so that the list fits a 1366 px laptop.
    Column(
        "Industry", cell="<td>{{ row.industry }}</td>", export="industry", shown_by_default=False
    ),
    Column("Country", cell="<td>{{ row.country }}</td>", export="country", shown_by_default=False),
    Column("Region", export="region"),
    # The current run's figures, for those whose lists carry scores (not operations).
    Column(
        "Revenue, last 12 months",
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
            "<td>{% load scoring_format %}{% quadrant_badge row.score_quadrant %}</td>",
            numeric=False,
        ),
        export=label_of("score_quadrant", Quadrant),
        shown_to=list_shows_scores,
    ),
    Column(
        "Health",
        cell=current_figure(
            '<td class="num">{% load kam_format %}'
            "{% health_badge row.score_health row.score_health_band %}</td>",
            numeric=True,
        ),
        key="health",
        order_by=(F("score_health"),),
        numeric=True,
        export="score_health",
        shown_to=list_shows_scores,
    ),
    Column("Health band", export="score_health_band", shown_to=list_shows_scores),
    filename="accounts",
    default_ordering="name",
    # Accounts without a value (no KAM, not yet scored) sort last either way, then by name.
    tiebreak=("name",),
)


def changes_text(entry: AuditEntry) -> str:
    return "; ".join(f"{c.label}: {c.before} → {c.after}" for c in entry.changes)


# The audit log (administrators), newest first: its page and its download. Its rows are
# accounts.audit.AuditEntry.
AUDIT = Table(
    Column("When", cell='<td>{{ row.when|date:"DATETIME_FORMAT" }}</td>', export="when"),
    Column(
        "Who",
        cell='<td>{{ row.who|default:"System" }}</td>',
        export=lambda entry: str(entry.who) if entry.who else "System",
    ),
    Column("Kind", export="kind_label"),
    Column("ERP code", export="account.erp_code"),
    Column(
        "Account",
        cell="<td>{% if row.account %}<a href=\"{% url 'accounts:detail' row.account.pk %}\">"
        '{{ row.account.name }}</a> <span class="text-body-secondary">'
        "{{ row.account.erp_code }}</span>{% else %}—{% endif %}</td>",
        export="account.name",
    ),
    Column(
        "What",
        cell='<td class="wrap"><span class="badge text-bg-light">{{ row.kind_label }}</span> '
        "{{ row.subject }} {{ row.action }}</td>",
    ),
    Column("Object", export="subject"),
    Column("Action", export="action"),
    Column(
        "Changes",
        cell='<td class="wrap">{% for change in row.changes %}<div>{{ change.label }}: '
        "{{ change.before }} → {{ change.after }}</div>{% endfor %}{% if row.reason %}"
        '<div class="text-body-secondary">{{ row.reason }}</div>{% endif %}</td>',
        export=changes_text,
    ),
    Column("Reason", export="reason"),
    filename="audit-log",
)
