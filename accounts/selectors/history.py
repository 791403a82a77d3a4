"""The account's history: who changed what, and when, merged from every record kept about it.

The lines of tracked models (django-simple-history) and the other apps' lines (plan versions,
ratings) come from the registries in `kam/history.py`; accounts registers its own there
(`ACCOUNT`, `CONTACT`) and adds the stage and designation moves here.
"""

from __future__ import annotations

from accounts.models import Account, Contact, DesignationChange, StageChange
from kam.history import (
    ACCOUNT_ENTRIES,
    Change,
    HistoryEntry,
    Names,
    Tracked,
    account_tracked,
    changed_only,
    historical_rows,
    history_entries,
    referenced_ids,
)

# How much history the account page shows; the History page pages through all of it.
PAGE_HISTORY_ENTRIES = 30
HISTORY_PAGE_SIZE = 50

ACCOUNT = Tracked(
    "account",
    "Account",
    Account,
    (
        "name",
        "erp_code",
        *Account.PROFILE_FIELDS,
        "status",
        "tier",
        "kam",
        "parent",
        "stage",
        "notes",
    ),
    lambda row: "Account",
    "id",
)
CONTACT = Tracked(
    "contact",
    "Contact",
    Contact,
    Contact.EDITABLE_FIELDS,
    lambda row: f"Contact “{row.name}”",
    "account_id",
)


def account_history(*, account: Account, limit: int) -> list[HistoryEntry]:
    """The newest `limit` changes to the account and what hangs on it, merged newest first:
    the tracked models of every app (the account, its contacts, plans and commitments, with
    field-by-field changes), stage and designation moves with their reasons, and the other
    apps' lines (plan versions, ratings).

    One query per kind (and one per model of the people and teams the lines name), so the
    count is fixed however long the history is.
    """
    stage_changes = (
        StageChange.objects.filter(account=account)
        .select_related("changed_by")
        .order_by("-changed_at", "-pk")[:limit]
    )
    designation_changes = (
        DesignationChange.objects.filter(account=account)
        .select_related("from_kam", "to_kam", "changed_by")
        .order_by("-changed_at", "-pk")[:limit]
    )
    rows = {tracked: historical_rows(tracked, account.pk, limit) for tracked in account_tracked()}
    names = Names()
    ids: dict[type, set[int]] = {}
    for tracked, tracked_rows in rows.items():
        for model, found in referenced_ids(tracked, tracked_rows).items():
            ids.setdefault(model, set()).update(found)
    names.fill(ids)
    entries: list[HistoryEntry] = []
    for tracked, tracked_rows in rows.items():
        entries += history_entries(tracked, tracked_rows, names)
    entries += [
        HistoryEntry(
            when=change.changed_at,
            who=change.changed_by,
            subject="Relationship stage",
            action="moved",
            changes=[
                Change(
                    "Stage",
                    change.get_from_stage_display() or "(start)",
                    change.get_to_stage_display(),
                )
            ],
            note=change.reason,
        )
        for change in stage_changes
    ]
    entries += [
        HistoryEntry(
            when=change.changed_at,
            who=change.changed_by,
            subject="Designation",
            action="changed",
            changes=changed_only(
                Change("Status", change.get_from_status_display(), change.get_to_status_display()),
                Change("KAM", str(change.from_kam or "none"), str(change.to_kam or "none")),
            ),
            note=change.reason,
        )
        for change in designation_changes
    ]
    for source in ACCOUNT_ENTRIES:
        entries += source(account, limit)
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
