"""Making packs: one plan's pack as a file (`pack_file`, for the page, the benchmark and the
ZIP), and every key account's packs as one ZIP built by a Celery task with its progress in a
PackExport row (`pack_export_start`, `pack_export_build`)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, User
from accounts.runs import current_run
from kam.errors import InvalidInput
from kam.permissions import require
from plans.models import Plan
from plans.selectors.plans import current_plan
from scoring.models import PackExport, PackExportStatus
from scoring.pack.content import Audience, pack_content
from scoring.pack.pdf import render_pdf
from scoring.pack.slides import render_pptx

logger = logging.getLogger(__name__)

FORMATS = {
    "pdf": (render_pdf, "application/pdf"),
    "pptx": (
        render_pptx,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
# The progress row is written after every this many packs (not after each: a write per pack
# would double the work of a small one).
PROGRESS_EVERY = 5


@dataclass(frozen=True)
class PackFile:
    name: str
    content_type: str
    data: bytes


def check_choice(audience: str, fmt: str) -> None:
    errors = {}
    if audience not in Audience.LABELS:
        errors["audience"] = ["Choose internal or customer-facing."]
    if fmt not in FORMATS:
        errors["fmt"] = ["Choose PDF or PowerPoint (pptx)."]
    if errors:
        raise InvalidInput(errors)


def require_pack(user: Any, plan: Plan, audience: str) -> None:
    require(user, "scoring.make_review_pack", plan, "You may not see this plan's pack.")
    if audience == Audience.INTERNAL:
        require(
            user,
            "scoring.make_internal_pack",
            plan,
            "The internal pack shows the account's economics: make the customer-facing one.",
        )


def pack_file(
    *, plan: Plan, audience: str, fmt: str, run: Any = None, today: dt.date | None = None
) -> PackFile:
    """The pack of `plan` (its account and KAM loaded) as a file; permissions are the
    caller's (`require_pack`)."""
    check_choice(audience, fmt)
    today = today or timezone.localdate()
    content = pack_content(plan=plan, run=run, audience=audience, today=today)
    render, content_type = FORMATS[fmt]
    return PackFile(f"{content.file_stem}.{fmt}", content_type, render(content))


def key_account_plans(today: dt.date) -> list[Plan]:
    """The current plan of every key account that has one, by account name (two queries)."""
    accounts = list(Account.objects.key().select_related("kam").order_by("name", "pk"))
    plans: dict[int, list[Plan]] = defaultdict(list)
    for plan in Plan.objects.filter(account__in=[a.pk for a in accounts]):
        plans[plan.account_id].append(plan)
    found = []
    for account in accounts:
        plan = current_plan(plans[account.pk], today)
        if plan is not None:
            plan.account = account
            found.append(plan)
    return found


@transaction.atomic
def pack_export_start(*, actor: User, audience: str, fmt: str) -> PackExport:
    """Queue the ZIP of every key account's pack (directors and administrators)."""
    require(actor, "scoring.export_all_packs", None, "Only directors download every pack.")
    check_choice(audience, fmt)
    export = PackExport.objects.create(audience=audience, fmt=fmt, created_by=actor)
    from scoring.tasks import build_pack_export  # the tasks module imports this one

    transaction.on_commit(lambda: build_pack_export.delay(export.pk))
    return export


def pack_export_build(*, export_id: int) -> PackExport:
    """Build the ZIP: each key account's current plan's pack, the progress saved every
    PROGRESS_EVERY packs. A redelivered task finds a finished export and does nothing; a
    running one starts again from the first pack (the ZIP is written only at the end)."""
    export = PackExport.objects.select_related("created_by").get(pk=export_id)
    if export.status in (PackExportStatus.DONE, PackExportStatus.FAILED):
        return export
    if not export.created_by.has_perm("scoring.export_all_packs"):
        return _finish(export, PackExportStatus.FAILED, error="No longer allowed.")
    today = timezone.localdate()
    plans = key_account_plans(today)
    PackExport.objects.filter(pk=export.pk).update(
        status=PackExportStatus.RUNNING, total=len(plans), done=0
    )
    run = current_run()
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            names: set[str] = set()
            for index, plan in enumerate(plans, start=1):
                made = pack_file(
                    plan=plan, audience=export.audience, fmt=export.fmt, run=run, today=today
                )
                name = made.name if made.name not in names else f"{plan.pk}-{made.name}"
                names.add(name)
                archive.writestr(name, made.data)
                if index % PROGRESS_EVERY == 0:
                    PackExport.objects.filter(pk=export.pk).update(done=index)
    except Exception as exc:
        logger.exception("Review pack export %s failed", export.pk)
        return _finish(export, PackExportStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
    export.total = export.done = len(plans)
    export.content = buffer.getvalue()
    return _finish(export, PackExportStatus.DONE)


def _finish(export: PackExport, status: str, *, error: str = "") -> PackExport:
    export.status, export.error, export.finished_at = status, error[:2000], timezone.now()
    export.save(update_fields=["status", "error", "finished_at", "total", "done", "content"])
    return export
