"""The time of an arrest, which starts the custody clock."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0007_unique_exhibit_refs"),
    ]

    operations = [
        migrations.AddField(
            model_name="arrest",
            name="time",
            field=models.TimeField(blank=True, null=True, verbose_name="time of arrest"),
        ),
    ]
