"""Auditors export the number inventory (DESIGN.md "Roles": Auditor — numbers
read-only, flows, change history, numbers export), which 0003 left out.
"""

from django.db import migrations

from exoinventory.numbers.migrations._grants import grant, revoke

GRANTS = {"Auditor": ["export_numbers"]}


class Migration(migrations.Migration):
    dependencies = [
        ("numbers", "0007_local_edit_roles"),
    ]
    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: grant(apps, GRANTS),
            lambda apps, schema_editor: revoke(apps, GRANTS),
        )
    ]
