"""A health score's component lines are no longer stored (one row per component and account,
1.1 million rows a run at 250,000 accounts): they are read from the health row's points with
the run's frozen components (scoring.engine.health.component_lines), the same expression the
score was computed with. A run whose frozen configuration lacks its components (started before
health existed) gets them from its stored lines first, so every stored explanation can still
be read after the table is dropped."""

from django.db import migrations


def freeze_components_from_stored_lines(apps, schema_editor):
    ScoringRun = apps.get_model("scoring", "ScoringRun")
    HealthComponentScore = apps.get_model("scoring", "HealthComponentScore")
    HealthComponent = apps.get_model("scoring", "HealthComponent")
    keys = dict(HealthComponent.objects.values_list("pk", "key"))
    stored = HealthComponentScore.objects.values_list("run_id", flat=True).distinct()
    for run in ScoringRun.objects.filter(pk__in=stored).order_by("pk"):
        config = run.health_config or {}
        if config.get("components"):
            continue
        weights = (
            HealthComponentScore.objects.filter(run_id=run.pk)
            .values_list("component_id", "weight")
            .distinct()
            .order_by("component_id")
        )
        config["components"] = [
            {"id": pk, "key": keys[pk], "weight": str(weight)}
            for pk, weight in weights
            if pk in keys
        ]
        run.health_config = config
        run.save(update_fields=["health_config"])


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0018_score_explanation_per_unit"),
    ]

    operations = [
        migrations.RunPython(freeze_components_from_stored_lines, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="healthcomponentscore",
            name="health_component_score_once",
        ),
        migrations.DeleteModel(
            name="HealthComponentScore",
        ),
    ]
