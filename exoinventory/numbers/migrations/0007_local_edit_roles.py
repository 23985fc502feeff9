"""Finance edits owner and cost centre, Support edits notes (DESIGN.md "Roles").

A new migration rather than a change to 0003: databases that already hold
the groups gain the permissions too.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Finance": ["edit_owner_and_cost_centre"],
    "Support": ["edit_notes"],
}


def _permissions(apps, codenames):
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="numbers", codename__in=codenames
    )
    if permissions.count() != len(codenames):
        raise RuntimeError(f"missing permissions {codenames}")
    return permissions


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create the
    # new ones now so the groups can hold them on any database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(apps, codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="numbers", codename__in=codenames
        )
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("numbers", "0006_local_edits"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
