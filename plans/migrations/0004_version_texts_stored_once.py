"""PlanText: a plan's long texts stored once, named by digest in its versions' snapshots.

Every version copied every section inline, so each one-line save copied the whole plan. The
data step moves the long texts of every existing version into PlanText (each once per plan)
and leaves references in their place: the versions read exactly as before. Backwards, it puts
every text back inline. The format is plans.selectors.plans' (INLINE_TEXT, TEXT_REF,
_text_slots), copied here so that this migration does not change when that code does.
"""

import hashlib

import django.db.models.deletion
from django.db import migrations, models

BATCH = 100  # versions at a time: a version may hold nine sections of 50,000 characters
INLINE_TEXT = 100
TEXT_REF = "sha256"


def _text_slots(snapshot):
    sections = snapshot.get("sections", {})
    for kind in sections:
        yield sections, kind
    for part in ("solutions", "actions"):
        for item in snapshot.get(part, []):
            if "description" in item:
                yield item, "description"


def _batches(PlanVersion):
    last = 0
    while True:
        batch = list(
            PlanVersion.objects.filter(pk__gt=last).order_by("pk").only("pk", "plan", "snapshot")[
                :BATCH
            ]
        )
        if not batch:
            return
        last = batch[-1].pk
        yield batch


def store_texts_once(apps, schema_editor):
    PlanVersion = apps.get_model("plans", "PlanVersion")
    PlanText = apps.get_model("plans", "PlanText")
    for batch in _batches(PlanVersion):
        texts = {}
        changed = []
        for version in batch:
            slots = [
                (holder, key)
                for holder, key in _text_slots(version.snapshot)
                if isinstance(holder[key], str) and len(holder[key]) > INLINE_TEXT
            ]
            for holder, key in slots:
                digest = hashlib.sha256(holder[key].encode()).hexdigest()
                texts[(version.plan_id, digest)] = holder[key]
                holder[key] = {TEXT_REF: digest}
            if slots:
                changed.append(version)
        PlanText.objects.bulk_create(
            [PlanText(plan_id=plan_id, digest=digest, body=body) for (plan_id, digest), body in texts.items()],
            ignore_conflicts=True,  # held by a version of an earlier batch
        )
        PlanVersion.objects.bulk_update(changed, ["snapshot"])


def put_texts_inline(apps, schema_editor):
    PlanVersion = apps.get_model("plans", "PlanVersion")
    PlanText = apps.get_model("plans", "PlanText")
    for batch in _batches(PlanVersion):
        refs = [
            (version, holder, key)
            for version in batch
            for holder, key in _text_slots(version.snapshot)
            if isinstance(holder[key], dict)
        ]
        rows = PlanText.objects.filter(
            plan_id__in={version.plan_id for version, _, _ in refs},
            digest__in={holder[key][TEXT_REF] for _, holder, key in refs},
        ).values_list("plan_id", "digest", "body")
        texts = {(plan_id, digest): body for plan_id, digest, body in rows}
        for version, holder, key in refs:
            holder[key] = texts[(version.plan_id, holder[key][TEXT_REF])]
        PlanVersion.objects.bulk_update({version.pk: version for version, _, _ in refs}.values(), ["snapshot"])


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0003_long_texts_bounded'),
    ]

    operations = [
        migrations.CreateModel(
            name='PlanText',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(help_text='SHA-256 of the text, in hex', max_length=64)),
                ('body', models.TextField()),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='plans.plan')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('plan', 'digest'), name='plan_text_once_per_plan')],
            },
        ),
        migrations.RunPython(store_texts_once, put_texts_inline),
    ]
