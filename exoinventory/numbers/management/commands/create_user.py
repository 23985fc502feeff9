"""python manage.py create_user USERNAME --role finance|support|auditor [--email E]:
a staff login in one of the groups of DESIGN.md's "Roles"."""

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

# Role as typed → the group the roles migration (0003_roles) created.
ROLES = {"finance": "Finance", "support": "Support", "auditor": "Auditor"}
# Read rather than taken as an argument, so the password stays out of the
# shell history and the process list.
PASSWORD_VARIABLE = "EXOINVENTORY_PASSWORD"  # noqa: S105 - a variable name


def _one_line(error: ValidationError) -> str:
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Create a staff user in the Finance, Support or Auditor group. The password is "
        f"read from {PASSWORD_VARIABLE} if set; otherwise one is generated and printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        # Checked by handle(), for a one-line error rather than argparse's usage text.
        parser.add_argument("--role", required=True, help="finance, support or auditor")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, username: str, role: str, email: str, **options: Any) -> None:
        User = get_user_model()
        group_name = ROLES.get(role.lower())
        if group_name is None:
            raise CommandError(f"unknown role {role!r}: choose finance, support or auditor")
        try:
            User._meta.get_field(User.USERNAME_FIELD).clean(username, None)
            if email:
                validate_email(email)
        except ValidationError as error:
            raise CommandError(_one_line(error)) from None
        if User._default_manager.filter(**{User.USERNAME_FIELD: username}).exists():
            raise CommandError(f"a user named {username!r} already exists")
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            raise CommandError(f"no {group_name} group: run 'manage.py migrate' first")

        given = os.environ.get(PASSWORD_VARIABLE, "")
        password = given or secrets.token_urlsafe(12)
        user = User(**{User.USERNAME_FIELD: username}, email=email, is_staff=True)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(f"{PASSWORD_VARIABLE}: {_one_line(error)}") from None
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
                user.groups.add(group)
        except IntegrityError:  # created by someone else since the check above
            raise CommandError(f"a user named {username!r} already exists") from None

        created = f"Created {username} in the {group_name} group"
        if given:
            self.stdout.write(f"{created}, with the password from {PASSWORD_VARIABLE}.")
        else:
            self.stdout.write(f"{created}. Password: {password}  (shown only this once)")
