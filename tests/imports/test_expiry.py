"""Old uploads: after KAM_IMPORT_KEEP_DAYS days a file only checked expires and loses its bytes,
a rejected or failed one keeps its report but not its bytes, and an expired job can be neither
checked nor imported: the page says so and offers a new upload instead of the Import button."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.imports import services
from accounts.models import ImportJob, ImportStatus
from kam.errors import DomainError
from tests.imports.conftest import SALES_HEADER, snapshot

GOOD = f"{SALES_HEADER}\nINV-1,1,C1,2026-01-05,Fasteners,10,100.50,60.00\n"
NOW = dt.datetime(2026, 11, 28, 4, 15, tzinfo=dt.UTC)
EXPIRED_MESSAGE = "This upload has expired: uploads are kept 7 days. Upload the file again."


def make_job(
    status: str, *, age: dt.timedelta, now: dt.datetime = NOW, user=None, **fields
) -> ImportJob:
    """A job last updated `age` before `now` (updated_at is auto_now: set it with an UPDATE)."""
    fields.setdefault("content", GOOD.encode())
    fields.setdefault("report", {"rows": 1, "error_count": 0, "errors": []})
    job = ImportJob.objects.create(
        kind="sales_lines", file_name=f"{status}.csv", status=status, created_by=user, **fields
    )
    ImportJob.objects.filter(pk=job.pk).update(updated_at=now - age)
    job.refresh_from_db()
    return job


OLD = dt.timedelta(days=8)

# (status before, status after, content kept?) for a job 8 days old, the default keep being 7.
FATES = [
    (ImportStatus.UPLOADED, ImportStatus.EXPIRED, False),
    (ImportStatus.VALIDATED, ImportStatus.EXPIRED, False),
    (ImportStatus.REJECTED, ImportStatus.REJECTED, False),
    (ImportStatus.FAILED, ImportStatus.FAILED, False),
    (ImportStatus.VALIDATING, ImportStatus.VALIDATING, True),
    (ImportStatus.IMPORTING, ImportStatus.IMPORTING, True),
]


@pytest.mark.parametrize(("before", "after", "content_kept"), FATES)
def test_an_old_job_meets_the_fate_of_its_status(db, before, after, content_kept):
    report = {"rows": 1, "error_count": 1, "errors": [{"row": 2, "message": "bad"}]}
    job = make_job(before, age=OLD, report=report)

    services.import_jobs_expire(now=NOW)

    job.refresh_from_db()
    assert job.status == after
    assert bytes(job.content) == (GOOD.encode() if content_kept else b"")
    assert job.report == report  # a report is never dropped


def test_an_imported_job_is_left_as_it_is(db):
    job = make_job(ImportStatus.IMPORTED, age=dt.timedelta(days=30), content=b"")

    assert services.import_jobs_expire(now=NOW) == 0

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED


@pytest.mark.parametrize("status", [ImportStatus.UPLOADED, ImportStatus.VALIDATED, "rejected"])
def test_a_job_updated_within_the_keep_days_is_untouched(db, status):
    # Exactly 7 days is not "more than 7 days": the job stays, bytes and all.
    recent = make_job(status, age=dt.timedelta(days=7))
    younger = make_job(status, age=dt.timedelta(days=1))

    assert services.import_jobs_expire(now=NOW) == 0

    for job in (recent, younger):
        job.refresh_from_db()
        assert job.status == status
        assert bytes(job.content) == GOOD.encode()


def test_the_count_is_the_jobs_cleared_and_a_second_run_clears_nothing(db):
    for status, *_ in FATES:
        make_job(status, age=OLD)
    make_job(ImportStatus.IMPORTED, age=OLD, content=b"")
    make_job(ImportStatus.REJECTED, age=OLD, content=b"")  # already without content
    make_job(ImportStatus.UPLOADED, age=dt.timedelta(days=2))

    # uploaded + validated expire (2), rejected + failed with content lose it (2): 4.
    assert services.import_jobs_expire(now=NOW) == 4
    assert services.import_jobs_expire(now=NOW) == 0
    assert ImportJob.objects.filter(status=ImportStatus.EXPIRED).count() == 2


def test_the_keep_days_come_from_the_setting(db, settings):
    settings.KAM_IMPORT_KEEP_DAYS = 2
    three_days = make_job(ImportStatus.VALIDATED, age=dt.timedelta(days=3))
    one_day = make_job(ImportStatus.VALIDATED, age=dt.timedelta(days=1))

    assert services.import_jobs_expire(now=NOW) == 1

    three_days.refresh_from_db()
    one_day.refresh_from_db()
    assert (three_days.status, one_day.status) == (ImportStatus.EXPIRED, ImportStatus.VALIDATED)


def test_expiring_is_two_updates_whatever_the_number_of_jobs(db, django_assert_num_queries):
    for _ in range(3):
        for status, *_ in FATES:
            make_job(status, age=OLD)

    with django_assert_num_queries(2):
        # 3 x (uploaded, validated, rejected, failed) = 12 jobs cleared.
        assert services.import_jobs_expire(now=NOW) == 12


def test_without_a_date_the_cut_off_is_keep_days_before_now(db):
    old = make_job(ImportStatus.UPLOADED, age=OLD, now=timezone.now())
    fresh = make_job(ImportStatus.UPLOADED, age=dt.timedelta(0), now=timezone.now())

    assert services.import_jobs_expire() == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (ImportStatus.EXPIRED, ImportStatus.UPLOADED)


# Refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("commit", [False, True], ids=["dry run", "import"])
def test_an_expired_job_can_be_neither_checked_nor_imported(director, customers, commit):
    job = make_job(ImportStatus.VALIDATED, age=OLD, user=director)
    services.import_jobs_expire(now=NOW)
    before = snapshot()

    with pytest.raises(DomainError) as refusal:
        services.import_job_start(job=job, commit=commit, actor=director)

    assert str(refusal.value) == EXPIRED_MESSAGE
    assert snapshot() == before
    job.refresh_from_db()
    assert job.status == ImportStatus.EXPIRED


def test_the_refusal_names_the_configured_keep_days(director, settings):
    settings.KAM_IMPORT_KEEP_DAYS = 1
    job = make_job(ImportStatus.EXPIRED, age=OLD, user=director, content=b"")

    with pytest.raises(DomainError, match=r"^This upload has expired: uploads are kept 1 day\. "):
        services.import_job_start(job=job, commit=True, actor=director)


# The pages ------------------------------------------------------------------------------------


def test_the_page_of_an_expired_job_offers_a_new_upload_not_the_import(client, director):
    job = make_job(ImportStatus.VALIDATED, age=OLD, user=director)
    services.import_jobs_expire(now=NOW)
    client.force_login(director)

    response = client.get(reverse("imports:job", args=[job.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<strong data-testid="job-status">Expired</strong>' in page
    assert EXPIRED_MESSAGE in page
    assert f'href="{reverse("imports:index")}"' in page
    assert 'data-testid="import-button"' not in page
    assert 'data-testid="import-counts"' in page  # the dry run's report is kept


def test_import_of_an_expired_upload_shows_the_message_and_writes_nothing(
    client, director, customers
):
    client.force_login(director)
    file = SimpleUploadedFile("sales.csv", GOOD.encode(), "text/csv")
    client.post(reverse("imports:index"), {"kind": "sales_lines", "file": file})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.VALIDATED
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - OLD)
    assert services.import_jobs_expire() == 1
    before = snapshot()

    response = client.post(reverse("imports:job_commit", args=[job.pk]), follow=True)

    assert response.status_code == 200
    assert f'<div class="alert alert-danger">{EXPIRED_MESSAGE}</div>' in response.content.decode()
    assert snapshot() == before
    job.refresh_from_db()
    assert (job.status, bytes(job.content)) == (ImportStatus.EXPIRED, b"")


def test_the_list_of_recent_files_shows_an_expired_upload_as_expired(client, director):
    make_job(ImportStatus.EXPIRED, age=OLD, user=director, content=b"")
    client.force_login(director)

    response = client.get(reverse("imports:index"))

    assert "<td>Expired</td>" in response.content.decode()
