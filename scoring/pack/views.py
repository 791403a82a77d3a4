"""Pages of the review pack: the pack of one plan (from the plan page and the account page),
and every key account's packs as a ZIP for the directors, built in the background with a
progress bar (polled by htmx, as an import's)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts.runs import current_run
from kam.errors import InvalidInput
from kam.permissions import requires
from plans.models import Plan
from plans.selectors import plans as plans_selectors
from scoring.models import PackExport, PackExportStatus
from scoring.pack import exports
from scoring.pack.content import Audience


def _plan_or_404(request: HttpRequest, pk: int) -> Plan:
    try:
        return plans_selectors.plan_for_page(user=request.user, pk=pk)
    except Plan.DoesNotExist:
        raise Http404("No plan found.") from None


@require_GET
@login_required
def review_pack(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The plan's pack as a download: ?audience=customer (the default) or internal."""
    plan = _plan_or_404(request, pk)
    audience = request.GET.get("audience", Audience.CUSTOMER)
    try:
        exports.check_choice(audience, fmt)
    except InvalidInput as error:
        text = " ".join(m for messages_ in error.errors.values() for m in messages_)
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    exports.require_pack(request.user, plan, audience)
    made = exports.pack_file(
        plan=plan, audience=audience, fmt=fmt, run=current_run(), today=timezone.localdate()
    )
    response = HttpResponse(made.data, content_type=made.content_type)
    response["Content-Disposition"] = f'attachment; filename="{made.name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@requires("scoring.export_all_packs")
def pack_exports(request: HttpRequest) -> HttpResponse:
    """The director's page: start a ZIP of every key account's pack, see the recent ones."""
    recent = PackExport.objects.filter(created_by=request.user).defer("content")
    return render(
        request,
        "scoring/pack_exports.html",
        {
            "exports": recent.order_by("-created_at", "-pk")[:10],
            "audiences": Audience.CHOICES,
            "formats": (("pdf", "PDF"), ("pptx", "PowerPoint")),
        },
    )


@require_POST
@requires("scoring.export_all_packs")
def pack_export_start(request: HttpRequest) -> HttpResponse:
    try:
        export = exports.pack_export_start(
            actor=request.user,
            audience=request.POST.get("audience", ""),
            fmt=request.POST.get("fmt", ""),
        )
    except InvalidInput as error:
        for texts in error.errors.values():
            for text in texts:
                messages.error(request, text)
        return redirect("scoring:pack_exports")
    return redirect("scoring:pack_export", export.pk)


def _export(request: HttpRequest, pk: int) -> PackExport:
    return get_object_or_404(PackExport.objects.defer("content"), pk=pk, created_by=request.user)


@requires("scoring.export_all_packs")
def pack_export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export(request, pk)
    return render(
        request,
        "scoring/pack_export.html",
        {"export": export, "running": export.status in RUNNING},
    )


RUNNING = (PackExportStatus.QUEUED, PackExportStatus.RUNNING)


@require_GET
@requires("scoring.export_all_packs")
def pack_export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export(request, pk)
    if export.status not in RUNNING:
        return HttpResponseClientRefresh()
    return render(request, "scoring/_pack_export_progress.html", {"export": export})


@require_GET
@requires("scoring.export_all_packs")
def pack_export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_object_or_404(
        PackExport, pk=pk, created_by=request.user, status=PackExportStatus.DONE
    )
    response = HttpResponse(bytes(export.content), content_type="application/zip")
    day = export.created_at.date().isoformat()
    name = f"review-packs-{export.audience}-{export.fmt}-{day}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
