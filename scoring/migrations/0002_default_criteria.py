from decimal import Decimal

from django.db import migrations

# The starting point of DOMAIN.md's selection score; directors change weights in the workbench.
DEFAULT_CRITERIA = [
    # key, label, kind, source, weight
    ("revenue", "Revenue, trailing 12 months", "computed", "revenue", "15"),
    ("contribution", "Contribution after cost to serve", "computed", "contribution", "15"),
    ("revenue_growth", "Revenue growth", "computed", "revenue_growth", "10"),
    ("turnover", "Customer size (turnover)", "computed", "turnover", "5"),
    ("category_spend", "Spend in our category", "computed", "category_spend", "5"),
    ("headroom", "Headroom in category spend", "computed", "headroom", "10"),
    ("market_growth", "Customer's market growth", "computed", "market_growth", "5"),
    ("strategic_value", "Strategic and reference value", "rated", "", "10"),
    ("geographic_fit", "Geographic fit", "rated", "", "5"),
    ("pays_for_value", "Willingness to pay for value", "rated", "", "5"),
    ("invests_in_relationship", "Prepared to invest in the relationship", "rated", "", "5"),
    ("innovation_partner", "Partner in innovation / early adopter", "rated", "", "5"),
    ("attack_target", "Competitor-held account we decided to attack", "rated", "", "5"),
]


def create_criteria(apps, schema_editor):
    Criterion = apps.get_model("scoring", "Criterion")
    for position, (key, label, kind, source, weight) in enumerate(DEFAULT_CRITERIA):
        Criterion.objects.get_or_create(
            key=key,
            defaults={
                "label": label,
                "kind": kind,
                "source": source,
                "weight": Decimal(weight),
                "position": position,
            },
        )


def remove_criteria(apps, schema_editor):
    keys = [row[0] for row in DEFAULT_CRITERIA]
    apps.get_model("scoring", "Criterion").objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]

    operations = [migrations.RunPython(create_criteria, remove_criteria)]
