"""Reads about sync runs: how fresh the inventory is."""

from collections.abc import Collection
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min, OuterRef, Subquery

from exoinventory.numbers.models import Account, SyncRun

# The inventory is stale when its last good sync is older than this many sync
# intervals: two missed ticks are a slow sync or a restart, the third is not.
STALE_AFTER_INTERVALS = 3


def stale_after() -> timedelta:
    """How old a last good sync may be before the inventory counts as stale."""
    return timedelta(minutes=STALE_AFTER_INTERVALS * settings.SYNC_INTERVAL_MINUTES)


def last_good_sync_by_account() -> dict[str, datetime | None]:
    """Account sid → start of its last successful sync (None: never), in one query.

    The start is the time the sync observed Exotel at: its changes and
    connectivity runs are stamped with it. Used by the admin index warning
    and /healthz.
    """
    # A correlated LIMIT 1 per account walks the syncrun_last_good index
    # instead of aggregating a year of runs.
    last_good = SyncRun.objects.filter(
        account=OuterRef("pk"), outcome=SyncRun.Outcome.SUCCESS
    ).order_by("-started_at")
    rows = Account.objects.annotate(
        last_good=Subquery(last_good.values("started_at")[:1])
    ).values_list("sid", "last_good")
    return dict(rows)


def first_sync_by_account(sids: Collection[str]) -> dict[str, datetime]:
    """Account sid → start of its first sync run of any outcome, in one query.

    Asked only for accounts with no good sync (by /healthz), so the usual
    check, where every account has synced once, never scans the history.
    """
    if not sids:
        return {}
    rows = (
        SyncRun.objects.filter(account__sid__in=sids)
        .values("account__sid")
        .annotate(first=Min("started_at"))
        .values_list("account__sid", "first")
    )
    return dict(rows)
