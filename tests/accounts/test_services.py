import pytest

from accounts.models import AccountStatus, DesignationChange, Stage, StageChange
from accounts.services import (
    account_change_stage,
    account_designate,
    team_member_add,
    team_member_remove,
)
from kam.errors import DomainError, PermissionDenied
from tests import factories


def test_kam_moves_stage_with_reason_and_history(key_account, kam):
    change = account_change_stage(
        account=key_account, to_stage=Stage.INTERDEPENDENT, reason="Signed 3-year deal", actor=kam
    )
    key_account.refresh_from_db()
    assert key_account.stage == Stage.INTERDEPENDENT
    assert change.from_stage == Stage.COOPERATIVE
    assert change.changed_by == kam
    assert key_account.stage_since == change.changed_at
    assert key_account.history.first().history_change_reason == "Stage: Signed 3-year deal"


def test_stage_change_needs_a_reason(key_account, kam):
    with pytest.raises(DomainError, match="reason"):
        account_change_stage(account=key_account, to_stage=Stage.STRATEGIC, reason="  ", actor=kam)
    key_account.refresh_from_db()
    assert key_account.stage == Stage.COOPERATIVE
    assert not StageChange.objects.exists()


def test_stage_change_to_the_same_stage_is_refused(key_account, kam):
    with pytest.raises(DomainError, match="already"):
        account_change_stage(account=key_account, to_stage=Stage.COOPERATIVE, reason="x", actor=kam)


def test_other_kam_cannot_move_the_stage(key_account, other_kam):
    with pytest.raises(PermissionDenied):
        account_change_stage(
            account=key_account, to_stage=Stage.STRATEGIC, reason="why not", actor=other_kam
        )
    key_account.refresh_from_db()
    assert key_account.stage == Stage.COOPERATIVE
    assert not StageChange.objects.exists()


def test_director_designates_a_key_account_with_its_kam(director, kam):
    account = factories.AccountFactory()
    change = account_designate(
        account=account,
        status=AccountStatus.KEY,
        kam=kam,
        reason="Top decile score",
        actor=director,
    )
    account.refresh_from_db()
    assert account.status == AccountStatus.KEY
    assert account.kam == kam
    assert account.designated_at is not None
    assert (change.from_status, change.to_status, change.to_kam) == ("standard", "key", kam)


def test_key_account_without_kam_is_refused(director):
    account = factories.AccountFactory()
    with pytest.raises(DomainError, match="key account manager"):
        account_designate(
            account=account, status=AccountStatus.KEY, kam=None, reason="r", actor=director
        )
    assert not DesignationChange.objects.exists()


def test_only_kams_can_be_assigned(director, operations):
    account = factories.AccountFactory()
    with pytest.raises(DomainError, match="not a key account manager"):
        account_designate(
            account=account, status=AccountStatus.KEY, kam=operations, reason="r", actor=director
        )


def test_kam_cannot_designate(kam):
    account = factories.AccountFactory()
    with pytest.raises(PermissionDenied):
        account_designate(account=account, status=AccountStatus.KEY, kam=kam, reason="r", actor=kam)
    account.refresh_from_db()
    assert account.status == AccountStatus.STANDARD


def test_removing_key_status_to_standard_drops_the_kam(director, key_account):
    account_designate(
        account=key_account,
        status=AccountStatus.STANDARD,
        kam=key_account.kam,
        reason="Bottom half for two years",
        actor=director,
    )
    key_account.refresh_from_db()
    assert key_account.status == AccountStatus.STANDARD
    assert key_account.kam is None


def test_kam_manages_own_team(key_account, kam):
    engineer = factories.UserFactory(username="eng")
    membership = team_member_add(
        account=key_account, user=engineer, functional_role="engineering", actor=kam
    )
    with pytest.raises(DomainError, match="already"):
        team_member_add(account=key_account, user=engineer, functional_role="rnd", actor=kam)
    team_member_remove(membership=membership, actor=kam)
    assert not key_account.team_memberships.exists()


def test_team_kam_cannot_change_the_team(key_account):
    team_kam = factories.KamFactory(username="tk")
    factories.TeamMembershipFactory(account=key_account, user=team_kam)
    with pytest.raises(PermissionDenied):
        team_member_add(
            account=key_account,
            user=factories.UserFactory(username="x"),
            functional_role="it",
            actor=team_kam,
        )


def test_a_designation_line_lists_only_what_changed(director, kam):
    from accounts.audit import AuditFilters, audit_entries, audit_rows
    from accounts.selectors.history import account_history

    account = factories.AccountFactory()
    account_designate(
        account=account,
        status=AccountStatus.CANDIDATE,
        kam=kam,
        reason="Shortlisted",
        actor=director,
    )
    account_designate(
        account=account, status=AccountStatus.KEY, kam=kam, reason="Approved", actor=director
    )

    lines = [e for e in account_history(account=account, limit=10) if e.subject == "Designation"]
    logged = [
        e for e in audit_entries(list(audit_rows(AuditFilters()))) if e.subject == "Designation"
    ]
    for entries in (lines, logged):
        newest, first = entries[0], entries[1]
        assert [(c.label, c.before, c.after) for c in newest.changes] == [
            ("Status", "Candidate", "Key account")
        ]
        assert [c.label for c in first.changes] == ["Status", "KAM"]
