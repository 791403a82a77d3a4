"""What each import kind of `accounts` does with its rows: the codes it resolves, its natural
key, how a row is matched with what is stored, and how rows are written (with history where the
model keeps it). The kinds of scoring's models are in `scoring/imports.py`.

Natural keys (documented on the layouts page): customers erp_code; sales lines (erp_document,
erp_line); activities external_ref; contacts the account plus e-mail, or plus name when the
e-mail is blank.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import models
from simple_history.utils import bulk_update_with_history

from accounts.imports import layouts
from accounts.models import Account, AccountStatus, Activity, ActivityType, Contact, SalesLine, User
from kam.imports.engine import BATCH, Row, WriteContext
from kam.imports.kinds import CopySpec, Kind, Reference
from kam.imports.report import ImportReport

UNKNOWN_ACCOUNT = "Unknown account code: no customer has this ERP code (import customers first)."


ACCOUNT = Reference("account_code", Account, "erp_code", UNKNOWN_ACCOUNT)
ACTIVITY_TYPE = Reference(
    "activity_type",
    ActivityType,
    "code",
    "Unknown activity type: set the type up in KAM first (its code, e.g. sales-visit).",
)


class Customers(Kind):
    """Customers and their groups: `parent_erp_code` links a row to its group, which may be
    a row anywhere in the file or a stored customer. The links are checked and written once
    the whole file is in (`finish`), so a file may define a tree in any row order."""

    layout = layouts.CUSTOMERS
    model = Account
    model_key = ("erp_code",)
    compare = ("name", *Account.PROFILE_FIELDS)
    history = True

    def fields(self, row: Row) -> dict[str, Any]:
        return {name: row.values[name] for name in ("erp_code", *self.compare)}

    def plan(self, rows, report, state):
        creates, updates = super().plan(rows, report, state)
        parents = state.setdefault("parents", {})
        for row in rows:
            parents[row.values["erp_code"]] = (row.number, row.values["parent_erp_code"] or None)
        state.setdefault("written", set()).update(
            [item["erp_code"] for item in creates]
            + [item["erp_code"] for _instance, item in updates]
        )
        return creates, updates

    def on_update(self, instance: models.Model, context: WriteContext) -> list[str]:
        instance.updated_at = context.now
        return ["updated_at"]

    def finish(self, report, state, *, write, context):
        parents: dict[str, tuple[int, str | None]] = state.get("parents", {})
        if not parents:
            return
        # Every stored link (members are few next to the accounts), with the file's rows over
        # them: the tree as it would be after this import.
        links: dict[str, str | None] = dict(
            Account.objects.filter(parent__isnull=False).values_list("erp_code", "parent__erp_code")
        )
        stored_links = dict(links)
        links.update({code: parent for code, (_number, parent) in parents.items()})
        wanted = set(parents) | {parent for _n, parent in parents.values() if parent}
        stored = _accounts_by_code(wanted)
        position = self.layout.position("parent_erp_code")
        moved = []
        for code, (number, parent) in parents.items():
            if parent is None:
                if code in stored_links:
                    moved.append(code)
                continue
            if parent not in parents and parent not in stored:
                report.add_error(number, position, "parent_erp_code", parent, UNKNOWN_GROUP)
                continue
            if (cycle := _cycle(code, links)) is not None:
                report.add_error(
                    number,
                    position,
                    "parent_erp_code",
                    parent,
                    f"A cycle: {' -> '.join(cycle)}. A group cannot be below its own member.",
                )
                continue
            account = stored.get(code)
            if account is not None and account[1] != AccountStatus.STANDARD:
                report.add_error(
                    number,
                    position,
                    "parent_erp_code",
                    parent,
                    f"{code} is a {AccountStatus(account[1]).label.lower()}: designation "
                    "belongs to the top of a group. Set it back to standard before moving it "
                    "into a group.",
                )
                continue
            if account is not None and stored_links.get(code) != parent:
                moved.append(code)
        # A row whose only change is its group was counted unchanged by the plan.
        also_updated = sum(1 for code in moved if code not in state.get("written", set()))
        report.updated += also_updated
        report.unchanged -= also_updated
        if not (write and report.ok):
            return
        ids = {code: pk for code, (pk, _status) in _accounts_by_code(wanted).items()}
        changed = []
        for start in range(0, len(parents), BATCH):
            codes = list(parents)[start : start + BATCH]
            for account in Account.objects.filter(erp_code__in=codes):
                parent = parents[account.erp_code][1]
                parent_id = ids[parent] if parent else None
                if account.parent_id != parent_id:
                    account.parent_id = parent_id
                    account.updated_at = context.now
                    changed.append(account)
        if changed:
            bulk_update_with_history(
                changed,
                Account,
                ["parent", "updated_at"],
                batch_size=BATCH,
                default_user=context.actor,
                default_change_reason=context.reason,
                default_date=context.now,
            )


UNKNOWN_GROUP = (
    "Unknown group: no customer of the file or of KAM has this ERP code (add the group's row)."
)


def _accounts_by_code(codes: set[str]) -> dict[str, tuple[int, str]]:
    """(id, status) of the stored accounts with these ERP codes, in batches."""
    ordered = sorted(codes)
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(ordered), BATCH):
        found.update(
            (code, (pk, status))
            for code, pk, status in Account.objects.filter(
                erp_code__in=ordered[start : start + BATCH]
            ).values_list("erp_code", "pk", "status")
        )
    return found


def _cycle(code: str, links: dict[str, str | None]) -> list[str] | None:
    """The codes of the cycle `code` would be on (it first and last), or None."""
    chain, seen, current = [code], {code}, links.get(code)
    while current is not None:
        chain.append(current)
        if current == code:
            return chain
        if current in seen:
            return None  # a cycle above, not through this row: that row reports it
        seen.add(current)
        current = links.get(current)
    return None


class SalesLines(Kind):
    layout = layouts.SALES_LINES
    model = SalesLine
    references = (ACCOUNT,)
    model_key = ("erp_document", "erp_line")
    compare = ("account_id", "date", "product_category", "quantity", "revenue", "cost_of_goods")
    copy = CopySpec(
        conflict=("erp_document", "erp_line"),
        columns={
            "erp_document": "erp_document",
            "erp_line": "erp_line",
            "account_id": "account_code",
            "date": "date",
            "product_category": "product_category",
            "quantity": "quantity",
            "revenue": "revenue",
            "cost_of_goods": "cost_of_goods",
        },
    )

    def fields(self, row: Row) -> dict[str, Any]:
        values = row.values
        return {
            "erp_document": values["erp_document"],
            "erp_line": values["erp_line"],
            "account_id": row.refs["account_code"],
            "date": values["date"],
            "product_category": values["product_category"],
            "quantity": values["quantity"],
            "revenue": values["revenue"],
            "cost_of_goods": values["cost_of_goods"],
        }


class Activities(Kind):
    layout = layouts.ACTIVITIES
    model = Activity
    references = (ACCOUNT, ACTIVITY_TYPE)
    model_key = ("external_ref",)
    compare = ("account_id", "activity_type_id", "date", "quantity", "note")
    copy = CopySpec(
        conflict=("external_ref",),
        columns={
            "external_ref": "external_ref",
            "account_id": "account_code",
            "activity_type_id": "activity_type",
            "date": "date",
            "quantity": "quantity",
            "note": "note",
        },
        on_create={"recorded_by_id": "%(actor)s", "created_at": "%(now)s"},
    )

    def fields(self, row: Row) -> dict[str, Any]:
        values = row.values
        return {
            "external_ref": values["external_ref"],
            "account_id": row.refs["account_code"],
            "activity_type_id": row.refs["activity_type"],
            "date": values["date"],
            "quantity": values["quantity"],
            "note": values["note"],
        }

    def on_create(self, context: WriteContext) -> dict[str, Any]:
        return {"recorded_by": context.actor}


class Contacts(Kind):
    layout = layouts.CONTACTS
    model = Contact
    references = (
        ACCOUNT,
        Reference(
            "relationship_owner",
            User,
            "username",
            "Unknown user: no user has this username.",
        ),
    )
    compare = (
        "name",
        "email",
        "title",
        "function",
        "buying_role",
        "influence",
        "attitude",
        "relationship_owner_id",
        "last_contact_on",
        "phone",
    )
    history = True

    def key(self, values: dict[str, Any]) -> tuple | None:
        account, name, email = values["account_code"], values["name"], values["email"]
        if account is None or name is None or email is None:
            return None
        return (account, email.lower()) if email else (account, name.lower())

    def duplicate_message(self, first: int) -> str:
        return (
            f"Duplicate contact: row {first} has the same account and e-mail (or name, when "
            "there is no e-mail)."
        )

    def fields(self, row: Row) -> dict[str, Any]:
        values = row.values
        fields = {name: values[name] for name in self.compare if not name.endswith("_id")}
        fields["account_id"] = row.refs["account_code"]
        fields["relationship_owner_id"] = row.refs.get("relationship_owner")
        return fields

    def plan(
        self, rows: list[Row], report: ImportReport, state: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], list[tuple[models.Model, dict[str, Any]]]]:
        """Match each row with the account's contact by e-mail, else by name (see layouts);
        two rows may not update the same contact, and a name shared by two stored contacts
        without e-mail is ambiguous."""
        claimed: dict[int, int] = state.setdefault("claimed", {})
        values = [self.fields(row) for row in rows]
        by_email: dict[tuple, Contact] = {}
        by_name: dict[tuple, list[Contact]] = defaultdict(list)
        for contact in Contact.objects.filter(
            account_id__in={item["account_id"] for item in values}
        ).order_by("pk"):
            if contact.email:
                by_email[(contact.account_id, contact.email.lower())] = contact
            by_name[(contact.account_id, contact.name.lower())].append(contact)
        creates, updates = [], []
        listed = []
        for row, item in zip(rows, values, strict=True):
            account, email = item["account_id"], item["email"]
            same_name = by_name[(account, item["name"].lower())]
            if email and (account, email.lower()) in by_email:
                candidates = [by_email[(account, email.lower())]]
            elif email:
                candidates = [contact for contact in same_name if not contact.email]
            else:
                candidates = same_name
            if len(candidates) > 1:
                self._refuse(
                    report,
                    row,
                    f"{len(candidates)} contacts of this account are named {item['name']!r}: "
                    "give the e-mail to say which one.",
                )
                continue
            if not candidates:
                creates.append(item)
                self.list_create(report, row, item)
                continue
            contact = candidates[0]
            if (first := claimed.setdefault(contact.pk, row.number)) != row.number:
                self._refuse(report, row, f"Matches the same stored contact as row {first}.")
                continue
            item = self.kept(contact, item, row)
            if changes := self.changes(contact, item):
                updates.append((contact, item))
                listed.append((row, contact, changes))
                if not contact.email:
                    report.add_note(
                        f"Row {row.number} updates {contact.name} (contact {contact.pk}), "
                        "matched by name: the stored contact has no e-mail."
                    )
                elif contact.name != item["name"]:
                    report.add_note(
                        f"Row {row.number} updates {contact.name} (contact {contact.pk}), "
                        f"matched by e-mail: the name becomes {item['name']}."
                    )
        self.list_updates(report, listed)
        return creates, updates

    def _refuse(self, report: ImportReport, row: Row, message: str) -> None:
        report.add_error(
            row.number, self.layout.position("name"), "name", row.values["name"], message
        )
        row.ok = False

    def on_update(self, instance: models.Model, context: WriteContext) -> list[str]:
        instance.version += 1
        instance.updated_at = context.now
        return ["version", "updated_at"]


KINDS = (Customers(), SalesLines(), Activities(), Contacts())
