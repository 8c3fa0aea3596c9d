"""Register the four Welsh forces and create a group for every role."""

from django.db import migrations

FORCES = [
    # slug, name, contact desk, relative size (share of the operation's work)
    ("south-wales", "South Wales Police", "NetSafe desk, South Wales Police, Bridgend", 42),
    ("gwent", "Gwent Police", "NetSafe desk, Gwent Police, Cwmbran", 17),
    ("dyfed-powys", "Dyfed-Powys Police", "NetSafe desk, Dyfed-Powys Police, Carmarthen", 19),
    ("north-wales", "North Wales Police", "NetSafe desk, North Wales Police, Colwyn Bay", 22),
]

ROLES = [
    "officer",
    "supervisor",
    "examiner",
    "safeguarding",
    "analyst",
    "operation-lead",
    "admin",
    "call-handler",
    "helpline-supervisor",
    "charity-analyst",
]


def forward(apps, schema_editor):
    Force = apps.get_model("accounts", "Force")
    Group = apps.get_model("auth", "Group")
    for slug, name, contact, weight in FORCES:
        Force.objects.update_or_create(
            slug=slug, defaults={"name": name, "contact": contact, "weight": weight}
        )
    for role in ROLES:
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
