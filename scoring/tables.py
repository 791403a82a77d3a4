"""The scores list, described once: its page (headers, cells, orderings), its download and the
API's ordering fields all come from `SCORES` (kam.listing.Table). The download adds each
criterion's explanation after these columns (`scoring.score_views.criterion_columns`)."""

from __future__ import annotations

from django.db.models import F

from accounts.models import AccountStatus
from kam.listing import Column, Table, choice_column, person_column
from scoring.models import Quadrant
from scoring.scores import FLAG_LABELS


def money_cell(field: str) -> str:
    return f'{{% load kam_format %}}<td class="num">{{% money row.{field} %}}</td>'


def score_cell(field: str) -> str:
    return f'{{% load kam_format %}}<td class="num">{{{{ row.{field}|decimal }}}}</td>'


SCORES = Table(
    Column("Rank", cell="<td>{{ row.rank }}</td>", key="rank", export="rank", api="rank"),
    Column("ERP code", export="account.erp_code"),
    Column(
        "Account",
        cell='<th scope="row" class="fw-normal wrap">'
        "<a href=\"{% url 'accounts:detail' row.account_id %}\">{{ row.account.name }}</a></th>",
        key="name",
        order_by=(F("account__name"),),
        export="account.name",
        always_shown=True,
    ),
    choice_column(
        "Status",
        "account__status",
        AccountStatus,
        cell="<td>{% load kam_format %}"
        "{% status_badge row.account.status row.account.get_status_display %}</td>",
    ),
    person_column("KAM", "account__kam", cell='<td>{{ row.account.kam|default:"" }}</td>'),
    # Columns `shown_by_default=False` are behind the list's "Columns" control, so that the list
    # fits a 1366 px laptop; the download has them all.
    Column(
        "Industry",
        cell="<td>{{ row.account.industry }}</td>",
        export="account.industry",
        shown_by_default=False,
    ),
    Column(
        "Region",
        cell="<td>{{ row.account.region }}</td>",
        export="account.region",
        shown_by_default=False,
    ),
    Column(
        "Attractiveness",
        cell=score_cell("attractiveness"),
        key="attractiveness",
        numeric=True,
        export="attractiveness",
        api="attractiveness",
    ),
    Column(
        "Relative strength",
        cell=score_cell("relative_strength"),
        key="strength",
        order_by=(F("relative_strength"),),
        numeric=True,
        export="relative_strength",
        # The matrix shows it; the list has room for health instead on a laptop.
        shown_by_default=False,
    ),
    Column(
        "Health",
        cell='<td class="num">{% load kam_format %}{% health_badge row.health row.health_band %}'
        "</td>",
        key="health",
        numeric=True,
        export="health",
        api="health",
    ),
    Column("Health band", export="health_band"),
    choice_column(
        "Quadrant",
        "quadrant",
        Quadrant,
        cell="<td>{% load scoring_format %}{% quadrant_badge row.quadrant %}</td>",
    ),
    Column(
        "Revenue, last 12 months",
        cell=money_cell("revenue"),
        key="revenue",
        numeric=True,
        export="revenue",
        api="revenue",
    ),
    Column(
        "Net profit",
        cell=money_cell("net_profit"),
        key="net_profit",
        numeric=True,
        export="net_profit",
        api="net_profit",
        shown_by_default=False,
    ),
    Column(
        "Cost to serve",
        cell=money_cell("cost_to_serve"),
        key="cost_to_serve",
        numeric=True,
        export="cost_to_serve",
        shown_by_default=False,
    ),
    # On the page the flags of a row share a cell (`row.flags`, set by the view); the download
    # has a true/false column for each.
    Column(
        "Flags",
        cell='<td class="wrap">{% for flag in row.flags %}'
        '<span class="badge {% if flag.data_quality %}'
        'text-bg-warning text-wrap{% else %}text-bg-light border text-wrap{% endif %}">'
        "{{ flag.label }}</span> {% endfor %}</td>",
    ),
    *[Column(label, export=field) for field, label in FLAG_LABELS.items()],
    filename="scores",
    default_ordering="rank",
    tiebreak=("rank",),
)
