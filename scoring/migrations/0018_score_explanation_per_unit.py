"""A score's explanation stored as one row per unit and run (the criteria's lines in a JSON
array) instead of one CriterionScore row per criterion; the stored explanations are copied."""

import django.db.models.deletion
from django.db import migrations, models

import scoring.models

COPY_POSTGRESQL = """
INSERT INTO scoring_scoreexplanation (run_id, account_id, lines, attractiveness)
SELECT run_id, account_id,
       jsonb_agg(jsonb_build_array(criterion_id, raw, normalised, weight, contribution)
                 ORDER BY criterion_id),
       SUM(contribution)
FROM scoring_criterionscore
GROUP BY run_id, account_id
ORDER BY run_id, account_id
"""
COPY_SQLITE = """
INSERT INTO scoring_scoreexplanation (run_id, account_id, lines, attractiveness)
SELECT run_id, account_id, lines, attractiveness FROM (
    SELECT run_id, account_id,
           json_group_array(json_array(criterion_id, raw, normalised, weight, contribution))
               OVER every_line AS lines,
           ROUND(SUM(contribution) OVER every_line, 2) AS attractiveness,
           ROW_NUMBER() OVER (PARTITION BY run_id, account_id ORDER BY criterion_id) AS line
    FROM scoring_criterionscore
    WINDOW every_line AS (PARTITION BY run_id, account_id ORDER BY criterion_id
                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
) explained
WHERE line = 1
"""


def copy_explanations(apps, schema_editor):
    sql = COPY_POSTGRESQL if schema_editor.connection.vendor == "postgresql" else COPY_SQLITE
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0017_account_unit_census_by_stage_status"),
        ("scoring", "0017_category_revenue_without_fk_checks"),
    ]

    operations = [
        migrations.CreateModel(
            name="ScoreExplanation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("lines", models.JSONField(decoder=scoring.models.ExplanationDecoder)),
                ("attractiveness", models.DecimalField(decimal_places=2, max_digits=7)),
                (
                    "account",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.account",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="explanations",
                        to="scoring.scoringrun",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("run", "account"), name="score_explanation_once_per_run"
                    )
                ],
            },
        ),
        migrations.RunPython(copy_explanations, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="CriterionScore"),
    ]
