"""The Django admin: every model of accounts, plans and scoring, usable at any data volume."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import (
    Account,
    AccountStatus,
    ApiToken,
    Contact,
    DesignationChange,
    ImportJob,
    Interaction,
    SalesLine,
    Stage,
    StageChange,
    User,
)
from kam import rules as kam_rules
from plans.models import (
    Action,
    ActionNote,
    Commitment,
    CommitmentStatusChange,
    Notification,
    Objective,
    Opportunity,
    Plan,
    PlanSection,
    PlanShare,
    PlanShareOpening,
    PlanShareResponse,
    PlanText,
    PlanVersion,
    Solution,
)
from scoring.models import (
    AccountScore,
    CategoryRevenue,
    Criterion,
    GroupSnapshot,
    HealthComponent,
    HealthScore,
    InvestmentWarning,
    MetricEntry,
    MetricKind,
    MetricSnapshot,
    PackExport,
    ScoreExplanation,
    ScoringRun,
    SpendEstimate,
    WarningSettings,
)
from tests import factories
from tests.portfolio.builders import explain

APPS = ["accounts", "plans", "scoring"]
# Computed results and append-only records: administrators read them, nobody edits them here.
VIEW_ONLY = {
    ApiToken,
    ImportJob,
    ScoringRun,
    AccountScore,
    ScoreExplanation,
    MetricSnapshot,
    GroupSnapshot,
    # Health and investment fit: computed by the run; their settings change on their own page.
    HealthComponent,
    WarningSettings,
    HealthScore,
    InvestmentWarning,
    StageChange,
    DesignationChange,
    Interaction,
    PlanVersion,
    PlanText,
    CommitmentStatusChange,
    ActionNote,
    PackExport,
    PlanShare,
    PlanShareOpening,
    PlanShareResponse,
    # A plan and its content change only through plans.services, which keep the lifecycle.
    Plan,
    PlanSection,
    Objective,
    Solution,
    Action,
    Opportunity,
    SpendEstimate,
    CategoryRevenue,
}
WITH_HISTORY = {
    "Account",
    "Contact",
    "Plan",
    "Action",
    "Commitment",
    "CostRate",
    "Criterion",
    "HealthComponent",
    "WarningSettings",
    "Opportunity",
    "SpendEstimate",
}
# Tables that grow with the business: a plain <select> of them would list every row.
BIG_TABLES = {Account, SalesLine, User, Plan, Commitment, Contact}


def domain_models():
    return [
        model
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
    ]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def one_of_everything(kam):
    """At least one row in every admin's table, so changelists render real rows."""
    account = factories.KeyAccountFactory(kam=kam)
    factories.TeamMembershipFactory(account=account)
    factories.ContactFactory(account=account, relationship_owner=kam)
    factories.SalesLineFactory(account=account)
    factories.ActivityFactory(account=account)
    factories.CostRateFactory()
    factories.RatingFactory(account=account, rated_by=kam)
    plan = factories.PlanFactory(account=account)
    factories.PlanSectionFactory(plan=plan)
    factories.ObjectiveFactory(plan=plan)
    action = factories.ActionFactory(plan=plan)
    ActionNote.objects.create(action=action, author=kam, text="Booked the workshop")
    Solution.objects.create(plan=plan, title="Vendor-managed inventory", value_measure="days")
    PlanVersion.objects.create(plan=plan, number=1, snapshot={"title": plan.title})
    PlanText.objects.create(plan=plan, digest="0" * 64, body="A long text of a version")
    commitment = factories.CommitmentFactory(account=account, plan=plan)
    factories.MeasurementFactory(commitment=commitment)
    category = factories.ProductCategoryFactory(name="Bearings")
    factories.OpportunityFactory(plan=plan, category=category)
    SpendEstimate.objects.create(
        account=account, category=category, year=2026, estimated_spend=1000, source="customer"
    )
    CommitmentStatusChange.objects.create(commitment=commitment, from_status="due", to_status="met")
    Notification.objects.create(recipient=kam, subject="Commitment met", dedupe_key="k-1")
    contact = factories.ContactFactory(account=account)
    share = PlanShare.objects.create(
        plan=plan, contact=contact, digest="1" * 64, created_by=kam, expires_at=timezone.now()
    )
    PlanShareOpening.objects.create(share=share)
    PlanShareResponse.objects.create(share=share, action=plan.actions.get(), kind="ack")
    PackExport.objects.create(audience="customer", fmt="pdf", created_by=kam, content=b"ZIP")
    StageChange.objects.create(
        account=account, from_stage=Stage.TACTICAL, to_stage=Stage.COOPERATIVE, reason="r"
    )
    DesignationChange.objects.create(
        account=account,
        from_status=AccountStatus.CANDIDATE,
        to_status=AccountStatus.KEY,
        to_kam=kam,
        reason="r",
    )
    run = ScoringRun.objects.create(
        status="succeeded",
        trigger="command",
        as_of=dt.date(2026, 6, 30),
        finished_at=timezone.now(),
    )
    CategoryRevenue.objects.create(run=run, account=account, category="Bearings", revenue=10)
    AccountScore.objects.create(
        run=run,
        account=account,
        attractiveness=Decimal("60"),
        relative_strength=Decimal("40"),
        quadrant="star",
        rank=1,
        stage=account.stage,
        status=account.status,
    )
    criterion = Criterion.objects.get(key="revenue")
    explain(run, account, [(criterion, Decimal("1"), Decimal("50"), Decimal("10"), Decimal("5"))])
    MetricEntry.objects.create(
        account=account,
        period_start=dt.date(2026, 4, 1),
        metric=MetricKind.SATISFACTION,
        value=Decimal("80"),
    )
    MetricSnapshot.objects.create(account=account, period_start=dt.date(2026, 4, 1), run=run)
    GroupSnapshot.objects.create(account=account, period_start=dt.date(2026, 4, 1), run=run)
    HealthScore.objects.create(
        run=run, account=account, as_of=run.as_of, score=Decimal("55"), band="amber",
        coverage_points=0, attitude_points=0, recency_points=0, stage=account.stage,
    )  # fmt: skip
    InvestmentWarning.objects.create(
        run=run, account=account, rule="over_served", value=Decimal("30"), threshold=Decimal("20")
    )
    ImportJob.objects.create(kind="customers", file_name="customers.csv", content=b"SECRET-BYTES")
    ApiToken.objects.create(user=kam, name="BI export", prefix="kam_abcdefgh", digest="0" * 64)
    Interaction.objects.create(
        account=account, occurred_on=dt.date(2026, 4, 2), kind="call", subject="Forecast"
    ).contacts.set(account.contacts.all())
    return account


