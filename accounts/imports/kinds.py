"""What each import kind does with its rows: the codes it resolves, its natural key, how a row
is matched with what is stored, and how rows are written (with history where the model keeps it).

Natural keys (documented on the layouts page): customers erp_code; sales lines (erp_document,
erp_line); activities external_ref; cost rates (activity type, period_start); contacts the
account plus e-mail, or plus name when the e-mail is blank; metric entries (account, quarter,
metric); ratings (account, criterion).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.imports import layouts
from accounts.imports.engine import BATCH, Row, WriteContext
from accounts.imports.layouts import Layout
from accounts.imports.report import ImportReport
from accounts.models import Account, Activity, ActivityType, Contact, SalesLine, User
from scoring.models import CostRate, Criterion, CriterionKind, MetricEntry, MetricKind, Rating

RATE_PLACES = Decimal("0.0001")
RATE_MAX = Decimal("9999999999.9999")
PERCENT_METRICS = {kind for kind in MetricKind.values if kind != MetricKind.SHARED_INVESTMENT}

UNKNOWN_ACCOUNT = "Unknown account code: no customer has this ERP code (import customers first)."


@dataclass(frozen=True)
class Reference:
    """A code in the file that must name a stored row (an account's ERP code, a type's code)."""

    column: str
    model: type[models.Model]
    field: str
    message: str
    filters: dict[str, Any] = field(default_factory=dict)

    def lookup(self, codes: set[Any]) -> dict[Any, int]:
        found: dict[Any, int] = {}
        ordered = sorted(codes)
        for start in range(0, len(ordered), BATCH):
            found.update(
                self.model._default_manager.filter(
                    **self.filters, **{f"{self.field}__in": ordered[start : start + BATCH]}
                ).values_list(self.field, "pk")
            )
        return found


@dataclass(frozen=True)
class CopySpec:
    """How the PostgreSQL COPY path merges staged rows: `columns` maps each model column
    (attname) to the layout column it comes from; `conflict` is the natural key's unique
    constraint; `on_create` adds columns only a new row gets (SQL, with %(actor)s)."""

    conflict: tuple[str, ...]
    columns: dict[str, str]
    on_create: dict[str, str] = field(default_factory=dict)


ACCOUNT = Reference("account_code", Account, "erp_code", UNKNOWN_ACCOUNT)
ACTIVITY_TYPE = Reference(
    "activity_type",
    ActivityType,
    "code",
    "Unknown activity type: set the type up in KAM first (its code, e.g. sales-visit).",
)


class Kind:
    """One kind of import. `fields` turns a checked row into model values (attnames);
    `model_key` names the stored natural key, `compare` the values an import may change."""

    layout: Layout
    model: type[models.Model]
    references: tuple[Reference, ...] = ()
    model_key: tuple[str, ...] = ()
    compare: tuple[str, ...] = ()
    history = False
    copy: CopySpec | None = None

    def key(self, values: dict[str, Any]) -> tuple | None:
        """The row's natural key as the file writes it, None while a key cell has an error."""
        key = tuple(values[name] for name in self.layout.key)
        return None if any(part is None for part in key) else key

    def key_value(self, key: tuple) -> str:
        return " / ".join(str(part) for part in key)

    def duplicate_message(self, first: int) -> str:
        return f"Duplicate key: row {first} has the same {self.layout.key_help}."

    def check_row(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        """Rules across cells, as (column, message); cells with errors are None and skipped."""
        return []

    def fields(self, row: Row) -> dict[str, Any]:
        raise NotImplementedError

    def existing(self, keys: list[tuple]) -> dict[tuple, models.Model]:
        if not keys:
            return {}
        lookups = {
            f"{name}__in": sorted({key[index] for key in keys})
            for index, name in enumerate(self.model_key)
        }
        return {
            tuple(getattr(instance, name) for name in self.model_key): instance
            for instance in self.model._default_manager.filter(**lookups)
        }

    def plan(
        self, rows: list[Row], report: ImportReport, state: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], list[tuple[models.Model, dict[str, Any]]]]:
        """Split good rows into values to create and (instance, values) to update; a row equal
        to what is stored is neither (skipped)."""
        values = [self.fields(row) for row in rows]
        stored = self.existing([tuple(item[name] for name in self.model_key) for item in values])
        creates, updates = [], []
        for item in values:
            instance = stored.get(tuple(item[name] for name in self.model_key))
            if instance is None:
                creates.append(item)
            elif self.differs(instance, item):
                updates.append((instance, item))
        return creates, updates

    def differs(self, instance: models.Model, values: dict[str, Any]) -> bool:
        return any(getattr(instance, name) != values[name] for name in self.compare)

    def on_create(self, context: WriteContext) -> dict[str, Any]:
        return {}

    def on_update(self, instance: models.Model, context: WriteContext) -> list[str]:
        """Set what an update changes beyond `compare` (timestamps, versions); their names."""
        return []

    def write(
        self,
        creates: list[dict[str, Any]],
        updates: list[tuple[models.Model, dict[str, Any]]],
        context: WriteContext,
    ) -> None:
        new = [self.model(**values, **self.on_create(context)) for values in creates]
        changed, extra = [], []
        for instance, values in updates:
            for name in self.compare:
                setattr(instance, name, values[name])
            extra = self.on_update(instance, context)
            changed.append(instance)
        update_fields = [*self.compare, *extra]
        if self.history:
            history = {
                "batch_size": BATCH,
                "default_user": context.actor,
                "default_change_reason": context.reason,
                "default_date": context.now,
            }
            if new:
                bulk_create_with_history(new, self.model, **history)
            if changed:
                bulk_update_with_history(changed, self.model, update_fields, **history)
            return
        manager = self.model._default_manager
        if new:
            manager.bulk_create(new, batch_size=BATCH)
        if changed:
            manager.bulk_update(changed, update_fields, batch_size=BATCH)


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


