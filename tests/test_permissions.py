"""The whole role matrix of DOMAIN.md, asked of the one rules module (kam/rules.py).

Rows: anonymous, a KAM of another account, the account's own KAM, a team member who is a KAM,
the sales director, operations, an administrator. Columns: every kind of object x read/write.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Account
from plans.models import Commitment, Plan
from tests import factories

ROLES = ["anonymous", "other_kam", "own_kam", "team_kam", "director", "operations", "admin"]

# perm -> the roles that hold it on the account's objects (every other role is denied).
MATRIX = {
    "accounts.view_account": {"own_kam", "team_kam", "director", "operations", "admin"},
    "accounts.view_account_details": {"own_kam", "team_kam", "director", "admin"},
    "accounts.change_account": {"director", "admin"},
    "accounts.designate_account": {"director", "admin"},
    "accounts.change_stage": {"own_kam", "team_kam", "admin"},
    "accounts.change_team": {"own_kam", "director", "admin"},
    "accounts.view_contact": {"own_kam", "team_kam", "director", "admin"},
    "accounts.change_contact": {"own_kam", "team_kam", "admin"},
    "accounts.view_salesline": {"own_kam", "team_kam", "director", "admin"},
    "accounts.change_salesline": {"admin"},
    "accounts.view_activity": {"own_kam", "team_kam", "director", "admin"},
    "accounts.change_activity": {"admin"},
    "plans.view_plan": {"own_kam", "team_kam", "director", "admin"},
    "plans.change_plan": {"own_kam", "team_kam", "admin"},
    "plans.approve_plan": {"director", "admin"},
    "plans.archive_plan": {"director", "admin"},
    "plans.view_commitment": {"own_kam", "team_kam", "director", "operations", "admin"},
    "plans.change_commitment": {"own_kam", "team_kam", "director", "admin"},
    "plans.record_measurement": {"operations", "admin"},
    "scoring.view_score": {"own_kam", "team_kam", "director", "admin"},
    "scoring.rate_account": {"own_kam", "team_kam", "admin"},
}

# Portfolio-wide permissions, asked without an object.
GLOBAL_MATRIX = {
    "scoring.view_portfolio": {"director", "admin"},
    "scoring.change_criterion": {"director", "admin"},
    "scoring.start_run": {"director", "admin"},
    "scoring.view_costrate": {"director", "admin"},
    "scoring.change_costrate": {"admin"},
    "accounts.import_data": {"director", "admin"},
}


@pytest.fixture
def world(db):
    own_kam = factories.KamFactory(username="own-kam")
    account = factories.KeyAccountFactory(kam=own_kam)
    team_kam = factories.KamFactory(username="team-kam")
    factories.TeamMembershipFactory(account=account, user=team_kam)
    other_kam = factories.KamFactory(username="other-kam")
    factories.KeyAccountFactory(kam=other_kam)
    plan = factories.PlanFactory(account=account)
    return {
        "users": {
            "anonymous": AnonymousUser(),
            "other_kam": other_kam,
            "own_kam": own_kam,
            "team_kam": team_kam,
            "director": factories.DirectorFactory(username="dir"),
            "operations": factories.OperationsFactory(username="ops"),
            "admin": factories.AdminFactory(username="root"),
        },
        "objects": {
            "account": account,
            "contact": factories.ContactFactory(account=account),
            "plan": plan,
            "action": factories.ActionFactory(plan=plan),
            "section": factories.PlanSectionFactory(plan=plan),
            "commitment": factories.CommitmentFactory(account=account, plan=plan),
            "sales_line": factories.SalesLineFactory(account=account),
        },
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("perm", sorted(MATRIX))
@pytest.mark.parametrize("kind", ["account", "contact", "plan", "action", "section", "commitment"])
def test_object_permission_matrix(world, role, perm, kind):
    user = world["users"][role]
    obj = world["objects"][kind]
    assert user.has_perm(perm, obj) is (role in MATRIX[perm])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("perm", sorted(GLOBAL_MATRIX))
def test_portfolio_permission_matrix(world, role, perm):
    assert world["users"][role].has_perm(perm) is (role in GLOBAL_MATRIX[perm])


def test_kam_cannot_read_another_kams_plan(world):
    other_kam = world["users"]["other_kam"]
    plan = world["objects"]["plan"]
    assert not other_kam.has_perm("plans.view_plan", plan)
    assert not Plan.objects.visible_to(other_kam).filter(pk=plan.pk).exists()


@pytest.mark.parametrize(
    ("role", "sees_plan", "sees_account", "sees_commitment"),
    [
        ("anonymous", False, False, False),
        ("other_kam", False, False, False),
        ("own_kam", True, True, True),
        ("team_kam", True, True, True),
        ("director", True, True, True),
        ("operations", False, True, True),
        ("admin", True, True, True),
    ],
)
def test_visible_querysets_agree_with_the_rules(
    world, role, sees_plan, sees_account, sees_commitment
):
    user = world["users"][role]
    objects = world["objects"]
    assert Plan.objects.visible_to(user).filter(pk=objects["plan"].pk).exists() is sees_plan
    assert (
        Account.objects.visible_to(user).filter(pk=objects["account"].pk).exists() is sees_account
    )
    commitment = objects["commitment"]
    assert Commitment.objects.visible_to(user).filter(pk=commitment.pk).exists() is sees_commitment
    # The querysets and the rules must say the same thing about each object.
    assert user.has_perm("plans.view_plan", objects["plan"]) is sees_plan
    assert user.has_perm("accounts.view_account", objects["account"]) is sees_account
    assert user.has_perm("plans.view_commitment", commitment) is sees_commitment


def test_inactive_user_has_no_role(world):
    director = world["users"]["director"]
    director.is_active = False
    director.save()
    director = type(director).objects.get(pk=director.pk)
    assert not director.has_perm("accounts.view_account", world["objects"]["account"])
