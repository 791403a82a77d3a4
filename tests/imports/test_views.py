"""The import pages: who may use them, upload -> dry run preview -> Import, large files in the
background with a progress bar, size limits before reading, templates and layouts."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.imports import services
from accounts.models import ImportJob, ImportStatus, SalesLine
from kam.errors import PermissionDenied
from kam.imports.kinds import LAYOUTS
from tests import factories
from tests.imports.conftest import SALES_HEADER, snapshot, xlsx_bytes

GOOD = "INV-1,1,C1,2026-01-05,Fasteners,10,100.50,60.00\nINV-1,2,C2,2026-01-06,,1,5.00,1.00\n"


def upload(name: str = "sales.csv", text: str = GOOD, kind: str = "sales_lines") -> dict:
    content = text if text.startswith(SALES_HEADER) else f"{SALES_HEADER}\n{text}"
    return {"kind": kind, "file": SimpleUploadedFile(name, content.encode(), "text/csv")}


@pytest.fixture
def job(director, customers):
    return ImportJob.objects.create(
        kind="sales_lines",
        file_name="sales.csv",
        content=f"{SALES_HEADER}\n{GOOD}".encode(),
        status=ImportStatus.VALIDATED,
        report={"rows": 2, "error_count": 0, "errors": []},
        created_by=director,
    )


def pages(job_pk: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("imports:index")),
        ("post", reverse("imports:index")),
        ("get", reverse("imports:layouts")),
        ("get", reverse("imports:template", args=["sales_lines", "csv"])),
        ("get", reverse("imports:template", args=["contacts", "xlsx"])),
        ("get", reverse("imports:job", args=[job_pk])),
        ("get", reverse("imports:job_progress", args=[job_pk])),
        ("post", reverse("imports:job_commit", args=[job_pk])),
        ("get", reverse("imports:job_errors", args=[job_pk])),
    ]


@pytest.mark.parametrize("role", ["kam", "operations"])
def test_kams_and_operations_get_403_on_every_imports_page_and_change_nothing(
    client, request, job, role
):
    client.force_login(request.getfixturevalue(role))
    before = snapshot()
    for method, url in pages(job.pk):
        data = upload() if method == "post" else None
        assert getattr(client, method)(url, data).status_code == 403, url
    assert snapshot() == before
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED


def test_anonymous_visitors_are_sent_to_log_in(client, job):
    for method, url in pages(job.pk):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["director", "admin_user"])
def test_directors_and_admins_open_every_imports_page(client, request, job, role):
    client.force_login(request.getfixturevalue(role))
    for method, url in pages(job.pk):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_upload_shows_the_dry_run_then_import_writes_all_rows(client, director, customers):
    client.force_login(director)

    response = client.post(reverse("imports:index"), upload())

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:job", args=[job.pk])
    assert (job.status, job.created_by, SalesLine.objects.count()) == ("validated", director, 0)
    page = client.get(response.url).content.decode()
    assert '<td class="num" data-testid="count-created">2</td>' in page
    assert '<td class="num" data-testid="count-errors">0</td>' in page
    assert 'data-testid="import-button"' in page

    response = client.post(reverse("imports:job_commit", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.imported_by, bytes(job.content)) == ("imported", director, b"")
    assert job.report["committed"] and job.report["created"] == 2
    assert SalesLine.objects.count() == 2
    page = client.get(response.url).content.decode()
    assert "All 2 rows were imported." in page


def test_a_job_is_imported_only_once(client, director, job):
    client.force_login(director)
    client.post(reverse("imports:job_commit", args=[job.pk]))
    assert SalesLine.objects.count() == 2
    before = snapshot()

    response = client.post(reverse("imports:job_commit", args=[job.pk]), follow=True)

    assert "Only a checked file without errors can be imported." in response.content.decode()
    assert snapshot() == before


def test_the_preview_lists_every_error_and_offers_no_import(client, director, customers):
    client.force_login(director)
    text = "INV-1,1,C1,2026-01-05,Fasteners,10,100.50,60.00\nINV-1,2,C9,2026-01-32,,1,5.00,1.00\n"

    response = client.post(reverse("imports:index"), upload(text=text), follow=True)

    page = response.content.decode()
    assert '<td class="num" data-testid="count-errors">2</td>' in page
    assert "<td>account_code</td>" in page and "<code>C9</code>" in page
    assert "No such date: 2026-01-32." in page
    assert 'data-testid="import-button"' not in page
    job = ImportJob.objects.get()
    response = client.post(reverse("imports:job_commit", args=[job.pk]), follow=True)
    assert "Only a checked file without errors can be imported." in response.content.decode()
    assert not SalesLine.objects.exists()


def test_a_file_of_another_type_is_refused_by_the_form(client, director):
    client.force_login(director)
    response = client.post(reverse("imports:index"), upload(name="sales.pdf"))
    assert response.status_code == 400
    assert "Upload a CSV (.csv) or Excel (.xlsx) file." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_upload_declared_larger_than_the_limit_is_refused_unread(client, director, settings):
    settings.KAM_IMPORT_MAX_BYTES = 1000
    client.force_login(director)
    before = snapshot()
    big = "INV-1,1,C1,2026-01-05,Fasteners,10,100.50,60.00\n" * 2000  # about 96 KB

    response = client.post(reverse("imports:index"), upload(text=big))

    assert response.status_code == 413
    assert "larger than the 1000 bytes limit" in response.content.decode()
    assert snapshot() == before


def test_an_upload_over_the_limit_stops_being_read_at_the_limit(client, director, settings):
    settings.KAM_IMPORT_MAX_BYTES = 1000
    client.force_login(director)
    before = snapshot()
    text = "INV-1,1,C1,2026-01-05,Fasteners,10,100.50,60.00\n" * 40  # about 2 KB

    response = client.post(reverse("imports:index"), upload(text=text))

    assert response.status_code == 413
    assert "larger than the 1000 bytes limit" in response.content.decode()
    assert snapshot() == before


def test_the_upload_needs_the_csrf_token(director, customers):
    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    assert client.post(reverse("imports:index"), upload()).status_code == 403
    assert not ImportJob.objects.exists()


def test_a_large_file_runs_in_the_background_with_a_progress_bar(
    client, director, customers, settings, django_capture_on_commit_callbacks
):
    settings.KAM_IMPORT_INLINE_MAX_ROWS = 1
    client.force_login(director)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("imports:index"), upload())
    job = ImportJob.objects.get()
    assert (job.status, len(queued)) == (ImportStatus.VALIDATING, 1)
    page = client.get(response.url).content.decode()
    assert 'data-testid="import-progress"' in page
    assert f'hx-get="{reverse("imports:job_progress", args=[job.pk])}"' in page
    progress = client.get(reverse("imports:job_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'aria-valuenow="0"' in progress.content.decode()

    queued[0]()  # the worker runs the task (inline in tests)

    job.refresh_from_db()
    assert (job.status, job.progress_pct, job.report["created"]) == ("validated", 100, 2)
    done = client.get(reverse("imports:job_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert done.headers["HX-Refresh"] == "true"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job_commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED
    assert SalesLine.objects.count() == 2


def test_the_csv_template_is_a_header_and_an_example_that_imports(client, director):
    factories.AccountFactory(erp_code="C000123")
    client.force_login(director)
    response = client.get(reverse("imports:template", args=["sales_lines", "csv"]))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert content.splitlines() == [
        SALES_HEADER,
        "INV-2026-000123,1,C000123,2026-03-31,Fasteners,120.000,4380.00,2610.50",
    ]
    response = client.post(
        reverse("imports:index"),
        {"kind": "sales_lines", "file": SimpleUploadedFile("t.csv", content.encode())},
        follow=True,
    )
    assert '<td class="num" data-testid="count-created">1</td>' in response.content.decode()


def test_the_xlsx_template_has_the_layouts_header(client, director):
    client.force_login(director)
    response = client.get(reverse("imports:template", args=["contacts", "xlsx"]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    header, example = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(header) == LAYOUTS["contacts"].names
    assert example[LAYOUTS["contacts"].position("influence")] == 4


def test_the_layouts_page_documents_every_column(client, director):
    client.force_login(director)
    page = client.get(reverse("imports:layouts")).content.decode()
    for layout in LAYOUTS.values():
        assert f'id="{layout.kind}"' in page
        for column in layout.columns:
            assert f"<code>{column.name}</code>" in page


def test_the_imports_page_makes_as_many_queries_for_3_jobs_as_for_20(client, director):
    client.force_login(director)

    def queries(jobs: int) -> int:
        ImportJob.objects.bulk_create(
            [
                ImportJob(kind="customers", file_name=f"{n}.csv", created_by=director)
                for n in range(jobs)
            ]
        )
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("imports:index")).status_code == 200
        return len(captured.captured_queries)

    assert queries(3) == queries(17)


def test_an_xlsx_upload_is_checked_and_imported_like_a_csv(client, director, customers):
    client.force_login(director)
    content = xlsx_bytes(
        [
            SALES_HEADER.split(","),
            ["INV-1", 1, "C1", dt.date(2026, 1, 5), "Fasteners", 10, 100.5, 60],
        ]
    )
    file = SimpleUploadedFile("sales.xlsx", content)

    response = client.post(reverse("imports:index"), {"kind": "sales_lines", "file": file})
    client.post(reverse("imports:job_commit", args=[ImportJob.objects.get().pk]))

    assert response.status_code == 302
    line = SalesLine.objects.get()
    assert (line.date, line.revenue) == (dt.date(2026, 1, 5), Decimal("100.50"))


def test_the_services_refuse_a_kam_whatever_the_view_does(kam, customers):
    upload_ = SimpleUploadedFile("sales.csv", f"{SALES_HEADER}\n{GOOD}".encode())
    with pytest.raises(PermissionDenied):
        services.import_job_create(kind="sales_lines", upload=upload_, actor=kam)
    assert not ImportJob.objects.exists()
