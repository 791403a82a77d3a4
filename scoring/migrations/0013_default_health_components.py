from decimal import Decimal

from django.db import migrations

# The starting point of DOMAIN.md's relationship health; directors change the weights. Each rule
# is what scoring/engine/health.py computes (absolute 0-100 scales, never percentiles).
DEFAULT_COMPONENTS = [
    (
        "relationship",
        "Relationship",
        "30",
        "Mean of: DMU coverage % of influential contacts (none known: 0); decision makers' "
        "attitude 50 + 50 x (supporters - detractors) / decision makers (none known: 0); days "
        "since the last contact with a decision maker, 100 up to 30 days falling evenly to 0 at "
        "180 (never: 0); stage against the plan's target stage, 100 at or above it, 25 less per "
        "rung below, 0 when disengaging (no target stage: left out).",
    ),
    (
        "delivery",
        "Delivery",
        "25",
        "Active commitments with a status: met 100, at risk 50, breached 0, each weighted by how "
        "recently its status was set (last 90 days x1, last year x0.5, older x0.25). None, or "
        "all still due: no data, left out of the score.",
    ),
    (
        "plan",
        "Plan",
        "20",
        "Key accounts only (others: left out). Mean of: the current plan approved (approved or "
        "review overdue 100, revised awaiting re-approval 50, draft, submitted or none 0); review "
        "date not passed (100, else 0; no plan 0); 100 x (open actions - overdue) / open actions "
        "(no open action: left out).",
    ),
    (
        "value",
        "Value",
        "15",
        "Mean of: revenue growth vs the previous 12 months, 50 + 2.5 x growth % (+20% = 100, "
        "-20% = 0); share-of-wallet change, 50 + 5 x points; net margin % of the last four "
        "quarters against the four before, 50 + 5 x points; each held to 0-100 and left out "
        "without the figures (no previous revenue; no category spend, or one below our revenue).",
    ),
    (
        "voice",
        "Voice of the customer",
        "10",
        "Mean of the latest satisfaction, advocacy and retention entries (0-100, held to that "
        "range) dated on or before the run's day; none: left out of the score.",
    ),
]


def create_defaults(apps, schema_editor):
    HealthComponent = apps.get_model("scoring", "HealthComponent")
    for position, (key, label, weight, rule) in enumerate(DEFAULT_COMPONENTS):
        HealthComponent.objects.get_or_create(
            key=key,
            defaults={"label": label, "weight": Decimal(weight), "rule": rule, "position": position},
        )
    apps.get_model("scoring", "WarningSettings").objects.get_or_create(pk=1)


def remove_defaults(apps, schema_editor):
    keys = [row[0] for row in DEFAULT_COMPONENTS]
    apps.get_model("scoring", "HealthComponent").objects.filter(key__in=keys).delete()
    apps.get_model("scoring", "WarningSettings").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("scoring", "0012_health_and_investment_fit")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
