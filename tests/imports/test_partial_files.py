"""A partial ERP file never wipes data unless asked ("blank clears"); the dry run lists the
rows to create and to update with the changed columns (before -> after); an update's history
line shows the real before value; a check that finds errors is listed as rejected, its errors
download as CSV; and every layout's example is written the way the importer reads it."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from accounts.models import Account, ImportJob, ImportStatus, ProductCategory, SalesLine
from accounts.selectors.history import account_history
from kam.imports.kinds import LAYOUTS
from kam.imports.report import ROWS_SHOWN
from tests import factories
from tests.imports.conftest import CUSTOMERS_HEADER, SALES_HEADER, csv_source, errors, run

PARTIAL = f"{CUSTOMERS_HEADER}\nC1,Alpha GmbH,,DE,,,,,,\n"


@pytest.fixture
def alpha(db):
    return factories.AccountFactory(
        erp_code="C1", name="Alpha", industry="Automotive", region="DACH", turnover=1000
    )


def test_a_blank_optional_cell_keeps_the_stored_value_by_default(alpha, director):
    report = run("customers", csv_source(PARTIAL), actor=director)

    assert (report.updated, report.error_count) == (1, 0)
    alpha.refresh_from_db()
    assert (alpha.name, alpha.industry, alpha.region, alpha.turnover) == (
        "Alpha GmbH",
        "Automotive",
        "DACH",
        1000,
    )


def test_blank_clears_is_an_explicit_choice_that_clears_the_blank_fields(alpha, director):
    report = run("customers", csv_source(PARTIAL), actor=director, blank_clears=True)

    assert (report.updated, report.error_count) == (1, 0)
    alpha.refresh_from_db()
    assert (alpha.industry, alpha.region, alpha.turnover) == ("", "", None)


def test_a_partial_file_equal_on_its_filled_cells_changes_nothing(alpha, director):
    text = f"{CUSTOMERS_HEADER}\nC1,Alpha,,,,,,,,\n"
    report = run("customers", csv_source(text), actor=director)

    assert (report.updated, report.unchanged) == (0, 1)


def test_the_dry_run_lists_rows_to_create_and_to_update_with_before_and_after(alpha):
    text = f"{CUSTOMERS_HEADER}\nC1,Alpha GmbH,Medical,,,,2000,,,\nC9,New Co,,,,,,,,\n"
    report = run("customers", csv_source(text), dry_run=True)

    assert report.updates == [
        {
            "row": 2,
            "key": "C1",
            "changes": [
                ["name", "Alpha", "Alpha GmbH"],
                ["industry", "Automotive", "Medical"],
                ["turnover", "1000.00", "2000"],
            ],
        }
    ]
    assert report.creates == [
        {"row": 3, "key": "C9", "values": [["erp_code", "C9"], ["name", "New Co"]]}
    ]
    assert Account.objects.get(pk=alpha.pk).name == "Alpha"


def test_the_listed_rows_stop_at_the_limit_while_the_counts_stay_complete(db):
    rows = "".join(f"C{n},Customer {n},,,,,,,,\n" for n in range(ROWS_SHOWN + 5))
    report = run("customers", csv_source(f"{CUSTOMERS_HEADER}\n{rows}"), dry_run=True)

    assert (report.created, len(report.creates)) == (ROWS_SHOWN + 5, ROWS_SHOWN)


def test_an_update_of_a_record_without_history_shows_its_real_before_value(director):
    # Created in bulk without a history row, as the demo and older imports do.
    (account,) = Account.objects.bulk_create(
        [Account(erp_code="C1", name="Alpha", industry="Automotive")]
    )
    text = f"{CUSTOMERS_HEADER}\nC1,Alpha,Medical,,,,,,,\n"
    run("customers", csv_source(text), actor=director)

    lines = [entry for entry in account_history(account=account, limit=10) if entry.changes]
    assert [(c.label, c.before, c.after) for c in lines[0].changes] == [
        ("Industry", "Automotive", "Medical")
    ]
    assert lines[0].who == director


def test_a_contact_update_lists_the_owner_by_username(director, kam, key_account):
    contact = factories.ContactFactory(
        account=key_account, name="Petra", email="p@example.com", relationship_owner=kam
    )
    factories.TeamMembershipFactory(account=key_account, user=director)
    header = (
        "account_code,name,email,title,function,buying_role,influence,attitude,"
        "relationship_owner,last_contact_on,phone"
    )
    text = (
        f"{header}\n{key_account.erp_code},Petra,p@example.com,{contact.title},"
        f"{contact.function},{contact.buying_role},{contact.influence},{contact.attitude},"
        f"{director.username},,\n"
    )
    report = run("contacts", csv_source(text), dry_run=True)

    assert ["relationship_owner", kam.username, director.username] in report.updates[0]["changes"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_the_copy_path_keeps_blank_cells_and_lists_the_changes(customers):
    SalesLine.objects.create(
        erp_document="INV-1",
        erp_line=1,
        account=customers[0],
        date="2026-01-05",
        product_category="Fasteners",
        quantity=10,
        revenue=100,
        cost_of_goods=60,
    )
    text = f"{SALES_HEADER}\nINV-1,1,C2,2026-01-05,,10,120.00,60.00\n"
    report = run("sales_lines", csv_source(text), dry_run=True, fast=True)
    assert report.updates[0]["changes"] == [
        ["account_code", "C1", "C2"],
        ["revenue", "100.00", "120.00"],
    ]
    run("sales_lines", csv_source(text), fast=True)
    line = SalesLine.objects.get()
    assert (line.product_category, line.revenue, line.account) == ("Fasteners", 120, customers[1])
    run("sales_lines", csv_source(text), fast=True, blank_clears=True)
    assert SalesLine.objects.get().product_category == ""


def test_a_check_with_errors_is_listed_as_rejected_and_its_errors_download_as_csv(client, director):
    client.force_login(director)
    text = f"{CUSTOMERS_HEADER}\nC1,,,Germany,,,,,,\n"
    response = client.post(
        reverse("imports:index"),
        {"kind": "customers", "file": SimpleUploadedFile("c.csv", text.encode(), "text/csv")},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ImportStatus.REJECTED
    assert "Rejected" in client.get(reverse("imports:index")).content.decode()

    download = client.get(reverse("imports:job_errors", args=[job.pk]))
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "value", "problem"]
    assert [row[:3] for row in rows[1:]] == [["2", "name", ""], ["2", "country", "Germany"]]


def test_the_upload_form_keeps_blanks_unless_clear_is_chosen(client, director, alpha):
    client.force_login(director)
    for choice, expected in ((None, False), ("keep", False), ("clear", True)):
        data = {"kind": "customers", "file": SimpleUploadedFile("c.csv", PARTIAL.encode())}
        if choice:
            data["blanks"] = choice
        client.post(reverse("imports:index"), data)
        assert ImportJob.objects.latest("pk").blank_clears is expected
    page = client.get(reverse("imports:job", args=[ImportJob.objects.latest("pk").pk]))
    assert "Alpha GmbH" in page.content.decode()  # the update is listed


@pytest.mark.parametrize("kind", sorted(LAYOUTS))
def test_each_layouts_example_is_accepted_by_the_importer(kind, director):
    factories.AccountFactory(erp_code="C000123")
    factories.ActivityTypeFactory(code="sales-visit")
    factories.UserFactory(username="jdoe")
    ProductCategory.objects.create(name="Bearings")
    layout = LAYOUTS[kind]
    text = ",".join(layout.names) + "\n" + ",".join(c.example_text for c in layout.columns)

    report = run(kind, csv_source(text), dry_run=True, actor=director)

    assert errors(report) == []
    assert report.created == 1 or report.updated == 1


def test_the_layouts_page_shows_the_examples_as_the_importer_reads_them(client, director):
    client.force_login(director)
    page = client.get(reverse("imports:layouts")).content.decode()
    assert "<code>2026-03-31</code>" in page
    assert "<code>48000000.00</code>" in page
    assert "<code>decision_maker</code>" in page
