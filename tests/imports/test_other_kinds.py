"""Customers, cost rates, contacts, metric entries and ratings: natural keys, the rules of each
kind, and history attributed to the importer."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Account, AccountStatus, Contact
from scoring.models import CostRate, MetricEntry, Rating
from tests import factories
from tests.imports.conftest import CUSTOMERS_HEADER, csv_source, errors, run, snapshot


def counts(report) -> tuple[int, int, int, int, int]:
    return report.rows, report.created, report.updated, report.unchanged, report.error_count


# Customers ---------------------------------------------------------------------------------

CUSTOMERS = (
    f"{CUSTOMERS_HEADER}\n"
    "C1,Alpha GmbH,Automotive,de,DACH,international,48000000.00,3.5,2500000,\n"
    "C2,Beta AG,,,,,,,,\n"
)


def test_customers_are_created_with_history_attributed_to_the_importer(director):
    report = run("customers", csv_source(CUSTOMERS, "customers.csv"), actor=director)

    assert counts(report) == (2, 2, 0, 0, 0)
    alpha = Account.objects.get(erp_code="C1")
    assert (alpha.name, alpha.country, alpha.geographic_scope) == (
        "Alpha GmbH",
        "DE",
        "international",
    )
    assert (alpha.turnover, alpha.market_growth_pct) == (Decimal("48000000"), Decimal("3.5"))
    beta = Account.objects.get(erp_code="C2")
    assert (beta.geographic_scope, beta.turnover, beta.status) == ("national", None, "standard")
    record = alpha.history.get()
    assert (record.history_user, record.history_change_reason) == (
        director,
        "Imported from customers.csv",
    )


def test_a_customer_update_keeps_status_kam_and_stage(director, kam):
    account = factories.KeyAccountFactory(erp_code="C1", name="Alpha", kam=kam, industry="Old")
    history = account.history.count()

    text = f"{CUSTOMERS_HEADER}\nC1,Alpha GmbH,,DE,,,,,,\n"
    report = run("customers", csv_source(text), actor=director)

    assert counts(report) == (1, 0, 1, 0, 0)
    account.refresh_from_db()
    # A blank optional cell keeps the stored value (the default; see test_partial_files.py).
    assert (account.name, account.industry, account.status, account.kam) == (
        "Alpha GmbH",
        "Old",
        AccountStatus.KEY,
        kam,
    )
    assert account.history.count() == history + 1
    assert counts(run("customers", csv_source(text), actor=director)) == (1, 0, 0, 1, 0)


def test_a_customer_with_a_bad_country_or_scope_is_refused(db):
    text = f"{CUSTOMERS_HEADER}\nC1,Alpha,,Germany,,worldwide,,,,\n"
    assert errors(run("customers", csv_source(text))) == [
        (2, "country", "Germany", "Not a country code: write the two-letter ISO code, e.g. DE."),
        (
            2,
            "geographic_scope",
            "worldwide",
            "Unknown value: expected one of local, national, international.",
        ),
    ]
    assert not Account.objects.exists()


# Cost rates --------------------------------------------------------------------------------

RATES_HEADER = "activity_type,period_start,period_end,cost_pool,driver_volume"


def test_cost_rates_compute_the_rate_to_four_places(visit_type, director):
    text = f"{RATES_HEADER}\nsales-visit,2026-01-01,2026-12-31,200.00,3\n"

    report = run("cost_rates", csv_source(text), actor=director)

    assert counts(report) == (1, 1, 0, 0, 0)
    rate = CostRate.objects.get()
    assert rate.rate == Decimal("66.6667")  # 200 / 3 = 66.66666..., half up at 4 places
    corrected = text.replace("200.00,3", "100.00,8")
    assert counts(run("cost_rates", csv_source(corrected), actor=director)) == (1, 0, 1, 0, 0)
    rate.refresh_from_db()
    assert rate.rate == Decimal("12.5000")  # 100 / 8
    assert rate.history.count() == 2


def test_a_cost_rate_period_ending_before_it_starts_or_without_volume_is_refused(visit_type):
    text = (
        f"{RATES_HEADER}\n"
        "sales-visit,2026-07-01,2026-06-30,100,10\n"
        "sales-visit,2027-01-01,2027-12-31,100,0\n"
    )
    before = snapshot()
    assert errors(run("cost_rates", csv_source(text))) == [
        (2, "period_end", "2026-06-30", "Must not be before period_start (2026-07-01)."),
        (3, "driver_volume", "0", "Must be greater than 0."),
    ]
    assert snapshot() == before


def test_a_cost_rate_period_outside_the_plausible_range_is_refused(visit_type):
    text = f"{RATES_HEADER}\nsales-visit,0001-01-01,9999-12-31,100,10\n"
    before = snapshot()
    assert errors(run("cost_rates", csv_source(text))) == [
        (
            2,
            "period_start",
            "0001-01-01",
            "0001-01-01 is out of range: write a date from 1950-01-01 to 2199-12-31.",
        ),
        (
            2,
            "period_end",
            "9999-12-31",
            "9999-12-31 is out of range: write a date from 1950-01-01 to 2199-12-31.",
        ),
    ]
    assert snapshot() == before


# Contacts ----------------------------------------------------------------------------------

CONTACTS_HEADER = (
    "account_code,name,email,title,function,buying_role,influence,attitude,"
    "relationship_owner,last_contact_on,phone"
)


def contacts(*lines: str):
    return csv_source("\n".join([CONTACTS_HEADER, *lines]) + "\n", "contacts.csv")


def test_contacts_are_created_and_matched_again_by_email_or_name(customers, kam):
    file = contacts(
        "C1,Anna Weber,anna@example.com,Head of Purchasing,Purchasing,decision_maker,5,"
        "supporter,kam,2026-02-20,089 1",
        "C1,Max Muster,,,,Influencer,3,,,,",
    )
    first = run("contacts", file)
    assert counts(first) == (2, 2, 0, 0, 0)
    anna = Contact.objects.get(name="Anna Weber")
    assert (anna.influence, anna.attitude, anna.relationship_owner, anna.buying_role) == (
        5,
        "supporter",
        kam,
        "decision_maker",
    )
    assert Contact.objects.get(name="Max Muster").attitude == "neutral"
    assert counts(run("contacts", file)) == (2, 0, 0, 2, 0)

    renamed = contacts(
        "C1,Dr. Anna Weber,ANNA@example.com,Head of Purchasing,Purchasing,decision_maker,5,"
        "supporter,kam,2026-02-20,089 1",
        "C1,max muster,max@example.com,,,influencer,4,,,,",
    )
    report = run("contacts", renamed)

    assert counts(report) == (2, 0, 2, 0, 0)
    assert Contact.objects.count() == 2
    anna.refresh_from_db()
    assert (anna.name, anna.version) == ("Dr. Anna Weber", 2)
    max_ = Contact.objects.get(email="max@example.com")
    assert (max_.name, max_.influence) == ("max muster", 4)


def test_the_report_says_which_stored_contact_a_row_matched_when_not_plain(customers):
    no_email = factories.ContactFactory(account=customers[0], name="Max Muster", email="")
    by_email = factories.ContactFactory(
        account=customers[0], name="Eva Berg", email="eva@example.com"
    )

    report = run(
        "contacts",
        contacts(
            "C1,Max Muster,max@example.com,,,user,2,,,,",
            "C1,Eva Berg-Lind,EVA@example.com,,,user,2,,,,",
            "C1,Ida Neu,ida@example.com,,,user,2,,,,",
        ),
    )

    assert counts(report) == (3, 1, 2, 0, 0)
    assert report.notes == [
        f"Row 2 updates Max Muster (contact {no_email.pk}), matched by name: the stored "
        "contact has no e-mail.",
        f"Row 3 updates Eva Berg (contact {by_email.pk}), matched by e-mail: the name becomes "
        "Eva Berg-Lind.",
    ]


def test_contacts_that_cannot_be_told_apart_are_refused(customers):
    factories.ContactFactory(account=customers[0], name="Max Muster", email="")
    factories.ContactFactory(account=customers[0], name="Max Muster", email="")
    factories.ContactFactory(account=customers[1], name="Eva Berg", email="eva@example.com")
    before = snapshot()
    report = run(
        "contacts",
        contacts(
            "C1,Max Muster,,,,user,2,,,,",
            "C2,Eva Berg,eva@example.com,,,user,2,,,,",
            "C2,eva berg,,,,user,2,,,,",
            "C2,Eva Berg,,,,user,2,,nobody,,",
        ),
    )
    assert errors(report) == [
        (
            2,
            "name",
            "Max Muster",
            "2 contacts of this account are named 'Max Muster': give the e-mail to say which one.",
        ),
        (4, "name", "eva berg", "Matches the same stored contact as row 3."),
        (
            5,
            "account_code, email",
            "C2 / eva berg",
            "Duplicate contact: row 4 has the same account and e-mail (or name, when there is "
            "no e-mail).",
        ),
        (5, "relationship_owner", "nobody", "Unknown user: no user has this username."),
    ]
    assert snapshot() == before


# Metric entries ----------------------------------------------------------------------------

METRICS_HEADER = "account_code,period,metric,value"


def test_metric_entries_count_for_the_quarter_of_their_date(customers, director):
    text = (
        f"{METRICS_HEADER}\n"
        "C1,2026-05-14,satisfaction,82.5\n"
        "C1,2026-Q3,retention,100\n"
        "C2,2026-01-01,shared_investment,250000.00\n"
    )
    report = run("metrics", csv_source(text), actor=director)

    assert counts(report) == (3, 3, 0, 0, 0)
    stored = set(MetricEntry.objects.values_list("account__erp_code", "period_start", "metric"))
    assert stored == {
        ("C1", dt.date(2026, 4, 1), "satisfaction"),
        ("C1", dt.date(2026, 7, 1), "retention"),
        ("C2", dt.date(2026, 1, 1), "shared_investment"),
    }
    corrected = text.replace("82.5", "85")
    assert counts(run("metrics", csv_source(corrected), actor=director)) == (3, 0, 1, 2, 0)
    entry = MetricEntry.objects.get(metric="satisfaction")
    assert (entry.value, entry.entered_by) == (Decimal("85"), director)


def test_metric_values_outside_their_range_and_repeated_quarters_are_refused(customers):
    text = (
        f"{METRICS_HEADER}\n"
        "C1,2026-04-01,satisfaction,101\n"
        "C1,2026-Q2,satisfaction,80\n"
        "C1,2026-Q5,advocacy,10\n"
        "C1,2026-Q1,happiness,10\n"
    )
    assert errors(run("metrics", csv_source(text))) == [
        (2, "value", "101", "Must be between 0 and 100 for satisfaction."),
        (
            3,
            "account_code, period, metric",
            "C1 / 2026-04-01 / satisfaction",
            "Duplicate key: row 2 has the same account_code, period (its quarter) and metric.",
        ),
        (
            4,
            "period",
            "2026-Q5",
            "Not a quarter: write 2026-Q2, or a date in the quarter (2026-04-01).",
        ),
        (
            5,
            "metric",
            "happiness",
            "Unknown value: expected one of satisfaction, relationship_quality, retention, "
            "advocacy, shared_investment.",
        ),
    ]
    assert not MetricEntry.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0001-Q2", "0001-Q2 is out of range: write a quarter from 1950-Q1 to 2199-Q4."),
        ("0000-Q1", "0000-Q1 is out of range: write a quarter from 1950-Q1 to 2199-Q4."),
        ("2200Q1", "2200Q1 is out of range: write a quarter from 1950-Q1 to 2199-Q4."),
        (
            "1949-12-31",
            "1949-12-31 is out of range: write a date from 1950-01-01 to 2199-12-31.",
        ),
        ("0000-01-01", "Not a quarter: write 2026-Q2, or a date in the quarter (2026-04-01)."),
    ],
)
def test_metric_periods_outside_the_plausible_range_are_row_errors(customers, value, message):
    text = f"{METRICS_HEADER}\nC1,2026-Q1,retention,90\nC1,{value},satisfaction,80\n"
    assert errors(run("metrics", csv_source(text))) == [(3, "period", value, message)]
    assert not MetricEntry.objects.exists()


def test_metric_periods_at_the_edges_of_the_range_are_accepted(customers, director):
    text = f"{METRICS_HEADER}\nC1,1950-Q1,retention,90\nC1,2199-12-31,satisfaction,80\n"
    report = run("metrics", csv_source(text), actor=director)
    assert report.error_count == 0
    assert set(MetricEntry.objects.values_list("period_start", flat=True)) == {
        dt.date(1950, 1, 1),
        # the quarter of 31 December starts on 1 October
        dt.date(2199, 10, 1),
    }


# Ratings -----------------------------------------------------------------------------------

RATINGS_HEADER = "account_code,criterion,value,comment"


def test_ratings_are_appended_only_when_they_change(customers, director):
    text = f"{RATINGS_HEADER}\nC1,strategic_value,4,Reference customer\nC2,geographic_fit,2,\n"
    assert counts(run("ratings", csv_source(text), actor=director)) == (2, 2, 0, 0, 0)
    assert counts(run("ratings", csv_source(text), actor=director)) == (2, 0, 0, 2, 0)

    report = run("ratings", csv_source(text.replace(",4,", ",5,")), actor=director)

    assert counts(report) == (2, 1, 0, 1, 0)
    values = Rating.objects.filter(account__erp_code="C1").order_by("rated_at", "pk")
    assert [rating.value for rating in values] == [4, 5]
    assert {rating.rated_by for rating in Rating.objects.all()} == {director}


@pytest.mark.parametrize("criterion", ["revenue", "charm"])
def test_a_rating_of_a_computed_or_unknown_criterion_is_refused(customers, criterion):
    text = f"{RATINGS_HEADER}\nC1,{criterion},4,\n"
    assert errors(run("ratings", csv_source(text))) == [
        (
            2,
            "criterion",
            criterion,
            "Unknown criterion: give the key of a rated criterion, e.g. strategic_value.",
        )
    ]
    assert not Rating.objects.exists()
