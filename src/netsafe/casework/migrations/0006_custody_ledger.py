"""The chain of custody becomes an append-only ledger whose entry one is the seizure.

Existing hand-overs keep their order (by time) and become entries 2, 3...;
before them each device gets a seizure entry: the giver of its first
hand-over is the person who held it since the seizure, so that person is
entry one's holder, at the seizure's place, just before that hand-over.
"""

from datetime import datetime, time, timedelta

import django.db.models.deletion
from django.utils import timezone
from django.conf import settings
from django.db import migrations, models


def number_the_ledgers(apps, schema_editor):
    CustodyEvent = apps.get_model("casework", "CustodyEvent")
    Device = apps.get_model("casework", "Device")
    with_custody = CustodyEvent.objects.values_list("device_id", flat=True).distinct()
    for device in Device.objects.filter(pk__in=with_custody).iterator():
        entries = list(CustodyEvent.objects.filter(device=device).order_by("at", "id"))
        for number, entry in enumerate(entries, 2):
            CustodyEvent.objects.filter(pk=entry.pk).update(number=number, kind="handover")
        first = entries[0]
        start = timezone.make_aware(datetime.combine(device.seized, time(0, 0)))
        seized_at = max(start, first.at - timedelta(minutes=1))
        if seized_at >= first.at:
            seized_at = first.at - timedelta(minutes=1)
        CustodyEvent.objects.create(
            device=device,
            force_id=device.force_id,
            number=1,
            kind="seizure",
            at=seized_at,
            received_by=first.handed_by or device.seized_by or "not recorded",
            location=device.seized_where or first.location,
            reason="Seized (entry added when the chain of custody became a ledger)",
        )


class Migration(migrations.Migration):
    # Not one transaction: on PostgreSQL the seizure entries written by number_the_ledgers
    # leave deferred foreign-key checks pending, and the constraints added after them
    # would then be refused ("pending trigger events"). Each step commits on its own.
    atomic = False

    dependencies = [
        ("accounts", "0002_welsh_forces_and_roles"),
        ("casework", "0005_partial_and_figure_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="custodyevent",
            options={
                "ordering": ["device", "number"],
                "verbose_name": "chain-of-custody entry",
                "verbose_name_plural": "chain of custody",
            },
        ),
        migrations.AddField(
            model_name="custodyevent",
            name="body",
            field=models.CharField(
                blank=True,
                help_text="For example a forensic provider or the court.",
                max_length=150,
                verbose_name="outside body",
            ),
        ),
        migrations.AddField(
            model_name="custodyevent",
            name="body_reference",
            field=models.CharField(
                blank=True, max_length=80, verbose_name="outside body's reference"
            ),
        ),
        migrations.AddField(
            model_name="custodyevent",
            name="corrects",
            field=models.ForeignKey(
                blank=True,
                help_text="The entry this one corrects.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="corrections",
                to="casework.custodyevent",
            ),
        ),
        migrations.AddField(
            model_name="custodyevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("seizure", "Seizure"),
                    ("handover", "Hand-over"),
                    ("correction", "Correction"),
                ],
                default="handover",
                max_length=10,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="custodyevent",
            name="number",
            field=models.PositiveIntegerField(
                default=0, help_text="1 is the seizure.", verbose_name="entry"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="custodyevent",
            name="receiver",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="received by (user)",
            ),
        ),
        migrations.AddField(
            model_name="custodyevent",
            name="recorded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="custodyevent",
            name="device",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="custody",
                to="casework.device",
            ),
        ),
        migrations.AlterField(
            model_name="custodyevent",
            name="handed_by",
            field=models.CharField(blank=True, max_length=150, verbose_name="handed over by"),
        ),
        migrations.AlterField(
            model_name="custodyevent",
            name="received_by",
            field=models.CharField(max_length=150, verbose_name="received by"),
        ),
        migrations.RunPython(number_the_ledgers, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="custodyevent",
            constraint=models.UniqueConstraint(
                fields=("device", "number"), name="casework_custody_number"
            ),
        ),
    ]
