"""Celery tasks: thin, each fetches its input and calls the sync service.

Arguments and results carry account sids only: keys and tokens are read
from the environment by the worker, never sent through the broker.
"""

from celery import shared_task
from django.conf import settings

from exoinventory.numbers.models import SyncRun
from exoinventory.numbers.services.sync import configured_accounts, exophones_sync

# A sync of 100,000 numbers at 50 requests/minute needs about 20 minutes for
# the listing alone; past the soft limit the sync stops, rolls back and is
# recorded as failed, and the hard limit ends a worker that does not stop.
SOFT_TIME_LIMIT = 55 * 60
HARD_TIME_LIMIT = 60 * 60


def _interval_seconds() -> int:
    return settings.SYNC_INTERVAL_MINUTES * 60


@shared_task(name="numbers.sync_all_accounts", ignore_result=True)
def sync_all_accounts() -> list[str]:
    """The beat tick: one sync_account task per configured account."""
    sids = [account.sid for account in configured_accounts()]
    for sid in sids:
        # A tick still queued after one interval is stale (the next tick is
        # due): it expires rather than piling up behind workers that were down.
        sync_account.apply_async(args=[sid], expires=_interval_seconds())
    return sids


@shared_task(
    name="numbers.sync_account",
    ignore_result=True,
    # Late acks: a worker that dies mid-sync leaves the task queued for
    # another. Safe only because a sync is idempotent and atomic per account.
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=HARD_TIME_LIMIT,
)
def sync_account(account_sid: str) -> str:
    """Sync one account; return the run's outcome (no secret in the result)."""
    accounts = {account.sid: account for account in configured_accounts()}
    account = accounts.get(account_sid)
    if account is None:
        # Removed from EXOTEL_ACCOUNTS since the tick: nothing to do.
        return "unknown account"
    run = exophones_sync(account=account, trigger=SyncRun.Trigger.SCHEDULE)
    return run.outcome
