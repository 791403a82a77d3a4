"""Explanation lines kept as PostgreSQL `json` rather than `jsonb` (scoring.models
WrittenJSONField): the run builds them with json_agg, a third of jsonb_agg's cost, and the app
reads them whole. The existing rows convert through PostgreSQL's assignment cast; SQLite keeps
JSON as text either way."""

from django.db import migrations

import scoring.models


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0019_health_component_lines_read_from_the_row"),
    ]

    operations = [
        migrations.AlterField(
            model_name="scoreexplanation",
            name="lines",
            field=scoring.models.WrittenJSONField(decoder=scoring.models.ExplanationDecoder),
        ),
    ]
