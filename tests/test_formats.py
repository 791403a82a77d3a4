"""One date and one date-time format across the app, and one wording of the trailing 12
months: templates name a format (never spell one), Python sentences use kam.formats, and the
account page, the run page and the portfolio say the window the same way, with its months."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from kam.formats import day, last_12_months, moment
from scoring.models import ScoringRun
from tests import factories
from tests.portfolio.builders import make_run, score

ROOT = Path(settings.BASE_DIR)
NAMED = {"DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "YEAR_MONTH_FORMAT"}
AD_HOC = re.compile(r"\|(date|time):\s*[\"']([^\"']*)[\"']")
SOURCES = [
    *ROOT.glob("templates/**/*.html"),
    *(
        path
        for app in ("accounts", "plans", "scoring", "kam")
        for path in ROOT.glob(f"{app}/**/*.py")
    ),
]


def test_no_template_spells_its_own_date_format():
    ad_hoc = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in SOURCES
        for match in AD_HOC.finditer(path.read_text(encoding="utf-8"))
        if match.group(1) == "time" or match.group(2) not in NAMED
    ]
    assert ad_hoc == []


def test_dates_and_times_render_in_the_apps_one_format():
    moment_ = timezone.make_aware(dt.datetime(2026, 12, 3, 15, 31))
    text = Template("{{ d }}|{{ t }}|{{ d|date }}|{{ t|date:'DATETIME_FORMAT' }}").render(
        Context({"d": dt.date(2026, 12, 3), "t": moment_})
    )
    assert text == "3 Dec 2026|3 Dec 2026 15:31|3 Dec 2026|3 Dec 2026 15:31"
    assert (day(dt.date(2026, 12, 3)), moment(moment_)) == ("3 Dec 2026", "3 Dec 2026 15:31")


def test_the_window_has_one_wording_with_its_months():
    assert last_12_months(dt.date(2025, 12, 1), dt.date(2026, 12, 1)) == (
        "last 12 months (Dec 2025 - Nov 2026)"
    )
    # A run as of 3 Dec 2026 covers the 12 complete months before December.
    assert ScoringRun(as_of=dt.date(2026, 12, 3)).t12 == "last 12 months (Dec 2025 - Nov 2026)"


@pytest.fixture
def scored_key_account(kam):
    run = make_run(as_of=dt.date(2026, 12, 3))
    account = factories.KeyAccountFactory(name="Alpha", kam=kam)
    score(run, account, rank=1, revenue=100).save()
    return run, account


WINDOW = "ast 12 months (Dec 2025 - Nov 2026)"  # capitalised or not, as the sentence needs


def test_the_account_run_and_portfolio_pages_say_the_window_the_same_way(
    client, director, scored_key_account
):
    run, account = scored_key_account
    client.force_login(director)
    pages = {
        "account": reverse("accounts:detail", args=[account.pk]),
        "run": reverse("scoring:run_detail", args=[run.pk]),
        "portfolio": reverse("portfolio:dashboard"),
    }
    for name, url in pages.items():
        html = client.get(url).content.decode()
        assert WINDOW in html, name
        assert "railing 12" not in html and "T12M" not in html, name


def test_the_runs_page_shows_times_in_the_apps_format(client, director, scored_key_account):
    client.force_login(director)
    html = client.get(reverse("scoring:runs")).content.decode()
    assert not re.search(r"\d[ap]\.m\.", html)
    assert not re.search(r"\d (a|p)\.m\.", html)
