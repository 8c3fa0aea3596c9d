"""Second opinions to review on review items; the PDQ of banked pictures, filled in from
the items graded before (any copy whose triage computed one)."""

from django.db import migrations, models


def bank_pdq(apps, schema_editor):
    entry = apps.get_model("examination", "BankEntry")
    image = apps.get_model("examination", "ReviewImage")
    for pk, sha1 in entry.objects.filter(pdq="").values_list("pk", "sha1").iterator():
        pdq = (
            image.objects.filter(sha1=sha1, is_video=False)
            .exclude(pdq="")
            .values_list("pdq", flat=True)
            .first()
        )
        if pdq:
            entry.objects.filter(pk=pk).update(pdq=pdq)


class Migration(migrations.Migration):
    dependencies = [
        ("examination", "0003_review_item_locator"),
    ]

    operations = [
        migrations.AddField(
            model_name="bankentry",
            name="pdq",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="reviewimage",
            name="second_opinion",
            field=models.CharField(
                blank=True,
                choices=[
                    ("A", "Category A"),
                    ("B", "Category B"),
                    ("C", "Category C"),
                    ("non-pertinent", "Non-pertinent"),
                ],
                help_text="A supervisor's second opinion that differs from the grade, awaiting "
                "the examiner's review; the grade is kept until the examiner grades the item "
                "again.",
                max_length=20,
            ),
        ),
        migrations.RunPython(bank_pdq, migrations.RunPython.noop),
    ]
