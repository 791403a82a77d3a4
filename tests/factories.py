"""factory-boy factories for every model the tests build."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.db.models import F

from accounts.models import (
    Account,
    AccountStatus,
    Activity,
    ActivityType,
    BuyingRole,
    Contact,
    FunctionalRole,
    ProductCategory,
    SalesLine,
    Stage,
    TeamMembership,
    User,
)
from kam import rules as kam_rules
from plans.models import (
    Action,
    ActionFamily,
    Commitment,
    CommitmentCategory,
    Comparison,
    Measurement,
    Objective,
    ObjectiveMetric,
    Opportunity,
    Plan,
    PlanSection,
    PlanVersion,
    SectionKind,
    ServiceTeam,
)
from plans.services.plans import FOLD_WINDOW, plan_create
from scoring.models import CostRate, Criterion, Rating


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw-for-tests-only")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        _join_group(self, create, extracted)


def _join_group(user, create, group_name):
    if create and group_name:
        user.groups.add(Group.objects.get(name=group_name))


class KamFactory(UserFactory):
    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        _join_group(self, create, extracted or kam_rules.KAM_GROUP)


class DirectorFactory(UserFactory):
    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        _join_group(self, create, extracted or kam_rules.DIRECTOR_GROUP)


class OperationsFactory(UserFactory):
    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        _join_group(self, create, extracted or kam_rules.OPERATIONS_GROUP)


class AdminFactory(UserFactory):
    is_superuser = True
    is_staff = True


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    erp_code = factory.Sequence(lambda n: f"C{n:06d}")
    name = factory.Sequence(lambda n: f"Customer {n} GmbH")
    industry = "Automotive"
    country = "DE"
    region = "DACH"
    turnover = Decimal("50000000.00")
    market_growth_pct = Decimal("3.00")
    category_spend = Decimal("2000000.00")
    status = AccountStatus.STANDARD
    stage = Stage.EXPLORATORY


class KeyAccountFactory(AccountFactory):
    status = AccountStatus.KEY
    kam = factory.SubFactory(KamFactory)
    stage = Stage.COOPERATIVE


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    account = factory.SubFactory(KeyAccountFactory)
    user = factory.SubFactory(KamFactory)
    functional_role = FunctionalRole.SALES


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(KeyAccountFactory)
    name = factory.Faker("name")
    title = "Head of Purchasing"
    function = "Purchasing"
    buying_role = BuyingRole.DECISION_MAKER
    influence = 4


class SalesLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesLine

    account = factory.SubFactory(AccountFactory)
    date = dt.date(2026, 6, 15)
    product_category = "Fasteners"
    quantity = Decimal("10.000")
    revenue = Decimal("1000.00")
    cost_of_goods = Decimal("600.00")
    erp_document = factory.Sequence(lambda n: f"INV{n:08d}")
    erp_line = 1


class ActivityTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"activity-{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())
    driver_unit = "visit"


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    account = factory.SubFactory(AccountFactory)
    activity_type = factory.SubFactory(ActivityTypeFactory)
    date = dt.date(2026, 6, 15)
    quantity = Decimal("1.000")


class CostRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostRate

    activity_type = factory.SubFactory(ActivityTypeFactory)
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 12, 31)
    cost_pool = Decimal("10000.00")
    driver_volume = Decimal("100.000")
    rate = factory.LazyAttribute(
        lambda o: (o.cost_pool / o.driver_volume).quantize(Decimal("0.0001"))
    )


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    account = factory.SubFactory(KeyAccountFactory)
    criterion = factory.LazyFunction(lambda: Criterion.objects.get(key="strategic_value"))
    value = 4


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    account = factory.SubFactory(KeyAccountFactory)
    title = factory.LazyAttribute(lambda o: f"Account plan {o.period_start.year}: {o.account.name}")
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 12, 31)
    review_date = dt.date(2026, 7, 1)


def saved_a_while_ago(plan):
    """Move the plan's versions back past the fold window, as if its last save was a while
    ago: the next content save writes a version of its own instead of folding into it."""
    PlanVersion.objects.filter(plan=plan).update(
        created_at=F("created_at") - FOLD_WINDOW - dt.timedelta(seconds=1)
    )


def started_plan(account, actor, **changes):
    """A plan started through the service, as a KAM would (every section, version 1, history):
    "Plan 2026" over the calendar year 2026, reviewed on 1 July 2026, unless `changes` differ."""
    fields = {
        "title": "Plan 2026",
        "period_start": dt.date(2026, 1, 1),
        "period_end": dt.date(2026, 12, 31),
        "review_date": dt.date(2026, 7, 1),
    }
    return plan_create(account=account, actor=actor, **{**fields, **changes})


class PlanSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanSection

    plan = factory.SubFactory(PlanFactory)
    kind = SectionKind.POSITION
    body = "Market leader in its segment; buys on total cost of ownership."


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    plan = factory.SubFactory(PlanFactory)
    metric = ObjectiveMetric.REVENUE
    target_value = Decimal("1500000.00")
    due_date = dt.date(2026, 12, 31)


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    plan = factory.SubFactory(PlanFactory)
    family = ActionFamily.PERSONAL_TRUST
    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.LazyAttribute(lambda o: o.plan.account.kam)
    due_date = dt.date(2026, 9, 30)


class ProductCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Category {n}")


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    plan = factory.SubFactory(PlanFactory)
    category = factory.SubFactory(ProductCategoryFactory)
    member = factory.LazyAttribute(lambda o: o.plan.account)
    estimated_value = Decimal("10000.00")
    probability = 50
    expected_close = dt.date(2026, 9, 30)
    owner = factory.LazyAttribute(lambda o: o.plan.account.kam)


class ServiceTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceTeam
        django_get_or_create = ("name",)

    name = "Logistics"


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment
        skip_postgeneration_save = True

    account = factory.SubFactory(KeyAccountFactory)
    category = CommitmentCategory.DELIVERY_RELIABILITY
    promise = "On-time delivery of at least 98%"
    comparison = Comparison.AT_LEAST
    target_value = Decimal("98.000")
    unit = "%"
    at_risk_margin = Decimal("1.000")
    responsible_team = factory.SubFactory(ServiceTeamFactory)

    class Params:
        # A one-off promise (`one_off=True`): kept by a date, with no target or unit; give it a
        # `due_date`.
        one_off = factory.Trait(comparison=Comparison.BY_DATE, target_value=None, unit="")

    @factory.post_generation
    def scheduled(obj, create, extracted, **kwargs):
        """The next due date the evaluator stores for a new commitment (whatever status the
        test gave it): the factories write what the services would."""
        store_next_due(obj)


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement
        skip_postgeneration_save = True

    commitment = factory.SubFactory(CommitmentFactory)
    value = Decimal("99.000")
    period_start = dt.date(2026, 10, 1)
    period_end = dt.date(2026, 10, 31)

    @factory.post_generation
    def scheduled(obj, create, extracted, **kwargs):
        """The commitment's next due date after this measurement, as the evaluator stores it."""
        store_next_due(obj.commitment)


def store_next_due(commitment: Commitment) -> None:
    """Store `commitment`'s next due date from its latest measurement, by the evaluator's rule
    (plans.status.commitment_next_due), without re-evaluating the status a test set."""
    from plans.selectors.commitments import commitments_with_latest, latest_measurement_of
    from plans.status import commitment_next_due

    if commitment.pk is None:
        return
    read = commitments_with_latest(Commitment.objects.filter(pk=commitment.pk)).first()
    commitment.next_due = commitment_next_due(read, latest_measurement_of(read))
    Commitment.objects.filter(pk=commitment.pk).update(next_due=commitment.next_due)
