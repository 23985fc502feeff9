"""Local edits: the owner, cost centre and notes that people here keep on a number.

No sync touches these fields. Each changed field of each number is a change
record beside the sync's (source "local", the user, old and new value), and
each field needs its own permission (DESIGN.md "Roles"): Finance edits owner
and cost centre, Support edits notes, superusers all three, nobody else any.
"""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from exoinventory.numbers.models import LOCAL_FIELDS, ExoPhone, ExoPhoneChange
from exoinventory.numbers.services.bulk import bulk_insert_rows, bulk_update_rows

User = AbstractBaseUser | AnonymousUser

# The permission that lets a user edit each local field.
FIELD_PERMISSIONS: dict[str, str] = {
    "owner": "numbers.edit_owner_and_cost_centre",
    "cost_centre": "numbers.edit_owner_and_cost_centre",
    "notes": "numbers.edit_notes",
}


def exophone_editable_fields(*, user: User) -> tuple[str, ...]:
    """The local fields `user` may edit, in LOCAL_FIELDS order; superusers all."""
    return tuple(name for name in LOCAL_FIELDS if user.has_perm(FIELD_PERMISSIONS[name]))


def _require(user: User, fields: Iterable[str]) -> None:
    allowed = exophone_editable_fields(user=user)
    refused = [name for name in fields if name not in allowed]
    if refused:
        raise PermissionDenied(f"{user.get_username() or 'anonymous'} may not edit {refused}")


def _clean(name: str, value: str) -> str:
    # The model field's own checks (a string, at most max_length): the
    # admin's forms ran them already, other callers may not have.
    return ExoPhone._meta.get_field(name).clean(value, None)


def _record(
    *, exophone_id: int, user: User, name: str, old: str, new: str, at: datetime
) -> ExoPhoneChange:
    return ExoPhoneChange(
        exophone_id=exophone_id,
        field=name,
        # Null is "was empty", as in the sync's records.
        old_value=old or None,
        new_value=new or None,
        observed_at=at,
        source=ExoPhoneChange.Source.LOCAL,
        sync_run=None,
        user=user,
        user_name=user.get_username(),
    )


@transaction.atomic
def exophone_local_edit(
    *, exophone: ExoPhone, user: User, changes: dict[str, str]
) -> list[ExoPhoneChange]:
    """Set local fields of one number and record each one that changed.

    Old values are read from the database under a row lock, not from
    `exophone` (the admin's form has already set the new values on it).
    Raises PermissionDenied, before writing anything, for a field the user
    may not edit."""
    _require(user, changes)
    values = {name: _clean(name, value) for name, value in changes.items()}
    for name, value in values.items():
        setattr(exophone, name, value)
    if not values:
        return []
    stored = ExoPhone.objects.select_for_update().values(*values).get(pk=exophone.pk)
    changed = {name: value for name, value in values.items() if stored[name] != value}
    if not changed:
        return []
    ExoPhone.objects.filter(pk=exophone.pk).update(**changed)
    now = timezone.now()
    records = [
        _record(exophone_id=exophone.pk, user=user, name=name, old=stored[name], new=value, at=now)
        for name, value in changed.items()
    ]
    bulk_insert_rows(records)
    return records


@transaction.atomic
def exophones_bulk_set(*, exophones: QuerySet[ExoPhone], user: User, field: str, value: str) -> int:
    """Set one local field of many numbers; returns how many numbers changed
    (those that already had the value are left alone and not recorded).

    The same few queries for ten numbers or a hundred thousand."""
    _require(user, [field])
    value = _clean(field, value)
    # Selected again by key: the caller's queryset (the admin's list) may
    # carry DISTINCT or annotations that FOR UPDATE refuses. Locked in key
    # order, so two bulk edits cannot deadlock.
    phones = list(
        ExoPhone.objects.filter(pk__in=exophones.values("pk"))
        .exclude(**{field: value})
        .select_for_update()
        .order_by("pk")
        .only("pk", field)
    )
    if not phones:
        return 0
    now = timezone.now()
    records = [
        _record(
            exophone_id=phone.pk,
            user=user,
            name=field,
            old=getattr(phone, field),
            new=value,
            at=now,
        )
        for phone in phones
    ]
    for phone in phones:
        setattr(phone, field, value)
    bulk_update_rows(phones, [field])
    bulk_insert_rows(records)
    return len(phones)
