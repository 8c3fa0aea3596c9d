from django.core.exceptions import ValidationError
from django.db import migrations, models

from netsafe.casework import normalise


def fill_handles(apps, schema_editor):
    """Every online account's handle, as ``Identifier.derive_keys`` computes it."""
    Identifier = apps.get_model("casework", "Identifier")
    accounts = Identifier.objects.filter(kind="account").only("pk", "value").order_by("pk")
    batch = []
    for ident in accounts.iterator(chunk_size=2000):
        try:
            ident.handle = normalise.account(ident.value)
        except ValidationError:
            continue  # an empty handle was refused when it was saved; nothing to find
        batch.append(ident)
        if len(batch) == 2000:
            Identifier.objects.bulk_update(batch, ["handle"])
            batch = []
    Identifier.objects.bulk_update(batch, ["handle"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_language"),
        ("casework", "0009_assessment_draft"),
    ]

    operations = [
        migrations.AddField(
            model_name="identifier",
            name="handle",
            field=models.CharField(blank=True, default="", editable=False, max_length=300),
        ),
        migrations.RunPython(fill_handles, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="identifier",
            index=models.Index(
                condition=models.Q(("kind", "account")),
                fields=["handle"],
                name="casework_identifier_handle",
            ),
        ),
    ]
