"""A commitment's next due date is stored by the evaluator (plans.services.commitments_evaluate)
with its status, so the ops board orders by a column instead of reading every commitment's
latest measurement at each request. The existing commitments get theirs here, by the rule of
plans.status.commitment_next_due as it stands at this migration."""

import datetime as dt
from decimal import Decimal

from django.db import migrations, models
from django.utils import timezone


def store_next_due(apps, schema_editor):
    Commitment = apps.get_model("plans", "Commitment")
    Measurement = apps.get_model("plans", "Measurement")
    # The latest measurement: the greatest period end, then the latest recorded, then the id.
    latest: dict[int, tuple[Decimal, dt.date]] = {}
    for commitment_id, value, period_end in Measurement.objects.order_by(
        "commitment_id", "-period_end", "-recorded_at", "-pk"
    ).values_list("commitment_id", "value", "period_end"):
        latest.setdefault(commitment_id, (value, period_end))
    rows = []
    for commitment in Commitment.objects.only(
        "comparison", "due_date", "cadence_days", "created_at"
    ).order_by("pk"):
        measured = latest.get(commitment.pk)
        if commitment.comparison == "due":
            delivered = measured is not None and measured[0] >= 1
            commitment.next_due = None if delivered else commitment.due_date
        else:
            start = timezone.localdate(commitment.created_at) if measured is None else measured[1]
            commitment.next_due = start + dt.timedelta(days=commitment.cadence_days)
        rows.append(commitment)
    Commitment.objects.bulk_update(rows, ["next_due"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0012_plan_waiting_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="next_due",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(store_next_due, migrations.RunPython.noop),
    ]
