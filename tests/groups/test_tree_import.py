"""The customers import builds groups: parent_erp_code in any row order, at any depth, never a
cycle, and never a designated account as a member."""

from __future__ import annotations

import pytest

from accounts.models import Account, AccountStatus
from tests import factories
from tests.imports.conftest import CUSTOMERS_HEADER, csv_source, errors, run


def customers_file(*rows: tuple[str, str]) -> str:
    """(erp_code, parent_erp_code) rows; the name is the code."""
    lines = [f"{code},{code},,,,,,,,{parent}" for code, parent in rows]
    return "\n".join([CUSTOMERS_HEADER, *lines]) + "\n"


def bare(code: str, **fields) -> Account:
    """A stored customer as customers_file writes it (no profile), so only links differ."""
    profile = {"industry": "", "country": "", "region": "", "turnover": None}
    profile |= {"market_growth_pct": None, "category_spend": None}
    return factories.AccountFactory(erp_code=code, name=code, **profile, **fields)


def parents() -> dict[str, str | None]:
    return {
        a.erp_code: (a.parent.erp_code if a.parent_id else None)
        for a in Account.objects.select_related("parent")
    }


def test_a_tree_of_depth_five_imports_with_children_before_their_parents(director):
    # plant -> entity -> country -> region -> group: five levels, the deepest row first
    text = customers_file(
        ("PLANT", "ENTITY"),
        ("ENTITY", "COUNTRY"),
        ("COUNTRY", "REGION"),
        ("REGION", "GROUP"),
        ("GROUP", ""),
    )
    report = run("customers", csv_source(text), actor=director)

    assert report.committed, errors(report)
    assert report.created == 5
    assert parents() == {
        "PLANT": "ENTITY",
        "ENTITY": "COUNTRY",
        "COUNTRY": "REGION",
        "REGION": "GROUP",
        "GROUP": None,
    }
    group = Account.objects.get(erp_code="GROUP")
    assert set(Account.objects.subtree(group.pk).values_list("erp_code", flat=True)) == {
        "GROUP",
        "REGION",
        "COUNTRY",
        "ENTITY",
        "PLANT",
    }


def test_importing_the_same_tree_twice_changes_nothing(director):
    text = customers_file(("B", "A"), ("A", ""))
    run("customers", csv_source(text), actor=director)

    again = run("customers", csv_source(text), actor=director)

    assert again.committed
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_cycle_in_the_file_is_refused_on_each_of_its_rows_and_nothing_is_written(director):
    text = customers_file(("A", "B"), ("B", "C"), ("C", "A"), ("D", ""))
    report = run("customers", csv_source(text), actor=director)

    assert not report.committed
    assert [(row, column) for row, column, _value, _message in errors(report)] == [
        (2, "parent_erp_code"),
        (3, "parent_erp_code"),
        (4, "parent_erp_code"),
    ]
    assert errors(report)[0][3] == (
        "A cycle: A -> B -> C -> A. A group cannot be below its own member."
    )
    assert not Account.objects.exists()


def test_an_account_its_own_parent_is_a_cycle(director):
    report = run("customers", csv_source(customers_file(("A", "A"))), actor=director)

    assert errors(report) == [
        (2, "parent_erp_code", "A", "A cycle: A -> A. A group cannot be below its own member.")
    ]


def test_a_cycle_through_stored_links_is_refused(director):
    top = factories.AccountFactory(erp_code="TOP", name="TOP")
    factories.AccountFactory(erp_code="MID", name="MID", parent=top)

    # TOP under MID, while MID is stored under TOP
    report = run("customers", csv_source(customers_file(("TOP", "MID"))), actor=director)

    assert not report.committed
    assert errors(report)[0][3] == (
        "A cycle: TOP -> MID -> TOP. A group cannot be below its own member."
    )


def test_an_unknown_group_is_an_error_of_its_cell(director):
    report = run("customers", csv_source(customers_file(("A", "NOPE"))), actor=director)

    assert errors(report) == [
        (
            2,
            "parent_erp_code",
            "NOPE",
            "Unknown group: no customer of the file or of KAM has this ERP code "
            "(add the group's row).",
        )
    ]


@pytest.mark.parametrize("status", [AccountStatus.KEY, AccountStatus.CANDIDATE])
def test_a_designated_account_cannot_become_a_member(director, status):
    factories.AccountFactory(erp_code="G", name="G")
    kam = factories.KamFactory()
    factories.AccountFactory(erp_code="K", name="K", status=status, kam=kam)

    report = run("customers", csv_source(customers_file(("K", "G"))), actor=director)

    assert not report.committed
    assert "designation belongs to the top of a group" in errors(report)[0][3]
    assert Account.objects.get(erp_code="K").parent is None


def test_moving_a_member_by_import_is_an_update_with_history(director):
    first = bare("G1")
    bare("G2")
    bare("M", parent=first)

    report = run(
        "customers",
        csv_source(customers_file(("G1", ""), ("G2", ""), ("M", "G2"))),
        actor=director,
    )

    assert report.committed, errors(report)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    member = Account.objects.get(erp_code="M")
    assert member.parent.erp_code == "G2"
    newest = member.history.order_by("-history_date", "-history_id").first()
    assert newest.parent_id == member.parent_id
    assert newest.history_user == director


def test_a_dry_run_reports_the_cycle_and_counts_the_move(director):
    bare("G")
    bare("M")

    report = run(
        "customers", csv_source(customers_file(("G", ""), ("M", "G"))), actor=director, dry_run=True
    )

    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert Account.objects.get(erp_code="M").parent is None
