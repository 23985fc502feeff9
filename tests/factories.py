"""Small factories for the tests: realistic defaults, every field overridable."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from django.contrib.auth.models import Group, Permission, User

from exoinventory.numbers.models import (
    Account,
    ConnectivityRun,
    Direction,
    ExoPhone,
    ExoPhoneChange,
    SyncRun,
)

# A fixed moment, so that times in tests read as dates rather than offsets.
T0 = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
_serial = count(1)


def make_account(*, sid: str = "acme", **fields: Any) -> Account:
    fields.setdefault("api_host", "api.in.exotel.com")
    return Account.objects.create(sid=sid, **fields)


def restart_serial() -> None:
    """Count the factories' sids, numbers and names from 1 again: for a
    dataset built twice (two databases) that must come out the same."""
    global _serial
    _serial = count(1)


def make_exophone(*, account: Account | None = None, **fields: Any) -> ExoPhone:
    """An ExoPhone as a sync would have stored it, in Delhi, with a voice flow."""
    n = next(_serial)
    defaults: dict[str, Any] = {
        "sid": f"0113958{n:04d}",
        "phone_number": f"+9111395{n:05d}",
        "friendly_name": f"Line {n}",
        "voice_capable": True,
        "sms_capable": False,
        "country": "IN",
        "region": "DL",
        "one_time_price": Decimal("0.000000"),
        "rental_price": Decimal("499.000000"),
        "incoming_rate": Decimal("0.000000"),
        "incoming_pulse": 60,
        "currency": "INR",
        "number_type": "Landline",
        "vanity_number": False,
        "voice_url": f"https://my.exotel.com/acme/exoml/start_voice/{n}",
        "sms_url": None,
        "uri": f"/v2/accounts/acme/incoming-phone-numbers/0113958{n:04d}",
        "date_created": T0 - timedelta(days=400),
        "date_updated": T0 - timedelta(days=30),
        "incoming_status": "active",
        "outgoing_status": "active",
        # Observed at T0: fresh while a test's clock stands near T0 (the
        # freshness rule, selectors.freshness), "no data" once it moves on.
        "connectivity_observed_at": T0,
        "connectivity_attempted_at": T0,
        "first_seen": T0 - timedelta(days=30),
        "last_seen": T0,
    }
    return ExoPhone.objects.create(
        account=account or Account.objects.first() or make_account(), **{**defaults, **fields}
    )


def make_sync_run(*, account: Account, kind: str = SyncRun.Kind.LISTING, **fields: Any) -> SyncRun:
    """A finished, successful listing (or sweep, with `kind`) that started at T0."""
    defaults: dict[str, Any] = {
        "kind": kind,
        "trigger": SyncRun.Trigger.SCHEDULE,
        "started_at": T0,
        "finished_at": T0 + timedelta(seconds=20),
        "outcome": SyncRun.Outcome.SUCCESS,
        "listing_complete": kind == SyncRun.Kind.LISTING,
    }
    return SyncRun.objects.create(account=account, **{**defaults, **fields})


def make_change(
    *, exophone: ExoPhone, field: str = "voice_url", old: str | None, new: str | None, **fields: Any
) -> ExoPhoneChange:
    """A sync's change record, of a run of its own unless `sync_run` is given;
    with `source="local"` and `user`, a local edit's (no sync run)."""
    local = fields.get("source") == ExoPhoneChange.Source.LOCAL
    if not local and "sync_run" not in fields:
        fields["sync_run"] = make_sync_run(account=exophone.account)
    if local and "user" in fields:
        fields.setdefault("user_name", fields["user"].get_username())
    fields.setdefault("observed_at", T0)
    return ExoPhoneChange.objects.create(
        exophone=exophone, field=field, old_value=old, new_value=new, **fields
    )


def make_connectivity_run(
    *,
    exophone: ExoPhone,
    status: str,
    first: datetime,
    last: datetime,
    direction: Direction = Direction.INCOMING,
    **fields: Any,
) -> ConnectivityRun:
    return ConnectivityRun.objects.create(
        exophone=exophone,
        direction=direction,
        status=status,
        first_observed_at=first,
        last_observed_at=last,
        **fields,
    )


# The Support group's permissions (migrations 0003 and 0007), for tests that
# give them directly: a transactional test's flush removes the groups the
# migrations made, and a browser test after one cannot rely on them.
SUPPORT_PERMISSIONS = (
    "numbers.view_exophone",
    "numbers.view_account",
    "numbers.view_circle",
    "numbers.view_outage_report",
    "numbers.view_connectivityrun",
    "numbers.edit_notes",
)


def make_user(
    username: str,
    *,
    groups: tuple[str, ...] = (),
    permissions: tuple[str, ...] = (),
    is_staff: bool = True,
    is_superuser: bool = False,
) -> User:
    """A user with the named groups (from the roles migration) and
    `app_label.codename` permissions; logs in with PASSWORD."""
    user = User.objects.create_user(
        username, password=PASSWORD, is_staff=is_staff, is_superuser=is_superuser
    )
    user.groups.set(Group.objects.filter(name__in=groups))
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user
