"""The Finance, Support and Auditor groups of DESIGN.md's "Roles".

Permissions are frozen here, as data: changing a role later is a new
migration, so that every database converges on the same groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ_NUMBERS = ["view_exophone", "view_account", "view_circle"]
ROLES = {
    "Finance": [*READ_NUMBERS, "view_cost_report", "export_numbers"],
    "Support": [*READ_NUMBERS, "view_outage_report", "view_connectivityrun"],
    "Auditor": [*READ_NUMBERS, "view_flow_report", "view_exophonechange", "view_syncrun"],
}


def add_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them
    # now so the groups can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="numbers", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"missing permissions for the {name} group")
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("numbers", "0002_circles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(add_roles, remove_roles)]
