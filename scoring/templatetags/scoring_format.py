"""How KAM shows scoring values in templates."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from accounts.models import AccountStatus, Quadrant
from kam.kept import kept
from kam.templatetags.kam_format import NOT_AVAILABLE, NOT_COMPUTED, grouped, money, urls_by_pk
from scoring.engine.thresholds import KAM_MAX_KEY_ACCOUNTS

register = template.Library()


@register.filter
def quadrant_label(value: str | None) -> str:
    """The label of a quadrant value annotated onto a row ("star" -> "Star")."""
    return Quadrant(value).label if value else ""


@register.simple_tag
def quadrant_badge(quadrant: str | None) -> str:
    """`{% quadrant_badge row.quadrant %}`: the quadrant's badge, or not computed (written in
    Python: every row of the account and scores lists draws one)."""
    if not quadrant:
        return NOT_COMPUTED
    return format_html(
        '<span class="badge quadrant-{}">{}</span>', quadrant, quadrant_label(quadrant)
    )


@register.simple_tag
def preview_rows(rows: list, limit: int) -> str:
    """The what-if's rows (scoring.workbench.PreviewRow, the first `limit`): account, rank
    now, new rank, new score and why, written in Python (two lists of 100 rows took 40 ms
    through the template engine)."""
    listed = rows[:limit]
    if not listed:
        return mark_safe('<tr><td colspan="5">None.</td></tr>')
    designate_url = urls_by_pk("portfolio:designate")
    return mark_safe(
        "".join(
            format_html(
                '<tr><th scope="row" class="fw-normal wrap-narrow"><a href="{}">{}</a></th>'
                '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
                '<td class="small wrap-narrow" data-testid="why">{}</td></tr>',
                designate_url(row.account_id),
                row.name,
                row.old_rank,
                row.new_rank,
                grouped(row.new_score),
                "; ".join(driver.text for driver in row.drivers),
            )
            for row in listed
        )
    )


# The rendered KAM loads, by their content: formatting a thousand KAMs' rows (at 250,000
# accounts) took 50 ms of each dashboard request, for rows that change only with a
# designation, a new KAM or a unit moving between KAMs.
KAM_LOADS_CACHE_VERSION = 1
KAM_LOADS_CACHE_SECONDS = 24 * 60 * 60


@register.simple_tag
def kam_load_rows(loads: list) -> str:
    """The dashboard's accounts per KAM (scoring.portfolio.tiles.KamLoad): a row each, an
    overloaded KAM marked, written in Python (hundreds of KAMs at 50,000 accounts) and kept in
    the process and the cache (kam.kept) under a digest of what the rows show (and the language
    that formats them)."""
    if not loads:
        return mark_safe('<tr><td colspan="3">No account has a KAM.</td></tr>')
    shown = [(load.name, load.key_accounts, load.accounts, load.overloaded) for load in loads]
    digest = hashlib.sha256(repr((get_language(), shown)).encode()).hexdigest()
    key = f"portfolio:kam-loads:v{KAM_LOADS_CACHE_VERSION}:{digest}"
    rows = kept(
        key,
        lambda: "".join(
            format_html(
                '<tr{}><th scope="row" class="fw-normal">{}</th><td class="num">{}</td>'
                '<td class="num">{}</td></tr>',
                mark_safe(' class="table-warning"') if overloaded else "",
                name,
                key_accounts,
                grouped(accounts, 0),
            )
            for name, key_accounts, accounts, overloaded in shown
        ),
        KAM_LOADS_CACHE_SECONDS,
    )
    return mark_safe(rows)


@register.simple_tag
def warning_items(warnings: list) -> str:
    """A warning group's listed warnings as <li>s, each linking to its account if it has one
    (the dashboard lists up to a hundred)."""
    return mark_safe(
        "".join(
            format_html(
                '<li><a href="{}">{}</a></li>',
                reverse("accounts:detail", args=[warning.account_id]),
                warning.message,
            )
            if warning.account_id
            else format_html("<li>{}</li>", warning.message)
            for warning in warnings
        )
    )


# The workbench's lists (scoring.workbench: up to 100 key accounts, 50 candidates, every KAM):
# rows written in Python, as the template wrote them.


def _rank(account: Any) -> Any:
    """The run's rank as the template wrote `score_rank|default_if_none:"—"` (without a run
    the rank is not annotated and the cell stays empty)."""
    rank = getattr(account, "score_rank", "")
    return NOT_AVAILABLE if rank is None else rank


def _account_rows(
    accounts: list,
    empty: str,
    cells: str,
    values: Callable[[Any], tuple],
    button: tuple[str, str],
) -> str:
    """A row per account: its name linking to its page, its `cells` (format_html markup that
    `values` fills), and the `button` (its classes, then its label) to its designation; the
    `empty` row when there is none. One format_html per row: escaping is most of its cost."""
    if not accounts:
        return mark_safe(empty)
    detail, designate = urls_by_pk("accounts:detail"), urls_by_pk("portfolio:designate")
    style, label = button
    row = (
        '<tr><th scope="row" class="fw-normal wrap-narrow"><a href="{}">{}</a></th>'
        + cells
        + f'<td><a class="btn {style} btn-sm" href="{{}}">{label}<span class="visually-hidden">'
        + " {}</span></a></td></tr>"
    )
    return mark_safe(
        "".join(
            format_html(
                row,
                detail(account.pk),
                account.name,
                *values(account),
                designate(account.pk),
                account.name,
            )
            for account in accounts
        )
    )


@register.simple_tag(takes_context=True)
def key_account_rows(context: template.Context, accounts: list) -> str:
    """The key accounts (Accounts with their KAM and the run's figures annotated by
    scoring.workbench.with_run_scores): name, KAM, rank, score, revenue, the designation."""

    def values(account: Any) -> tuple:
        return (
            account.kam or "",
            _rank(account),
            grouped(getattr(account, "score_attractiveness", None)),
            money(context, getattr(account, "score_revenue", None)),
        )

    return _account_rows(
        accounts,
        '<tr><td colspan="6">No key accounts yet.</td></tr>',
        '<td class="wrap-narrow">{}</td><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td>',
        values,
        ("btn-outline-secondary", "Change or remove"),
    )


CANDIDATE_BADGE = mark_safe('<span class="badge status-candidate">Candidate</span> ')
FOUR_X_BADGE = mark_safe('<span class="badge text-bg-info">4x</span> ')
PARETO_BADGE = mark_safe('<span class="badge text-bg-light border">Pareto</span>')


@register.simple_tag
def candidate_rows(accounts: list) -> str:
    """The candidates (Accounts with the run's rank and flags set by
    scoring.workbench.candidates): name, why (status, 4x, Pareto), rank, the designation."""

    def values(account: Any) -> tuple:
        return (
            CANDIDATE_BADGE if account.status == AccountStatus.CANDIDATE else "",
            FOUR_X_BADGE if getattr(account, "score_is_4x", False) else "",
            PARETO_BADGE if getattr(account, "score_is_pareto", False) else "",
            _rank(account),
        )

    return _account_rows(
        accounts,
        '<tr><td colspan="4">No candidates.</td></tr>',
        '<td>{}{}{}</td><td class="num">{}</td>',
        values,
        ("btn-outline-primary", "Designate"),
    )


@register.simple_tag
def key_load_rows(kams: list) -> str:
    """The KAMs with their key accounts (scoring.forms.kams_with_load), an overloaded KAM
    marked."""
    if not kams:
        return mark_safe('<tr><td colspan="2">No KAMs.</td></tr>')
    return mark_safe(
        "".join(
            format_html(
                '<tr{}><th scope="row" class="fw-normal">{}</th><td class="num">{}</td></tr>',
                mark_safe(' class="table-warning"') if kam.key_load > KAM_MAX_KEY_ACCOUNTS else "",
                kam,
                kam.key_load,
            )
            for kam in kams
        )
    )
