"""Celery tasks: thin, each fetches its input and calls a service.

Two cadences (numbers.cadence): beat sends `list_all_accounts` every
LISTING_INTERVAL_MINUTES and `sweep_all_accounts` every SYNC_INTERVAL_MINUTES;
each fans out one task per configured account. The webhook of Exotel's
Heartbeat queues `observe_heartbeat` for a large account. Arguments and
results carry account sids (and a heartbeat's number sids) only: keys,
tokens and webhook secrets are read from the environment by the worker,
never sent through the broker.
"""

from celery import Task, shared_task
from django.conf import settings

from exoinventory.exotel.accounts import ExotelAccount
from exoinventory.exotel.heartbeat import HeartbeatReport
from exoinventory.numbers.models import SyncRun
from exoinventory.numbers.services.listing import exophones_list
from exoinventory.numbers.services.sweep import connectivity_sweep
from exoinventory.numbers.services.sync import configured_accounts

# Past the soft limit a run stops, rolls back and is recorded as failed; the
# hard limit ends a worker that does not stop. The limits follow the
# intervals (settings), and the broker's visibility timeout is above them, so
# a running task is never handed out twice.
GRACE_SECONDS = 300

# Late acks: a worker that dies mid-run leaves the task queued for another.
# Safe only because a listing, a sweep and a heartbeat's observation are
# idempotent and atomic per account.
_LATE_ACKS = {"ignore_result": True, "acks_late": True, "reject_on_worker_lost": True}


def _fan_out(task: Task, interval_minutes: int) -> list[str]:
    sids = [account.sid for account in configured_accounts()]
    for sid in sids:
        # A task still queued after one interval is stale (the next is due):
        # it expires rather than piling up behind workers that were down.
        task.apply_async(args=[sid], expires=interval_minutes * 60)
    return sids


def _configured(account_sid: str) -> ExotelAccount | None:
    return {account.sid: account for account in configured_accounts()}.get(account_sid)


@shared_task(name="numbers.list_all_accounts", ignore_result=True)
def list_all_accounts() -> list[str]:
    """The listing tick: one list_account task per configured account."""
    return _fan_out(list_account, settings.LISTING_INTERVAL_MINUTES)


@shared_task(name="numbers.sweep_all_accounts", ignore_result=True)
def sweep_all_accounts() -> list[str]:
    """The sweep tick: one sweep_account task per configured account."""
    return _fan_out(sweep_account, settings.SYNC_INTERVAL_MINUTES)


@shared_task(
    name="numbers.list_account",
    soft_time_limit=settings.LISTING_TIME_LIMIT_SECONDS,
    time_limit=settings.LISTING_TIME_LIMIT_SECONDS + GRACE_SECONDS,
    **_LATE_ACKS,
)
def list_account(account_sid: str) -> str:
    """List one account, paced; return the run's outcome (no secret in it)."""
    account = _configured(account_sid)
    if account is None:
        # Removed from EXOTEL_ACCOUNTS since the tick: nothing to do.
        return "unknown account"
    return exophones_list(account=account, trigger=SyncRun.Trigger.SCHEDULE, paced=True).outcome


@shared_task(
    name="numbers.sweep_account",
    soft_time_limit=settings.SWEEP_TIME_LIMIT_SECONDS,
    time_limit=settings.SWEEP_TIME_LIMIT_SECONDS + GRACE_SECONDS,
    **_LATE_ACKS,
)
def sweep_account(account_sid: str) -> str:
    """Sweep one allotment of one account; return the run's outcome."""
    account = _configured(account_sid)
    if account is None:
        return "unknown account"
    return connectivity_sweep(account=account, trigger=SyncRun.Trigger.SCHEDULE).outcome


@shared_task(
    name="numbers.observe_heartbeat",
    soft_time_limit=settings.SWEEP_TIME_LIMIT_SECONDS,
    time_limit=settings.SWEEP_TIME_LIMIT_SECONDS + GRACE_SECONDS,
    **_LATE_ACKS,
)
def observe_heartbeat(account_sid: str, report: dict[str, object]) -> str:
    """Observe the numbers of a large account's heartbeat (HeartbeatReport.as_message),
    which the webhook already made the account's last."""
    # Imported here: services.heartbeat queues this task (a cycle at import time).
    from exoinventory.numbers.services.heartbeat import heartbeat_observe

    if _configured(account_sid) is None:
        return "unknown account"
    outcome = heartbeat_observe(
        account_sid=account_sid, report=HeartbeatReport.from_message(report)
    )
    return "observed" if outcome.recorded else "superseded or observed already"
