"""The spend-estimates import: rows created and updated on their natural key (account,
category, year), per-row errors with nothing written, history of updates."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import ImportKind, ProductCategory
from scoring.models import SpendEstimate
from tests.imports.conftest import csv_source, errors, run

HEADER = "account_code,category,year,estimated_spend,source,competitor,competitor_share_pct"


@pytest.fixture
def categories(db):
    return [ProductCategory.objects.create(name=n) for n in ("Bearings", "Seals")]


def test_a_good_file_creates_then_updates_with_history(customers, categories):
    report = run(
        ImportKind.SPEND_ESTIMATES,
        csv_source(
            f"{HEADER}\n"
            "C1,Bearings,2026,250000.00,market_study,Rival GmbH,45.00\n"
            "C1,Seals,2026,1000,kam_estimate,,\n"
            "C2,Bearings,2025,500.50,customer,,\n"
        ),
    )
    assert report.committed and report.created == 3, report.summary()
    bearings = SpendEstimate.objects.get(account=customers[0], category__name="Bearings")
    assert bearings.estimated_spend == Decimal("250000.00")
    assert bearings.competitor == "Rival GmbH" and bearings.competitor_share_pct == Decimal(45)

    report = run(
        ImportKind.SPEND_ESTIMATES,
        csv_source(f"{HEADER}\nC1,Bearings,2026,300000.00,customer,Rival GmbH,40\n"),
    )
    assert report.committed and report.updated == 1, report.summary()
    bearings.refresh_from_db()
    assert (bearings.estimated_spend, bearings.source) == (Decimal(300000), "customer")
    assert bearings.history.count() == 2


def test_bad_rows_are_reported_each_and_nothing_is_written(customers, categories):
    report = run(
        ImportKind.SPEND_ESTIMATES,
        csv_source(
            f"{HEADER}\n"
            "C1,Bearings,2026,100,customer,,\n"
            "C9,Bearings,2026,100,customer,,\n"
            "C1,Gears,2026,100,customer,,\n"
            "C1,Seals,1800,100,customer,,\n"
            "C2,Seals,2026,-5,customer,,\n"
            "C2,Bearings,2026,5,rumour,,\n"
            "C2,Bearings,2025,5,customer,X,120\n"
            "C1,Bearings,2026,200,customer,,\n"
        ),
    )
    assert not report.committed
    found = {(row, column) for row, column, _, _ in errors(report)}
    assert {(3, "account_code"), (4, "category"), (5, "year"), (6, "estimated_spend")} <= found
    assert {(7, "source"), (8, "competitor_share_pct")} <= found
    # the same key twice in one file (rows 2 and 9) is an error too
    assert any(row == 9 for row, _ in found)
    assert not SpendEstimate.objects.exists()
