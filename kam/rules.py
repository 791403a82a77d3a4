"""The one permission module: who may read and write what (DOMAIN.md, "People (roles)").

Views, the admin, the API and tasks all ask `user.has_perm(<perm>, obj)`; the querysets'
`visible_to(user)` methods use the same role helpers, so a list never shows what a detail denies.

Roles: Key account manager (serves accounts as their KAM or as a team member), Sales director
(reads everything, sets selection, designates, approves plans), Operations (account basics and
commitments only), Administrator (superuser or the Administrator group: everything).
"""

from __future__ import annotations

from typing import Any

import rules

KAM_GROUP = "Key account manager"
DIRECTOR_GROUP = "Sales director"
OPERATIONS_GROUP = "Operations"
ADMIN_GROUP = "Administrator"

ROLE_BY_GROUP = {
    KAM_GROUP: "kam",
    DIRECTOR_GROUP: "director",
    OPERATIONS_GROUP: "operations",
    ADMIN_GROUP: "admin",
}


def roles_of(user: Any) -> frozenset[str]:
    """The role names of a user, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_kam_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = {ROLE_BY_GROUP[name] for name in names if name in ROLE_BY_GROUP}
        if user.is_superuser:
            cached.add("admin")
        cached = frozenset(cached)
        user._kam_roles = cached
    return cached


# Who may sit on an account's team: the functional staff (no role: they read only the accounts
# whose teams they are on), key account managers (backing up another KAM) and sales directors
# (executive sponsors). Not operations, who read account basics and commitments and nothing else
# (a team place would open the account's details and plan to them), nor administrators, who keep
# the system rather than serve a customer. Inactive people are on no new team.
TEAM_GROUPS = (KAM_GROUP, DIRECTOR_GROUP)
TEAM_ROLES = frozenset(ROLE_BY_GROUP[group] for group in TEAM_GROUPS)

# Who is told that a plan waits for approval: the sales directors (administrators may approve
# too, but the programme's approvals are the directors' work).
PLAN_APPROVER_GROUPS = (DIRECTOR_GROUP,)


def director_group_filter(prefix: str = "") -> dict[str, str]:
    """Filter keywords that pick the sales directors among users (`prefix` for a relation):
    who is told of the whole portfolio's news, e.g. a key account's health falling."""
    return {f"{prefix}groups__name": DIRECTOR_GROUP}


def may_join_a_team(user: Any) -> bool:
    """Whether `user` may be put on an account's team (the picker lists the same people:
    accounts.selectors `team_candidates`)."""
    if not user.is_active:
        return False
    roles = roles_of(user)
    return not roles or bool(roles & TEAM_ROLES)


def sees_whole_portfolio(user: Any) -> bool:
    """Directors and administrators read every account and everything on it."""
    return bool(roles_of(user) & {"director", "admin"})


def sees_every_account(user: Any) -> bool:
    """Directors, administrators and operations read every account's basics and every
    commitment (the querysets' `visible_to`); everyone else only what they serve."""
    return bool(roles_of(user) & {"director", "admin", "operations"})


def sees_scores_of_visible_accounts(user: Any) -> bool:
    """Whether every account the user may see may carry its score in a list: yes for those who
    read the whole portfolio and for KAMs (their visible accounts are those they serve); no for
    operations, who see every account but no score."""
    return sees_whole_portfolio(user) or "operations" not in roles_of(user)


def starts_on_commitments(user: Any) -> bool:
    """Operations' day starts on the commitments board (directors' on the portfolio)."""
    return "operations" in roles_of(user) and not sees_whole_portfolio(user)


def is_key_account_manager(user: Any) -> bool:
    """In the KAM group: the only people who may be an account's dedicated KAM."""
    return "kam" in roles_of(user)


def account_of(obj: Any) -> Any:
    """The account an object belongs to (an Account, or anything with .account or .plan)."""
    if obj is None:
        return None
    if obj.__class__.__name__ == "Account":
        return obj
    if hasattr(obj, "account_id"):
        return obj.account
    if hasattr(obj, "plan_id"):
        return obj.plan.account
    if hasattr(obj, "commitment_id"):
        return obj.commitment.account
    raise TypeError(f"{obj!r} does not belong to an account")


def serves_account(user: Any, account: Any) -> bool:
    """True when the user is the account's KAM or a member of its team, or of the team of a
    group above it."""
    if account is None or not getattr(user, "is_authenticated", False):
        return False
    if account.kam_id == user.pk:
        return True
    cache = getattr(user, "_kam_served", None)
    if cache is None:
        cache = user._kam_served = {}
    if account.pk not in cache:
        if getattr(account, "parent_id", None) is None:
            cache[account.pk] = account.team_memberships.filter(user_id=user.pk).exists()
        else:
            # a member of a group is served by the people of the groups above it
            served = type(account)._default_manager.served_by(user)
            cache[account.pk] = served.filter(pk=account.pk).exists()
    return cache[account.pk]


@rules.predicate
def is_admin(user: Any) -> bool:
    return "admin" in roles_of(user)


@rules.predicate
def is_director(user: Any) -> bool:
    return "director" in roles_of(user)


@rules.predicate
def is_kam(user: Any) -> bool:
    return "kam" in roles_of(user)


@rules.predicate
def is_operations(user: Any) -> bool:
    return "operations" in roles_of(user)


@rules.predicate
def serves(user: Any, obj: Any) -> bool:
    return serves_account(user, account_of(obj))


@rules.predicate
def is_accounts_kam(user: Any, obj: Any) -> bool:
    account = account_of(obj)
    return account is not None and account.kam_id == user.pk


@rules.predicate
def owns_action(user: Any, obj: Any) -> bool:
    """The user is the action's owner (`obj` an Action: anything with an `owner_id`)."""
    return obj is not None and getattr(obj, "owner_id", None) == user.pk


reads_everything = is_admin | is_director
kam_serving = is_kam & serves
has_a_role = is_admin | is_director | is_kam | is_operations

# The product's own pages beside the data: the Django admin and the audit log.
rules.add_perm("kam.administer", is_admin)

# Accounts: basics are visible to operations too; everything else only to the account's people.
rules.add_perm("accounts.view_account", reads_everything | is_operations | serves)
rules.add_perm("accounts.view_account_details", reads_everything | serves)
rules.add_perm("accounts.change_account", reads_everything)
rules.add_perm("accounts.designate_account", reads_everything)
rules.add_perm("accounts.change_stage", is_admin | kam_serving)
rules.add_perm("accounts.change_team", is_admin | is_director | (is_kam & is_accounts_kam))
rules.add_perm("accounts.view_contact", reads_everything | serves)
rules.add_perm("accounts.change_contact", is_admin | kam_serving)
rules.add_perm("accounts.view_salesline", reads_everything | serves)
rules.add_perm("accounts.change_salesline", is_admin)
rules.add_perm("accounts.view_activity", reads_everything | serves)
rules.add_perm("accounts.change_activity", is_admin)
rules.add_perm("accounts.import_data", is_admin | is_director)
# Interactions (meetings and calls with the DMU): read like contacts; recorded by the people who
# meet the customer, the account's KAM and team (whatever their role), and administrators.
# Operations sit on no team (may_join_a_team), so they never record one.
rules.add_perm("accounts.view_interaction", reads_everything | serves)
rules.add_perm("accounts.record_interaction", is_admin | serves)

# Plans: never seen outside the account's people and the directors.
rules.add_perm("plans.view_plan", reads_everything | serves)
rules.add_perm("plans.change_plan", is_admin | kam_serving)
rules.add_perm("plans.approve_plan", reads_everything)
# Archiving takes a plan out of the programme: directors and administrators, never its KAMs.
rules.add_perm("plans.archive_plan", reads_everything)
# An action's progress (status, due date, a progress note): its KAMs, and its owner while they
# serve the account, a team member without the KAM role too; nothing else of the plan.
rules.add_perm("plans.progress_action", is_admin | kam_serving | (owns_action & serves))

# The plan shared with the customer: a personal link per DMU contact, made by the plan's KAMs.
rules.add_perm("plans.share_plan", is_admin | kam_serving)

# Opportunities are the plan's pipeline: changed by the KAMs who change the plan, read with it.
rules.add_perm("plans.change_opportunity", is_admin | kam_serving)

# Commitments: operations read all and record measurements; KAMs propose; directors set.
rules.add_perm("plans.view_commitment", reads_everything | is_operations | serves)
rules.add_perm("plans.change_commitment", reads_everything | kam_serving)
rules.add_perm("plans.record_measurement", is_admin | is_operations)
# The lists of the navigation: every action of the user's plans; every commitment they may see.
rules.add_perm("plans.view_action_list", reads_everything | is_kam)
# The plans list (the directors' approval queue; a KAM's own plans and their states).
rules.add_perm("plans.view_plan_list", reads_everything | is_kam)
rules.add_perm("plans.view_commitment_board", has_a_role)

# Scoring: directors own selection; KAMs rate the accounts they serve and see their scores.
rules.add_perm("scoring.view_score", reads_everything | serves)
rules.add_perm("scoring.rate_account", is_admin | kam_serving)
rules.add_perm("scoring.change_spend_estimate", is_admin | is_director | kam_serving)
rules.add_perm("scoring.view_score_list", reads_everything | is_kam)
rules.add_perm("scoring.view_portfolio", reads_everything)
rules.add_perm("scoring.change_criterion", reads_everything)
# Health weights, bands, the early warning and the investment-fit thresholds.
rules.add_perm("scoring.change_warning_settings", reads_everything)
rules.add_perm("scoring.start_run", reads_everything)
rules.add_perm("scoring.view_costrate", reads_everything)
rules.add_perm("scoring.change_costrate", is_admin)
# The business review pack: the customer-facing one for whoever reads the plan; the internal
# one (cost to serve, net profit, scores, warnings, the DMU's attitudes) only for who sees the
# account's economics; every key account's packs at once for who reads the whole portfolio.
rules.add_perm("scoring.make_review_pack", reads_everything | serves)
rules.add_perm("scoring.make_internal_pack", reads_everything | serves)
rules.add_perm("scoring.export_all_packs", reads_everything)
