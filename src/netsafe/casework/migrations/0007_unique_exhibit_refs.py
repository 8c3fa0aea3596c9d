"""An exhibit reference names one exhibit in the operation.

Before the constraint, references used twice (in any capitalisation) are told
apart: the first device (by id) keeps its reference, each later one gets its
force and device reference added, ``UX/1 (gwent DEV-00012)``, so nothing is
lost and an officer can see which label to check.
"""

import django.db.models.functions.text
from django.db import migrations, models


def tell_duplicates_apart(apps, schema_editor):
    Device = apps.get_model("casework", "Device")
    seen: set[str] = set()
    rows = Device.objects.exclude(exhibit_ref="").order_by("id")
    for pk, exhibit, ref, force in rows.values_list("pk", "exhibit_ref", "ref", "force__slug"):
        key = exhibit.strip().upper()
        if key in seen:
            renamed = f"{exhibit.strip()} ({force} {ref})"[:40]
            Device.objects.filter(pk=pk).update(exhibit_ref=renamed)
            key = renamed.upper()
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_welsh_forces_and_roles"),
        ("casework", "0006_custody_ledger"),
    ]

    operations = [
        migrations.RunPython(tell_duplicates_apart, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="device",
            name="exhibit_ref",
            field=models.CharField(
                help_text="As on the exhibit label, for example JS/1: one exhibit per reference in the operation.",
                max_length=40,
                verbose_name="exhibit reference",
            ),
        ),
        migrations.AddConstraint(
            model_name="device",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Upper("exhibit_ref"),
                condition=models.Q(("exhibit_ref", ""), _negated=True),
                name="casework_device_unique_exhibit",
            ),
        ),
    ]
