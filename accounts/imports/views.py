"""Import pages (directors and administrators): upload and dry run, the report, the import;
the layouts page and template downloads; the portfolio export."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts.imports import services
from accounts.imports.forms import UploadForm
from accounts.models import ImportJob, ImportKind, ImportStatus
from kam.errors import DomainError
from kam.exports import export_response
from kam.imports.kinds import LAYOUTS
from kam.imports.reading import size_problem
from kam.permissions import requires

IMPORT_PERMISSION = "accounts.import_data"
# What a multipart body carries beyond the file: boundaries, headers, the kind and CSRF fields.
UPLOAD_OVERHEAD = 64 * 1024
RECENT_JOBS = 20
RUNNING = {ImportStatus.VALIDATING, ImportStatus.IMPORTING}


def ordered_layouts() -> list:
    """The registered layouts in the order of ImportKind (each app registers its own)."""
    return [LAYOUTS[kind] for kind in ImportKind.values]


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes the size limit, for requests whose length
    was not declared up front (the declared length is checked before anything is read)."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.exceeded_at = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.exceeded_at = start + len(raw_data)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _index_page(
    request: HttpRequest, form: UploadForm, status: int = 200, problem: str = ""
) -> HttpResponse:
    jobs = (
        ImportJob.objects.defer("content", "report")
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:RECENT_JOBS]
    )
    return render(
        request,
        "imports/index.html",
        {"form": form, "problem": problem, "jobs": jobs, "layouts": ordered_layouts()},
        status=status,
    )


# The body is not parsed before the size check (CSRF middleware would read all of it to find the
# token); `_upload` checks the CSRF token once the size is known to be acceptable.
@csrf_exempt
@requires(IMPORT_PERMISSION)
def index(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _index_page(request, UploadForm())
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > settings.KAM_IMPORT_MAX_BYTES + UPLOAD_OVERHEAD:
        return _index_page(request, UploadForm(), status=413, problem=size_problem(declared))
    handler = SizeLimitUploadHandler(request, settings.KAM_IMPORT_MAX_BYTES)
    request.upload_handlers.insert(0, handler)
    return _upload(request, handler)


@csrf_protect
def _upload(request: HttpRequest, handler: SizeLimitUploadHandler) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if handler.exceeded_at:
        problem = size_problem(handler.exceeded_at)
        return _index_page(request, UploadForm(), status=413, problem=problem)
    if not form.is_valid():
        return _index_page(request, form, status=400)
    try:
        job = services.import_job_create(
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            actor=request.user,
            blank_clears=form.cleaned_data["blanks"] == "clear",
        )
        job = services.import_job_start(job=job, commit=False, actor=request.user)
    except DomainError as error:
        form.add_error("file", str(error))
        return _index_page(request, form, status=400)
    return redirect("imports:job", job.pk)


def _job(pk: int) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.defer("content").select_related("created_by", "imported_by"), pk=pk
    )


@require_GET
@requires(IMPORT_PERMISSION)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    report = job.report or {}
    return render(
        request,
        "imports/job.html",
        {
            "job": job,
            "report": report,
            "running": job.status in RUNNING,
            "expired": services.expired_message() if job.status == ImportStatus.EXPIRED else "",
            "progress": services.import_job_progress(job),
            "hidden_errors": report.get("error_count", 0) - len(report.get("errors", [])),
            "can_import": job.status == ImportStatus.VALIDATED
            and report.get("error_count") == 0
            and report.get("rows", 0) > 0,
            "layout": LAYOUTS[job.kind],
        },
    )


@require_GET
@requires(IMPORT_PERMISSION)
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx; once the job is done the page reloads with the report."""
    job = _job(pk)
    if job.status not in RUNNING:
        return HttpResponseClientRefresh()
    return render(
        request,
        "imports/_progress.html",
        {"job": job, "progress": services.import_job_progress(job)},
    )


ERROR_COLUMNS = [
    ("row", lambda error: error.get("row") or "file"),
    ("column", lambda error: error.get("column", "")),
    ("value", lambda error: error.get("value", "")),
    ("problem", lambda error: error.get("message", "")),
]


@require_GET
@requires(IMPORT_PERMISSION)
def job_errors(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The check's errors as CSV (the ones the report keeps), to fix the file beside it."""
    job = _job(pk)
    errors = (job.report or {}).get("errors", [])
    stem = job.file_name.rsplit(".", 1)[0] or "import"
    return export_response(errors, ERROR_COLUMNS, f"{stem}-errors", "csv")


@require_POST
@requires(IMPORT_PERMISSION)
def job_commit(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    try:
        job = services.import_job_start(job=job, commit=True, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if job.status == ImportStatus.IMPORTED:
            messages.success(request, "Imported: " + job.report.get("file_name", job.file_name))
    return redirect("imports:job", job.pk)


@require_GET
@requires(IMPORT_PERMISSION)
def layouts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "imports/layouts.html",
        {
            "layouts": ordered_layouts(),
            "max_mb": settings.KAM_IMPORT_MAX_BYTES // (1024 * 1024),
            "inline_rows": settings.KAM_IMPORT_INLINE_MAX_ROWS,
        },
    )


@require_GET
@requires(IMPORT_PERMISSION)
def template(request: HttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    """A kind's header and one example row, as CSV or XLSX."""
    if kind not in LAYOUTS:
        raise Http404(f"Unknown import kind {kind!r}.")
    layout = LAYOUTS[kind]
    example = {column.name: column.example for column in layout.columns}
    columns = [(column.name, column.name) for column in layout.columns]
    return export_response([example], columns, f"kam-{kind}-template", fmt)