class CostRates(Kind):
    layout = layouts.COST_RATES
    model = CostRate
    references = (ACTIVITY_TYPE,)
    model_key = ("activity_type_id", "period_start")
    compare = ("period_end", "cost_pool", "driver_volume", "rate")
    history = True

    def check_row(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        problems = []
        start, end = values["period_start"], values["period_end"]
        if start is not None and end is not None and end < start:
            problems.append(("period_end", f"Must not be before period_start ({start})."))
        pool, volume = values["cost_pool"], values["driver_volume"]
        if pool is not None and volume is not None and rate_of(pool, volume) > RATE_MAX:
            problems.append(("driver_volume", "Too small: the rate per unit would be too large."))
        return problems

    def fields(self, row: Row) -> dict[str, Any]:
        values = row.values
        return {
            "activity_type_id": row.refs["activity_type"],
            "period_start": values["period_start"],
            "period_end": values["period_end"],
            "cost_pool": values["cost_pool"],
            "driver_volume": values["driver_volume"],
            "rate": rate_of(values["cost_pool"], values["driver_volume"]),
        }

    def on_update(self, instance: models.Model, context: WriteContext) -> list[str]:
        instance.updated_at = context.now
        return ["updated_at"]


def rate_of(cost_pool: Decimal, driver_volume: Decimal) -> Decimal:
    """Cost per driver unit, kept at four places (half up, as money is rounded)."""
    return (cost_pool / driver_volume).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


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
                continue
            contact = candidates[0]
            if (first := claimed.setdefault(contact.pk, row.number)) != row.number:
                self._refuse(report, row, f"Matches the same stored contact as row {first}.")
                continue
            if self.differs(contact, item):
                updates.append((contact, item))
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


class Metrics(Kind):
    layout = layouts.METRICS
    model = MetricEntry
    references = (ACCOUNT,)
    model_key = ("account_id", "period_start", "metric")
    compare = ("value",)

    def check_row(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        metric, value = values["metric"], values["value"]
        if metric in PERCENT_METRICS and value is not None and value > 100:
            return [("value", f"Must be between 0 and 100 for {metric}.")]
        return []

    def fields(self, row: Row) -> dict[str, Any]:
        values = row.values
        return {
            "account_id": row.refs["account_code"],
            "period_start": values["period"],
            "metric": values["metric"],
            "value": values["value"],
        }

    def on_create(self, context: WriteContext) -> dict[str, Any]:
        return {"entered_by": context.actor, "entered_at": context.now}

    def on_update(self, instance: models.Model, context: WriteContext) -> list[str]:
        instance.entered_by = context.actor
        instance.entered_at = context.now
        return ["entered_by", "entered_at"]


class Ratings(Kind):
    layout = layouts.RATINGS
    model = Rating
    references = (
        ACCOUNT,
        Reference(
            "criterion",
            Criterion,
            "key",
            "Unknown criterion: give the key of a rated criterion, e.g. strategic_value.",
            {"kind": CriterionKind.RATED},
        ),
    )

    def fields(self, row: Row) -> dict[str, Any]:
        return {
            "account_id": row.refs["account_code"],
            "criterion_id": row.refs["criterion"],
            "value": row.values["value"],
            "comment": row.values["comment"],
        }

    def plan(
        self, rows: list[Row], report: ImportReport, state: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], list[tuple[models.Model, dict[str, Any]]]]:
        """Ratings are history: add a rating unless the newest one already says the same."""
        values = [self.fields(row) for row in rows]
        newest: dict[tuple, Rating] = {}
        for rating in Rating.objects.filter(
            account_id__in={item["account_id"] for item in values},
            criterion_id__in={item["criterion_id"] for item in values},
        ).order_by("rated_at", "pk"):
            newest[(rating.account_id, rating.criterion_id)] = rating
        creates = []
        for item in values:
            current = newest.get((item["account_id"], item["criterion_id"]))
            if current is None or (current.value, current.comment) != (
                item["value"],
                item["comment"],
            ):
                creates.append(item)
        return creates, []

    def on_create(self, context: WriteContext) -> dict[str, Any]:
        return {"rated_by": context.actor, "rated_at": context.now}


KINDS: dict[str, Kind] = {
    kind.layout.kind: kind
    for kind in (
        Customers(),
        SalesLines(),
        Activities(),
        CostRates(),
        Contacts(),
        Metrics(),
        Ratings(),
    )
}
