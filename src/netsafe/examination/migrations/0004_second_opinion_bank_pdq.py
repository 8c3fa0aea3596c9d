"""Second opinions to review on review items; the PDQ of banked pictures, filled in from
the items graded before (any copy whose triage computed one)."""

from django.db import migrations, models


def bank_pdq(apps, schema_editor):
    entry = apps.get_model("examination", "BankEntry")
    image = apps.get_model("examination", "ReviewImage")
    # One read of the graded pictures' PDQ (not one query per entry: a bank may be large).
    pdqs = dict(
        image.objects.filter(is_video=False)
        .exclude(pdq="")
        .exclude(sha1="")
        .order_by("-id")
        .values_list("sha1", "pdq")
    )
    changed = []
    for banked in entry.objects.filter(pdq="").only("pk", "sha1").iterator():
        if banked.sha1 in pdqs:
            banked.pdq = pdqs[banked.sha1]
            changed.append(banked)
    entry.objects.bulk_update(changed, ["pdq"], batch_size=1000)


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
