"""The column layouts of the kinds `accounts` imports (customers, sales lines, activities,
contacts): every column, its type, whether it is required, an example, and the rules that go
with the kind. The layouts page, the downloadable templates and the header check all read these
definitions (through the registry in `kam.imports.kinds`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accounts.models import (
    Attitude,
    BuyingRole,
    GeographicScope,
    ImportKind,
)
from kam.imports.columns import (
    Choice,
    CountryCode,
    Date,
    Email,
    Integer,
    Number,
    Slug,
    Text,
)
from kam.imports.layouts import ZERO, Column, Layout, money

ACCOUNT_CODE = Column(
    "account_code", Text(40), True, "C000123", "The customer's ERP code (imported as a customer)."
)

CUSTOMERS = Layout(
    ImportKind.CUSTOMERS,
    "Customers",
    "Every B2B customer from the ERP. Status, KAM and stage are decisions made in KAM, "
    "never imported.",
    (
        Column("erp_code", Text(40), True, "C000123", "The customer's code in the ERP."),
        Column("name", Text(200), True, "Müller Antriebstechnik GmbH"),
        Column("industry", Text(80), False, "Automotive"),
        Column("country", CountryCode(), False, "DE"),
        Column("region", Text(40), False, "DACH"),
        Column(
            "geographic_scope",
            Choice(GeographicScope, default=GeographicScope.NATIONAL),
            False,
            "international",
            "Blank means national.",
        ),
        Column("turnover", money(), False, Decimal("48000000.00"), "The customer's own turnover."),
        Column(
            "market_growth_pct",
            Number(6, 2),
            False,
            Decimal("3.50"),
            "Growth of the customer's market, in %.",
        ),
        Column(
            "category_spend",
            money(),
            False,
            Decimal("2500000.00"),
            "The customer's total spend in our category.",
        ),
        Column(
            "parent_erp_code",
            Text(40),
            False,
            "",
            "The ERP code of the group it belongs to (its parent); blank: top level.",
        ),
    ),
    key=("erp_code",),
    key_help="erp_code",
    rules=(
        "A blank optional cell keeps the stored value of an existing customer (a partial file "
        "changes only what it fills in), unless the upload asks for blank cells to clear.",
        "parent_erp_code names a customer of the file (in any row) or one already stored; "
        "a group may have any depth, never a cycle, and a key account or candidate cannot be "
        "a member: designation belongs to the top of its group.",
    ),
)

SALES_LINES = Layout(
    ImportKind.SALES_LINES,
    "Sales lines",
    "Invoiced lines from the ERP, one per document line.",
    (
        Column("erp_document", Text(40), True, "INV-2026-000123", "Invoice or credit note."),
        Column("erp_line", Integer(), True, 1, "Line number within the document."),
        ACCOUNT_CODE,
        Column("date", Date(), True, dt.date(2026, 3, 31), "Invoice date."),
        Column("product_category", Text(60), False, "Fasteners"),
        Column("quantity", Number(14, 3, min_value=ZERO), True, Decimal("120.000")),
        Column(
            "revenue",
            money(signed=True),
            True,
            Decimal("4380.00"),
            "Net revenue; negative on credit notes.",
        ),
        Column("cost_of_goods", money(), True, Decimal("2610.50")),
    ),
    key=("erp_document", "erp_line"),
    key_help="erp_document and erp_line",
    rules=("Quantities and costs of goods are never negative; revenue may be (credit notes).",),
)

ACTIVITIES = Layout(
    ImportKind.ACTIVITIES,
    "Activities",
    "Special treatment recorded for an account: quantity of an activity type's driver units.",
    (
        Column("external_ref", Text(60), True, "CRM-ACT-000981", "The source system's key."),
        ACCOUNT_CODE,
        Column(
            "activity_type", Slug(40), True, "sales-visit", "An activity type code set up in KAM."
        ),
        Column("date", Date(), True, dt.date(2026, 3, 12)),
        Column("quantity", Number(12, 3, min_value=ZERO), True, Decimal("2.000")),
        Column("note", Text(200), False, "Quarterly business review on site"),
    ),
    key=("external_ref",),
    key_help="external_ref",
)

CONTACTS = Layout(
    ImportKind.CONTACTS,
    "Contacts",
    "People in the customer's decision-making unit (DMU).",
    (
        ACCOUNT_CODE,
        Column("name", Text(120), True, "Dr. Anna Weber"),
        Column("email", Email(), False, "anna.weber@example.com"),
        Column("title", Text(120), False, "Head of Purchasing"),
        Column("function", Text(80), False, "Purchasing"),
        Column("buying_role", Choice(BuyingRole), True, BuyingRole.DECISION_MAKER),
        Column("influence", Integer(1, 5), True, 4, "1 (low) to 5 (high)."),
        Column("attitude", Choice(Attitude, default=Attitude.NEUTRAL), False, Attitude.SUPPORTER),
        Column(
            "relationship_owner", Text(150), False, "jdoe", "Username of our relationship owner."
        ),
        Column("last_contact_on", Date(), False, dt.date(2026, 2, 20)),
        Column("phone", Text(40), False, "089 1234567"),
    ),
    key=("account_code", "email"),
    key_help="account_code and email; account_code and name when email is blank",
    rules=(
        "A row with an e-mail updates the account's contact with that e-mail (any case), or "
        "else the one with that name and no e-mail yet; without an e-mail it updates the "
        "contact with that name.",
    ),
)
