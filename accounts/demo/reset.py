"""`seed_demo --reset`: remove the portfolio and the demo users, keep configuration.

Removed: every table of the domain's data (accounts and all that hangs off them, sales lines,
activities, activity types, cost rates, ratings, scores and runs, effectiveness entries and
snapshots, plans, commitments, service teams, notifications, data-import jobs whose rows
are gone), their history tables, any table
of another app that points at them, and the users the seeder created. Kept: selection criteria
and their weights (the director's configuration), role groups, and every user added by hand.
"""

from __future__ import annotations

import contextlib

from django.apps import apps
from django.db import connection, models
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_model_for_model

from accounts.demo.people import DEMO_EMAIL_DOMAIN
from accounts.demo.volumes import run_pending_checks
from accounts.models import Account, User

DOMAIN_DATA = (
    "accounts.Account",
    "accounts.StageChange",
    "accounts.DesignationChange",
    "accounts.TeamMembership",
    "accounts.Contact",
    "accounts.SalesLine",
    "accounts.ActivityType",
    "accounts.Activity",
    "accounts.ImportJob",
    "plans.Plan",
    "plans.PlanSection",
    "plans.PlanVersion",
    "plans.Objective",
    "plans.Solution",
    "plans.Action",
    "plans.ServiceTeam",
    "plans.Commitment",
    "plans.Measurement",
    "plans.CommitmentStatusChange",
    "plans.Notification",
    "scoring.CostRate",
    "scoring.Rating",
    "scoring.ScoringRun",
    "scoring.AccountScore",
    "scoring.ScoreExplanation",
    "scoring.MetricEntry",
    "scoring.MetricSnapshot",
)


def domain_tables() -> list[type[models.Model]]:
    """The domain's data models, their history models, and (transitively) every model that
    has a foreign key to one of them, auto-created many-to-many tables included."""
    wiped = {apps.get_model(label) for label in DOMAIN_DATA}
    for model in list(wiped):
        with contextlib.suppress(NotHistoricalModelError):
            wiped.add(get_history_model_for_model(model))
    grew = True
    while grew:
        grew = False
        for model in apps.get_models(include_auto_created=True):
            if model in wiped or model is User:
                continue
            targets = {
                f.related_model
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model is not None
            }
            if targets & wiped:
                wiped.add(model)
                grew = True
    return sorted(wiped, key=lambda m: m._meta.label)


def wipe_demo() -> tuple[int, int]:
    """Delete the portfolio and the demo users; returns (accounts, users) removed. Runs inside
    the caller's transaction, so a failed rebuild leaves the old portfolio in place."""
    accounts = Account.objects.count()
    tables = [m._meta.db_table for m in domain_tables()]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE is instant on millions of rows and transactional in PostgreSQL.
            run_pending_checks(cursor)
            cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {quote(table)}")
    _, deleted = User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").delete()
    return accounts, deleted.get(User._meta.label, 0)
