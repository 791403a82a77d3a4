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

from accounts.imports import layouts
from accounts.models import Account, Activity, ActivityType, Contact, SalesLine, User
from kam.imports.engine import Row, WriteContext
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
    layout = layouts.CUSTOMERS
    model = Account
    model_key = ("erp_code",)
    compare = ("name", *Account.PROFILE_FIELDS)
    history = True

    def fields(self, row: Row) -> dict[str, Any]:
        return {name: row.values[name] for name in ("erp_code", *self.compare)}

    def on_update(self, instance: models.Model, context: WriteContext) -> list[str]:
        instance.updated_at = context.now
        return ["updated_at"]


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
