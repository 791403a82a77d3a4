"""Every dashboard chart's full data as a CSV download."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from scoring.models import AccountScore
from scoring.portfolio.views import EXPORTS
from tests import factories
from tests.portfolio.builders import make_run, score


def download(client, name: str, **params: str) -> list[list[str]]:
    response = client.get(reverse("portfolio:export", args=[name]), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="portfolio-{name}-')
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def scored(kam):
    run = make_run()
    key = factories.KeyAccountFactory(name="Key Co", kam=kam, industry="Food")
    formula = factories.AccountFactory(name='=HYPERLINK("http://evil")', industry="Food")
    plain = factories.AccountFactory(name="Plain Ltd", industry="Chemicals")
    AccountScore.objects.bulk_create(
        [
            score(run, key, rank=2, revenue=600, net_profit=100),
            score(run, formula, rank=1, revenue=300, net_profit=-40, is_misclassified=True),
            score(run, plain, rank=3, revenue=100, net_profit=20),
        ]
    )
    return run


def test_matrix_csv_has_every_account_and_neutralises_formulas(client, director, scored):
    client.force_login(director)

    rows = download(client, "matrix")

    assert rows[0][:3] == ["account_id", "account", "status"]
    assert [row[1] for row in rows[1:]] == ["Key Co", '\'=HYPERLINK("http://evil")', "Plain Ltd"]


def test_whale_csv_ranks_every_account_by_profit_with_running_totals(client, director, scored):
    client.force_login(director)

    rows = download(client, "whale-curve")

    # Profits 100, 20, -40: running 100, 120, 80 of a total of 80; negative numbers stay numbers.
    assert [(r[0], r[3], r[4], r[6]) for r in rows[1:]] == [
        ("1", "100.00", "100.00", "125.0"),
        ("2", "20.00", "120.00", "150.0"),
        ("3", "-40.00", "80.00", "100.0"),
    ]


def test_csv_follows_the_dashboard_filters(client, director, scored):
    client.force_login(director)

    rows = download(client, "pareto-curve", industry="Chemicals")

    assert [row[2] for row in rows[1:]] == ["Plain Ltd"]


def test_warnings_csv_lists_every_warning(client, director, scored):
    client.force_login(director)

    rows = download(client, "warnings")

    kinds = [(row[0], row[3]) for row in rows[1:]]
    assert ("Portfolio size", "") in kinds
    # One key account (N = 1): the account ranked first would enter the top 1.
    assert ("Would enter the top N", '\'=HYPERLINK("http://evil")') in kinds


@pytest.mark.parametrize("name", EXPORTS)
def test_every_download_answers(client, director, scored, name):
    client.force_login(director)

    rows = download(client, name)

    assert rows[0]  # a header row


@pytest.mark.parametrize("name", ["matrix", "whale-curve", "pareto-curve"])
def test_run_downloads_need_a_run(client, director, name):
    client.force_login(director)

    assert client.get(reverse("portfolio:export", args=[name])).status_code == 404


def test_unknown_download_is_not_found(client, director):
    client.force_login(director)

    assert client.get(reverse("portfolio:export", args=["secrets"])).status_code == 404
