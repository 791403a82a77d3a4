"""The workbench's lists written by tags (key accounts, candidates, the KAMs' load): the rows
the template wrote, escaped, with the run's figures or the marks of their absence."""

from decimal import Decimal
from types import SimpleNamespace

from django.template import Context, Template
from django.urls import reverse

from accounts.models import AccountStatus
from scoring.engine.thresholds import KAM_MAX_KEY_ACCOUNTS


def render(source: str, **context) -> str:
    return Template("{% load scoring_format %}" + source).render(Context(context))


def account(pk: int, name: str, **fields) -> SimpleNamespace:
    return SimpleNamespace(
        **{"pk": pk, "name": name, "status": AccountStatus.KEY, "kam": None} | fields
    )


def test_key_account_rows_show_the_runs_figures_and_escape_names():
    accounts = [
        account(
            7,
            "Acme <GmbH>",
            kam="Ann & Bo",
            score_rank=12,
            score_attractiveness=Decimal("72.505"),
            score_revenue=Decimal("1234567.891"),
        ),
        account(8, "Unscored", score_rank=None, score_attractiveness=None, score_revenue=None),
    ]

    html = render("{% key_account_rows accounts %}", accounts=accounts, KAM_CURRENCY="EUR")

    detail, designate = (
        reverse("accounts:detail", args=[7]),
        reverse("portfolio:designate", args=[7]),
    )
    assert html.split("</tr>")[0] == (
        f'<tr><th scope="row" class="fw-normal wrap-narrow"><a href="{detail}">Acme &lt;GmbH&gt;'
        '</a></th><td class="wrap-narrow">Ann &amp; Bo</td><td class="num">12</td>'
        '<td class="num">72.51</td><td class="num">1,234,567.89 EUR</td>'
        f'<td><a class="btn btn-outline-secondary btn-sm" href="{designate}">Change or remove'
        '<span class="visually-hidden"> Acme &lt;GmbH&gt;</span></a></td>'
    )
    assert (
        '<td class="wrap-narrow"></td><td class="num">\u2014</td><td class="num">\u2014</td>'
        '<td class="num">\u2014</td>'
    ) in html
    assert reverse("portfolio:designate", args=[8]) in html


def test_without_a_run_a_key_accounts_rank_stays_empty():
    html = render("{% key_account_rows accounts %}", accounts=[account(7, "Acme")])

    assert '<td class="num"></td><td class="num">\u2014</td><td class="num">\u2014</td>' in html


def test_candidate_rows_say_why_each_is_a_candidate():
    accounts = [
        account(
            1,
            "All",
            status=AccountStatus.CANDIDATE,
            score_rank=3,
            score_is_4x=True,
            score_is_pareto=True,
        ),
        account(
            2,
            "Pareto",
            status=AccountStatus.STANDARD,
            score_rank=9,
            score_is_4x=False,
            score_is_pareto=True,
        ),
    ]

    rows = render("{% candidate_rows accounts %}", accounts=accounts).split("</tr>")

    assert (
        '<td><span class="badge status-candidate">Candidate</span> <span class="badge '
        'text-bg-info">4x</span> <span class="badge text-bg-light border">Pareto</span></td>'
        '<td class="num">3</td>'
    ) in rows[0]
    assert '<td><span class="badge text-bg-light border">Pareto</span></td>' in rows[1]
    designate = reverse("portfolio:designate", args=[2])
    assert (
        f'<a class="btn btn-outline-primary btn-sm" href="{designate}">'
        'Designate<span class="visually-hidden"> Pareto</span></a>'
    ) in rows[1]


def test_key_load_rows_mark_an_overloaded_kam():
    class Kam(SimpleNamespace):
        def __str__(self) -> str:
            return self.name

    kams = [Kam(name="Ann <Lee>", key_load=KAM_MAX_KEY_ACCOUNTS + 1), Kam(name="Bo", key_load=2)]

    html = render("{% key_load_rows kams %}", kams=kams)

    assert html == (
        f'<tr class="table-warning"><th scope="row" class="fw-normal">Ann &lt;Lee&gt;</th>'
        f'<td class="num">{KAM_MAX_KEY_ACCOUNTS + 1}</td></tr>'
        '<tr><th scope="row" class="fw-normal">Bo</th><td class="num">2</td></tr>'
    )


def test_empty_lists_say_so():
    assert render("{% key_account_rows rows %}", rows=[]) == (
        '<tr><td colspan="6">No key accounts yet.</td></tr>'
    )
    assert render("{% candidate_rows rows %}", rows=[]) == (
        '<tr><td colspan="4">No candidates.</td></tr>'
    )
    assert render("{% key_load_rows rows %}", rows=[]) == '<tr><td colspan="2">No KAMs.</td></tr>'
