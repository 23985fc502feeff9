"""The life of a sync-run record, shared by the listing and the sweep: the
account's lock for the kind of run, the client, a failure as one line, and
how the outcome is told (DESIGN.md "Sync semantics" 6 and 7).
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import timezone

from exoinventory.exotel.accounts import ExotelAccount
from exoinventory.exotel.budget import PacedBudget, request_budget_for
from exoinventory.exotel.client import ExotelClient, ExotelError
from exoinventory.exotel.quoting import quoted
from exoinventory.exotel.records import SkippedRecord
from exoinventory.numbers.models import Account, SyncRun
from exoinventory.numbers.services.sync_lock import account_sync_lock

logger = logging.getLogger(__name__)

INTERRUPTED = "interrupted: the process stopped before the sync finished"
# A real sid is 32 hex digits; longer is not one, and is shown cut (quoted()).
SHOWN_SID_LIMIT = 64


def client_for(account: ExotelAccount, *, page_spacing: float | None = None) -> ExotelClient:
    """A client on the account's shared request budget; with `page_spacing`,
    also at least that many seconds between two requests (a paced listing)."""
    budget = request_budget_for(
        account.sid, limit=settings.EXOTEL_RATE_LIMIT_PER_MINUTE, redis_url=settings.REDIS_URL
    )
    if page_spacing:
        budget = PacedBudget(budget, spacing=page_spacing)
    return ExotelClient(account, budget=budget, listing_zone=settings.EXOTEL_LISTING_TIME_ZONE)


def _one_line(error: BaseException, account: ExotelAccount) -> str:
    """A failure as one line with no credential in it, whatever raised it."""
    text = str(error) if isinstance(error, ExotelError) else f"{type(error).__name__}: {error}"
    for secret in (account.token, account.key):
        if secret:
            text = text.replace(secret, "***")
    return " ".join(text.split())[:500]


def _named(sid: str | None) -> str:
    """A skipped item's sid as a log line may show it: Exotel sent it, and a
    1 MB sid, or one with a newline or a NUL, must not be copied in whole."""
    if not sid:
        return "an item"
    if len(sid) <= SHOWN_SID_LIMIT and sid.isprintable():
        return sid
    return quoted(sid)


def log_skipped(run: SyncRun, skipped: Iterable[SkippedRecord]) -> None:
    for record in skipped:
        logger.warning("%s %s skipped %s: %s", run.kind, run.pk, _named(record.sid), record.reason)


def count_emptied(run: SyncRun, emptied: Iterable[str]) -> None:
    """Record how many values of each field were unreadable and stored empty."""
    run.fields_emptied = dict(Counter(emptied))


def finish_outcome(run: SyncRun) -> None:
    """Success, or partial when anything was skipped or stored empty."""
    partial = run.records_skipped or run.fields_emptied
    run.outcome = SyncRun.Outcome.PARTIAL if partial else SyncRun.Outcome.SUCCESS


# work(run, account row, client): fetch, then write and set the outcome.
Work = Callable[[SyncRun, Account, ExotelClient], None]


def recorded_run(
    *,
    account: ExotelAccount,
    kind: str,
    trigger: str,
    client: Callable[[], ExotelClient],
    work: Work,
    wait: bool = False,
) -> SyncRun:
    """Run `work` under the account's lock for `kind` and record it as a sync run.

    Never raises for a failure of Exotel or of the data: that is a failed run
    with a one-line reason. A second listing (or sweep) of an account started
    while one runs returns at once as "skipped", or with `wait` waits for it.
    """
    account_row, _ = Account.objects.update_or_create(
        sid=account.sid, defaults={"api_host": account.api_host}
    )
    with account_sync_lock(account.sid, kind, wait=wait) as acquired:
        now = timezone.now()
        if not acquired:
            return SyncRun.objects.create(
                account=account_row,
                kind=kind,
                trigger=trigger,
                started_at=now,
                finished_at=now,
                outcome=SyncRun.Outcome.SKIPPED,
            )
        # We hold the lock, so a run still marked running died with its process.
        SyncRun.objects.filter(
            account=account_row, kind=kind, outcome=SyncRun.Outcome.RUNNING
        ).update(outcome=SyncRun.Outcome.FAILED, finished_at=now, error=INTERRUPTED)
        run = SyncRun.objects.create(
            account=account_row, kind=kind, trigger=trigger, started_at=now
        )
        used: ExotelClient | None = None
        # A client may serve several runs (the sweeps of --all): each run
        # counts only its own requests.
        before = (0, 0, 0)
        try:
            used = client()
            before = (used.stats.requests, used.stats.retries, used.stats.pages)
            work(run, account_row, used)
        except Exception as error:
            logger.warning(
                "%s of %s failed", kind, account.sid, exc_info=not isinstance(error, ExotelError)
            )
            run.outcome = SyncRun.Outcome.FAILED
            run.error = _one_line(error, account)
        except BaseException:
            # Ctrl-C or SystemExit: the data is rolled back; say so, then stop.
            run.outcome = SyncRun.Outcome.FAILED
            run.error = INTERRUPTED
            raise
        finally:
            if used is not None:
                run.requests = used.stats.requests - before[0]
                run.retries = used.stats.retries - before[1]
                run.pages = used.stats.pages - before[2]
            run.finished_at = timezone.now()
            run.save()
    return run
