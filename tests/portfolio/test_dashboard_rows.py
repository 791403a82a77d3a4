"""The dashboard's long live lists written by tags (accounts per KAM, a warning group's
items): the rows the template wrote, escaped, an overloaded KAM marked."""

from types import SimpleNamespace

from django.core.cache import cache
from django.template import Context, Template
from django.urls import reverse

from scoring.portfolio.tiles import KAM_MAX_KEY_ACCOUNTS, KamLoad


def render(source: str, **context) -> str:
    return Template("{% load scoring_format %}" + source).render(Context(context))


def test_kam_loads_mark_an_overloaded_kam_and_escape_names():
    loads = [
        KamLoad(kam_id=1, name="Ann <Lee>", key_accounts=KAM_MAX_KEY_ACCOUNTS + 1, accounts=1234),
        KamLoad(kam_id=2, name="Bo", key_accounts=2, accounts=5),
    ]

    html = render("{% kam_load_rows loads %}", loads=loads)

    assert html.count("<tr") == 2
    assert (
        '<tr class="table-warning"><th scope="row" class="fw-normal">Ann &lt;Lee&gt;</th>' in html
    )
    assert '<td class="num">1,234</td>' in html
    assert '<tr><th scope="row" class="fw-normal">Bo</th>' in html


def test_kam_loads_are_formatted_once_until_a_load_changes(monkeypatch):
    """The rows are kept by what they show: the same loads again are not formatted again (a
    thousand KAMs took 50 ms a request); a changed count is."""
    from scoring.templatetags import scoring_format

    cache.clear()
    formatted = []
    real_grouped = scoring_format.grouped

    def counting_grouped(value, places=2):
        formatted.append(value)
        return real_grouped(value, places)

    monkeypatch.setattr(scoring_format, "grouped", counting_grouped)
    loads = [KamLoad(kam_id=1, name="Ann", key_accounts=3, accounts=7)]

    first = render("{% kam_load_rows loads %}", loads=loads)
    again = render("{% kam_load_rows loads %}", loads=list(loads))
    changed = render(
        "{% kam_load_rows loads %}",
        loads=[KamLoad(kam_id=1, name="Ann", key_accounts=4, accounts=7)],
    )

    assert again == first
    assert formatted == [7, 7]  # the first render and the changed one, not the second
    assert '<td class="num">4</td>' in changed


def test_no_kam_says_so():
    assert "No account has a KAM." in render("{% kam_load_rows loads %}", loads=[])


def test_warning_items_link_to_their_account():
    warnings = [
        SimpleNamespace(account_id=7, message="Revenue fell & <more>"),
        SimpleNamespace(account_id=None, message="Too many key accounts"),
    ]

    html = render("{% warning_items warnings %}", warnings=warnings)

    link = reverse("accounts:detail", args=[7])
    assert html == (
        f'<li><a href="{link}">Revenue fell &amp; &lt;more&gt;</a></li>'
        "<li>Too many key accounts</li>"
    )
