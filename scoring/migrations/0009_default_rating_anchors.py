from django.db import migrations

# What 1 and 5 mean for each default rated criterion (0002_default_criteria), so that ratings
# by different KAMs are comparable; directors reword them on the workbench.
ANCHORS = {
    "strategic_value": (
        "A customer like many others: nobody would notice we serve them",
        "A reference that opens doors: named in our strategy, quoted by prospects",
    ),
    "geographic_fit": (
        "Sites far from our plants and service teams; every visit is a trip",
        "Sites where we already produce, deliver and service",
    ),
    "pays_for_value": (
        "Buys on price alone; every extra is a discount negotiation",
        "Pays for service, quality and innovation when we show their value",
    ),
    "invests_in_relationship": (
        "Gives us no time, data or access beyond the purchase order",
        "Shares plans and forecasts, opens its people and invests with us",
    ),
    "innovation_partner": (
        "Waits until a product is proven everywhere else",
        "Co-develops and trials our new products first",
    ),
    "attack_target": (
        "No decision to win this account from a competitor",
        "A decided attack: the competitor's account we put people on to win",
    ),
}


def set_anchors(apps, schema_editor):
    Criterion = apps.get_model("scoring", "Criterion")
    for key, (low, high) in ANCHORS.items():
        # Only where a director has not written anchors of their own.
        Criterion.objects.filter(key=key, kind="rated", anchor_low="").update(anchor_low=low)
        Criterion.objects.filter(key=key, kind="rated", anchor_high="").update(anchor_high=high)


class Migration(migrations.Migration):
    dependencies = [("scoring", "0008_criterion_rating_anchors")]

    operations = [migrations.RunPython(set_anchors, migrations.RunPython.noop)]
