"""Granting the role groups more permissions, for the data migrations that do
(0007, 0008). Not a migration itself: the loader skips modules starting with _.
"""

from django.contrib.auth.management import create_permissions


def _permissions(apps, codenames):
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="numbers", codename__in=codenames
    )
    if permissions.count() != len(codenames):
        raise RuntimeError(f"missing permissions {codenames}")
    return permissions


def grant(apps, grants):
    """Give each group (created if missing) its permissions."""
    # Permissions are normally created after all migrations ran; create the
    # new ones now so the groups can hold them on any database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    for name, codenames in grants.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(apps, codenames))


def revoke(apps, grants):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in grants.items():
        permissions = Permission.objects.filter(
            content_type__app_label="numbers", codename__in=codenames
        )
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*permissions)
