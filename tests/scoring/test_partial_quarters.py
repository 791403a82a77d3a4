"""A quarter with only part of its months of data (the data starts in its second or third
month, as the demo's first quarter) is marked partial on every trend chart and table: the
account page's, the dashboard's, and the effectiveness download."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from scoring import services
from scoring.models import RunTrigger
from scoring.quarters import quarter
from tests import factories

AS_OF = dt.date(2026, 7, 15)
PARTIAL = "2025 Q4 (partial: 1 of 3 months)"


@pytest.mark.parametrize(
    ("first_day", "months", "shown"),
    [
        (dt.date(2025, 12, 5), 1, PARTIAL),
        (dt.date(2025, 11, 30), 2, "2025 Q4 (partial: 2 of 3 months)"),
        (dt.date(2025, 10, 1), 3, "2025 Q4"),  # data from its first month: a full quarter
        (dt.date(2025, 3, 1), 3, "2025 Q4"),  # data from before it
        (dt.date(2026, 2, 1), 0, "2025 Q4"),  # no data yet: nothing to draw, nothing partial
        (None, 3, "2025 Q4"),  # a run that did not record where the data starts
    ],
)
def test_a_quarter_counts_its_months_with_data(first_day, months, shown):
    q = quarter(dt.date(2025, 10, 1), first_day)
    assert (q.months, q.shown, q.partial) == (months, shown, 0 < months < 3)


@pytest.fixture
def run_from_december(kam):
    """A key account whose data starts on 5 December 2025, and a run that computed it."""
    account = factories.KeyAccountFactory(name="Alpha", kam=kam, category_spend=Decimal(10**6))
    for day in (dt.date(2025, 12, 5), dt.date(2026, 1, 20), dt.date(2026, 4, 2)):
        factories.SalesLineFactory(
            account=account, date=day, revenue=Decimal(1000), cost_of_goods=Decimal(600)
        )
    run = services.run_recompute(run=services.run_request(trigger=RunTrigger.COMMAND, as_of=AS_OF))
    return account, run


def test_the_run_records_the_first_day_of_data(run_from_december):
    _, run = run_from_december
    assert run.counts["data_from"] == "2025-12-05"


def test_the_account_page_marks_the_partial_quarter(client, kam, run_from_december):
    account, _ = run_from_december
    client.force_login(kam)
    response = client.get(reverse("accounts:detail", args=[account.pk]))

    charts = response.context["chart_data"]
    assert charts["labels"] == [PARTIAL, "2026 Q1", "2026 Q2"]
    assert charts["partial"] == [True, False, False]
    html = response.content.decode()
    row_header = '<th scope="row" class="fw-normal wrap-narrow" data-testid="partial-quarter">'
    assert f"{row_header}{PARTIAL}</th>" in html
    assert "2025 Q4 has only 1 of 3 months of data" in html


def test_the_dashboard_marks_the_partial_quarter(client, director, run_from_december):
    client.force_login(director)
    response = client.get(reverse("portfolio:dashboard"))

    trends = response.context["charts"]["trends"]
    index = trends["labels"].index(PARTIAL)
    assert trends["partial"][index] is True
    assert sum(trends["partial"]) == 1
    html = response.content.decode()
    assert f'data-testid="partial-quarter">{PARTIAL}</th>' in html
    assert "2025 Q4 has only 1 of 3 months of data" in html


def test_the_effectiveness_download_says_each_quarters_months_of_data(
    client, director, run_from_december
):
    client.force_login(director)
    response = client.get(reverse("portfolio:export", args=["effectiveness"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert rows[0][:2] == ["quarter", "months_of_data"]
    months = {row[0]: row[1] for row in rows[1:]}
    assert (months["2025 Q4"], months["2026 Q1"]) == ("1", "3")