def test_every_model_of_the_domain_apps_is_registered():
    registered = set(admin.site._registry)

    missing = [model.__name__ for model in domain_models() if model not in registered]

    assert missing == []


def test_models_with_history_use_the_history_admin():
    with_history_admin = {
        model.__name__
        for model in domain_models()
        if isinstance(admin.site._registry[model], SimpleHistoryAdmin)
    }

    assert with_history_admin == WITH_HISTORY


def test_no_admin_renders_a_plain_select_of_a_big_table():
    """Every editable FK or M2M to a growing table is an autocomplete or raw-id widget."""
    offenders = []
    for model in domain_models():
        if model in VIEW_ONLY:
            continue  # rendered read-only: no widgets at all
        model_admin = admin.site._registry[model]
        inlines = [inline(model, admin.site) for inline in model_admin.inlines]
        for each in [model_admin, *inlines]:
            widgets = {*each.autocomplete_fields, *each.raw_id_fields, *each.readonly_fields}
            for field in each.model._meta.get_fields():
                if (
                    isinstance(field, (models.ForeignKey, models.ManyToManyField))
                    and field.editable
                    and field.related_model in BIG_TABLES
                    # An inline's link to its parent is set by the parent, not chosen.
                    and not (each is not model_admin and field.related_model is model)
                    and field.name not in widgets
                ):
                    offenders.append(f"{each.model.__name__}.{field.name}")

    assert offenders == []


