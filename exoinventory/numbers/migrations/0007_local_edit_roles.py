"""Finance edits owner and cost centre, Support edits notes (DESIGN.md "Roles").

A new migration rather than a change to 0003: databases that already hold
the groups gain the permissions too.
"""

from django.db import migrations

from exoinventory.numbers.migrations._grants import grant, revoke

GRANTS = {
    "Finance": ["edit_owner_and_cost_centre"],
    "Support": ["edit_notes"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("numbers", "0006_local_edits"),
    ]
    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: grant(apps, GRANTS),
            lambda apps, schema_editor: revoke(apps, GRANTS),
        )
    ]
