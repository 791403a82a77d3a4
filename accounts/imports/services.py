"""Imports: one file of one kind, checked in full, then all rows written or none.

`import_file` is the one entry point (the command, the browser's jobs and the benchmark call
it). `import_job_*` keep an upload between its dry run and its import, and decide whether it
runs inline or as a Celery task with a progress bar; `import_jobs_expire` drops old uploads.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from accounts.models import ImportJob, ImportKind, ImportStatus, User
from kam.errors import DomainError, PermissionDenied
from kam.imports.engine import RowReader, WriteContext, run_rows
from kam.imports.kinds import KINDS
from kam.imports.pg_copy import run_copy
from kam.imports.reading import FileRejected, Source, estimate_rows, open_table, size_problem
from kam.imports.report import ImportReport

logger = logging.getLogger(__name__)

REFUSED_BY_DATABASE = (
    "The database refused the rows (another change to the same records, made while this file "
    "was imported): nothing was written. Import the file again."
)


class _Discard(Exception):
    """Leave the transaction without keeping anything (dry run, or errors found)."""


def uses_copy(kind: str) -> bool:
    """Sales lines and activities take the COPY fast path on PostgreSQL."""
    return KINDS[kind].copy is not None and connection.vendor == "postgresql"


def import_file(
    *,
    kind: str,
    source: Source,
    dry_run: bool,
    actor: User | None = None,
    progress: Callable[[float], None] | None = None,
    fast: bool | None = None,
    blank_clears: bool = False,
) -> ImportReport:
    """Check every row of `source` against the `kind`'s layout and what is stored, then (unless
    `dry_run`) write all rows in one transaction, or none if any row has an error.

    Rows are matched on their natural key: a row equal to what is stored is skipped, so the same
    file imported twice changes nothing; a corrected file updates. `fast` forces the COPY path
    on or off (default: on for the kinds that have it, on PostgreSQL).

    A blank optional cell of a row that updates a stored record keeps the stored value (a
    partial ERP file never wipes data); `blank_clears` makes blank cells clear those fields.
    """
    if kind not in KINDS:
        raise DomainError(f"Unknown import kind {kind!r}.")
    handler = KINDS[kind]
    report = ImportReport(kind=kind, file_name=source.name, dry_run=dry_run)
    context = WriteContext(
        actor=actor, file_name=source.name, now=timezone.now(), blank_clears=blank_clears
    )
    use_copy = uses_copy(kind) if fast is None else fast
    try:
        with transaction.atomic():
            with open_table(source) as table:
                reader = RowReader(table, handler.layout, report, progress)
                run = run_copy if use_copy else run_rows
                run(handler, reader, report, write=not dry_run, context=context)
                report.rows = reader.data_rows
                report.notes.extend(table.notes)
            if dry_run or not report.ok:
                raise _Discard
            report.committed = True
    except _Discard:
        pass
    except FileRejected as rejected:
        report.reject_file(rejected.message, row=rejected.row, column=rejected.column)
    except IntegrityError:
        logger.exception("Import of %s (%s) refused by the database", source.name, kind)
        report.reject_file(REFUSED_BY_DATABASE)
    return report.finish()


# Jobs: the browser's uploads -------------------------------------------------------------


def _require(actor: User) -> None:
    if not actor.has_perm("accounts.import_data"):
        raise PermissionDenied("Only directors and administrators import data.")


def progress_key(job_id: int) -> str:
    return f"kam:import-progress:{job_id}"


def import_job_create(
    *, kind: str, upload: UploadedFile, actor: User, blank_clears: bool = False
) -> ImportJob:
    """Keep an upload for its dry run and import, with how blank cells are read (kept for
    both). Files over the size limit are refused before they are read; the upload is stored in
    the job row so any worker can read it."""
    _require(actor)
    if kind not in ImportKind.values:
        raise DomainError(f"Unknown import kind {kind!r}.")
    if problem := size_problem(upload.size):
        raise DomainError(problem)
    content = upload.read()
    job = ImportJob.objects.create(
        kind=kind,
        file_name=upload.name[:255],
        file_size=len(content),
        content=content,
        estimated_rows=estimate_rows(
            Source.from_bytes(upload.name, content), enough=settings.KAM_IMPORT_INLINE_MAX_ROWS
        ),
        created_by=actor,
        blank_clears=blank_clears,
    )
    return job


def runs_in_background(job: ImportJob) -> bool:
    return job.estimated_rows > settings.KAM_IMPORT_INLINE_MAX_ROWS


def import_job_start(*, job: ImportJob, commit: bool, actor: User) -> ImportJob:
    """Start the dry run (`commit=False`) or, after a dry run without errors, the import.

    Small files run now; files over KAM_IMPORT_INLINE_MAX_ROWS rows are queued as a Celery task
    once the job's new status is committed. A job is checked once and imported at most once, and
    never once it has expired (its file is gone)."""
    _require(actor)
    background = runs_in_background(job)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status == ImportStatus.EXPIRED:
            raise DomainError(expired_message())
        if commit:
            if job.status != ImportStatus.VALIDATED or job.report.get("error_count", 1):
                raise DomainError("Only a checked file without errors can be imported.")
            job.status = ImportStatus.IMPORTING
            job.imported_by = actor
        else:
            if job.status != ImportStatus.UPLOADED:
                raise DomainError("This file has already been checked.")
            job.status = ImportStatus.VALIDATING
        job.progress_pct = 0
        job.save(update_fields=["status", "imported_by", "progress_pct", "updated_at"])
        if background:
            from accounts.imports.tasks import run_import_job

            transaction.on_commit(lambda: run_import_job.delay(job.pk, commit))
    if background:
        return job
    return import_job_run(job_id=job.pk, commit=commit)


def import_job_run(*, job_id: int, commit: bool) -> ImportJob:
    """Run a started job's dry run or import and keep its report; the import and the job's new
    status are saved in one transaction. An unexpected failure marks the job failed (and is
    logged) rather than leaving it running for ever."""
    job = ImportJob.objects.get(pk=job_id)
    expected = ImportStatus.IMPORTING if commit else ImportStatus.VALIDATING
    if job.status != expected:
        logger.info("Import job %s is %s, not %s: nothing to do", job.pk, job.status, expected)
        return job
    key = progress_key(job.pk)

    def progress(fraction: float) -> None:
        cache.set(key, min(99, int(fraction * 100)), 3600)

    source = Source.from_bytes(job.file_name, bytes(job.content))
    actor = job.imported_by if commit else job.created_by
    try:
        with transaction.atomic():
            report = import_file(
                kind=job.kind,
                source=source,
                dry_run=not commit,
                actor=actor,
                progress=progress,
                blank_clears=job.blank_clears,
            )
            job.report = report.to_dict()
            job.progress_pct = 100
            changed = ["report", "progress_pct", "status", "updated_at"]
            if not commit:
                # A check that found errors rejects the file: it can only be uploaded again.
                job.status = ImportStatus.VALIDATED if report.ok else ImportStatus.REJECTED
            elif report.committed:
                job.status = ImportStatus.IMPORTED
                job.imported_at = timezone.now()
                job.content = b""  # the rows are in; the upload is not needed any more
                changed += ["imported_at", "content"]
            else:
                job.status = ImportStatus.REJECTED
            job.save(update_fields=changed)
    except (OperationalError, InterfaceError):
        raise  # the database went away: the task retries the whole run
    except Exception as error:
        logger.exception("Import job %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, error=f"{type(error).__name__}: {error}"
        )
        job.refresh_from_db()
    finally:
        cache.delete(key)
    return job


def expired_message() -> str:
    """What the service and the job page tell someone who opens an expired upload."""
    days = settings.KAM_IMPORT_KEEP_DAYS
    return (
        f"This upload has expired: uploads are kept {days} day{pluralize(days)}. "
        "Upload the file again."
    )


def import_jobs_expire(*, now: dt.datetime | None = None) -> int:
    """Drop the uploads of jobs untouched for more than KAM_IMPORT_KEEP_DAYS days; returns how
    many jobs were cleared.

    A file only checked (uploaded or checked) expires: its content goes and it can no longer be
    imported. A rejected or failed job keeps its status and report and loses only its content.
    Imported jobs hold no content; a job being checked or imported is left alone. The status is
    part of each UPDATE's condition, so a job started meanwhile is skipped, and a second run
    (or a retry after the first UPDATE) finds nothing more to do."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.KAM_IMPORT_KEEP_DAYS)
    old = ImportJob.objects.filter(updated_at__lt=cutoff)
    expired = old.filter(status__in=[ImportStatus.UPLOADED, ImportStatus.VALIDATED]).update(
        status=ImportStatus.EXPIRED, content=b""
    )
    cleared = (
        old.filter(status__in=[ImportStatus.REJECTED, ImportStatus.FAILED])
        .exclude(content=b"")
        .update(content=b"")
    )
    return expired + cleared


def import_job_progress(job: ImportJob) -> int:
    """How far a running job is, in %: the worker's last word (kept in the cache)."""
    if job.status in {ImportStatus.VALIDATING, ImportStatus.IMPORTING}:
        return int(cache.get(progress_key(job.pk), job.progress_pct))
    return job.progress_pct


def report_of(job: ImportJob) -> dict[str, Any]:
    return job.report or {}