@pytest.mark.parametrize("model", domain_models(), ids=lambda model: model.__name__)
def test_superuser_opens_changelist_search_add_and_change_pages(
    client, admin_user, one_of_everything, model
):
    client.force_login(admin_user)
    model_admin = admin.site._registry[model]
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, "the fixture should create one row of every model"

    assert client.get(admin_url(model, "changelist")).status_code == 200
    assert model_admin.search_fields, "every changelist is searchable"
    assert client.get(admin_url(model, "changelist"), {"q": "x"}).status_code == 200
    assert client.get(admin_url(model, "change", obj.pk)).status_code == 200
    add = client.get(admin_url(model, "add"))
    assert add.status_code == (403 if model in VIEW_ONLY else 200)


@pytest.mark.parametrize("model", [ScoringRun, AccountScore, StageChange], ids=lambda m: m.__name__)
def test_computed_and_append_only_records_cannot_be_edited(
    client, admin_user, one_of_everything, model
):
    client.force_login(admin_user)
    obj = model._default_manager.first()
    before = model._default_manager.count()

    posted = client.post(admin_url(model, "delete", obj.pk), {"post": "yes"})

    assert posted.status_code == 403
    assert model._default_manager.count() == before


def test_import_job_page_never_shows_the_uploaded_bytes(client, admin_user, one_of_everything):
    job = ImportJob.objects.get()
    client.force_login(admin_user)

    html = client.get(admin_url(ImportJob, "change", job.pk)).content.decode()

    assert "customers.csv" in html
    assert "SECRET-BYTES" not in html


@pytest.mark.parametrize("model_name", sorted(WITH_HISTORY))
def test_history_page_opens(client, admin_user, one_of_everything, model_name):
    model = next(m for m in domain_models() if m.__name__ == model_name)
    obj = model._default_manager.first()
    client.force_login(admin_user)

    response = client.get(admin_url(model, "history", obj.pk))

    assert response.status_code == 200


def test_contact_add_page_does_not_list_accounts(client, admin_user):
    accounts = factories.AccountFactory.create_batch(3)
    client.force_login(admin_user)

    html = client.get(admin_url(Contact, "add")).content.decode()

    select = html[html.index('<select name="account"') :]
    select = select[: select.index("</select>")]
    assert "admin-autocomplete" in select
    assert "<option" not in select  # accounts are fetched as the administrator types
    assert not any(account.name in html for account in accounts)


def test_account_search_finds_by_erp_code_and_name(client, admin_user):
    factories.AccountFactory(name="Findable AG", erp_code="ERP-1")
    factories.AccountFactory(name="Other AG", erp_code="ERP-2")
    client.force_login(admin_user)

    by_code = client.get(admin_url(Account, "changelist"), {"q": "erp-1"})
    by_name = client.get(admin_url(Account, "changelist"), {"q": "findable"})

    assert [a.name for a in by_code.context["cl"].result_list] == ["Findable AG"]
    assert [a.name for a in by_name.context["cl"].result_list] == ["Findable AG"]


def test_a_staff_director_cannot_use_the_admin(client, director):
    director.is_staff = True
    director.save()
    client.force_login(director)

    assert client.get(admin_url(Account, "changelist")).status_code == 403
    assert client.get(admin_url(Criterion, "changelist")).status_code == 403


def test_a_staff_member_of_the_administrator_group_uses_the_admin(client, db):
    user = factories.UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=kam_rules.ADMIN_GROUP))
    client.force_login(user)

    assert client.get(admin_url(Account, "changelist")).status_code == 200
    assert client.get(admin_url(Account, "add")).status_code == 200


def test_sales_lines_are_searched_through_their_account_or_exact_document(client, admin_user):
    bosch = factories.AccountFactory(name="Bosch Rexroth", erp_code="C-100")
    other = factories.AccountFactory(name="Zeiss", erp_code="C-200")
    factories.SalesLineFactory(account=bosch, erp_document="INV-1")
    factories.SalesLineFactory(account=bosch, erp_document="INV-2")
    factories.SalesLineFactory(account=other, erp_document="INV-3")
    client.force_login(admin_user)

    def documents(term):
        response = client.get(admin_url(SalesLine, "changelist"), {"q": term})
        return sorted(line.erp_document for line in response.context["cl"].result_list)

    assert documents("rexroth") == ["INV-1", "INV-2"]
    assert documents("c-200") == ["INV-3"]
    assert documents("INV-3") == ["INV-3"]
    assert documents("INV") == []  # documents match exactly, never by a scan of every line
