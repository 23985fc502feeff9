"""The sync of one Exotel account: DESIGN.md's "Sync semantics" 1–7.

Fetch first (listing, then connectivity within the budget), then diff in
memory against the account's rows loaded once, then write everything in one
transaction with bulk statements: the number of queries does not grow with
the number of ExoPhones, and a sync that fails or is killed leaves the
previous state as it was.
"""

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from exoinventory.exotel.accounts import ExotelAccount, parse_accounts
from exoinventory.exotel.budget import request_budget_for
from exoinventory.exotel.client import ExotelClient, ExotelError, Listing, Progress
from exoinventory.exotel.dates import format_rfc3339
from exoinventory.exotel.records import (
    ConnectivityObservation,
    ConnectivityReport,
    ExoPhoneRecord,
    SkippedRecord,
)
from exoinventory.numbers.models import (
    MIRRORED_FIELDS,
    Account,
    ConnectivityRun,
    ConnectivityStatus,
    Direction,
    ExoPhone,
    ExoPhoneChange,
    SyncRun,
)
from exoinventory.numbers.services.bulk import bulk_insert_rows, bulk_update_rows
from exoinventory.numbers.services.sync_lock import account_sync_lock

logger = logging.getLogger(__name__)

# date_updated moves with every other change; it is kept on each change
# record (exotel_date_updated) rather than recorded as a change of its own.
RECORDED_FIELDS = tuple(f for f in MIRRORED_FIELDS if f != "date_updated")
# Share of one interval's request budget a sync plans to spend, leaving room
# for retries and for the next sync starting on time.
BUDGET_SHARE = Decimal("0.8")
INTERRUPTED = "interrupted: the process stopped before the sync finished"
NEVER = datetime.min.replace(tzinfo=UTC)


def configured_accounts() -> list[ExotelAccount]:
    """The accounts of EXOTEL_ACCOUNTS (ExotelConfigError if it cannot be read)."""
    return parse_accounts(settings.EXOTEL_ACCOUNTS)


def connectivity_budget(*, pages: int) -> int:
    """How many detail requests this sync may send: one interval's worth of the
    per-minute limit, less a margin and the listing pages already spent."""
    per_interval = settings.EXOTEL_RATE_LIMIT_PER_MINUTE * settings.SYNC_INTERVAL_MINUTES
    return max(0, int(per_interval * BUDGET_SHARE) - pages)


def client_for(account: ExotelAccount) -> ExotelClient:
    budget = request_budget_for(
        account.sid, limit=settings.EXOTEL_RATE_LIMIT_PER_MINUTE, redis_url=settings.REDIS_URL
    )
    return ExotelClient(account, budget=budget, listing_zone=settings.EXOTEL_LISTING_TIME_ZONE)


def _one_line(error: BaseException, account: ExotelAccount) -> str:
    """A failure as one line with no credential in it, whatever raised it."""
    text = str(error) if isinstance(error, ExotelError) else f"{type(error).__name__}: {error}"
    for secret in (account.token, account.key):
        if secret:
            text = text.replace(secret, "***")
    return " ".join(text.split())[:500]


def exophones_sync(
    *,
    account: ExotelAccount,
    trigger: str,
    client: ExotelClient | None = None,
    progress: Progress | None = None,
) -> SyncRun:
    """Sync one account now and return its sync run (success, failed or skipped).

    Never raises for a failure of Exotel or of the data: that is a failed
    run with a one-line reason. Only one sync of an account runs at a time;
    a second one started meanwhile returns at once as "skipped".
    """
    account_row, _ = Account.objects.update_or_create(
        sid=account.sid, defaults={"api_host": account.api_host}
    )
    with account_sync_lock(account.sid) as acquired:
        now = timezone.now()
        if not acquired:
            return SyncRun.objects.create(
                account=account_row,
                trigger=trigger,
                started_at=now,
                finished_at=now,
                outcome=SyncRun.Outcome.SKIPPED,
            )
        # We hold the lock, so a run still marked running died with its process.
        SyncRun.objects.filter(account=account_row, outcome=SyncRun.Outcome.RUNNING).update(
            outcome=SyncRun.Outcome.FAILED, finished_at=now, error=INTERRUPTED
        )
        run = SyncRun.objects.create(account=account_row, trigger=trigger, started_at=now)
        try:
            client = client or client_for(account)
            _sync(run, account_row, client, progress)
        except Exception as error:
            logger.warning(
                "sync of %s failed", account.sid, exc_info=not isinstance(error, ExotelError)
            )
            run.outcome = SyncRun.Outcome.FAILED
            run.error = _one_line(error, account)
        except BaseException:
            # Ctrl-C or SystemExit: the data is rolled back; say so, then stop.
            run.outcome = SyncRun.Outcome.FAILED
            run.error = INTERRUPTED
            raise
        finally:
            if client is not None:
                run.requests = client.stats.requests
                run.retries = client.stats.retries
                run.pages = client.stats.pages
            run.finished_at = timezone.now()
            run.save()
    return run


def _sync(run: SyncRun, account: Account, client: ExotelClient, progress: Progress | None) -> None:
    listing = client.list_exophones(progress=progress)
    run.listing_complete = True
    existing = {phone.sid: phone for phone in ExoPhone.objects.filter(account=account)}
    # A number whose item was malformed this time is still listed.
    listed = {r.sid for r in listing.records} | {s.sid for s in listing.skipped if s.sid}
    missing = [
        sid for sid, phone in existing.items() if sid not in listed and phone.released_at is None
    ]
    budget = connectivity_budget(pages=client.stats.pages)
    # A number missing from the listing is released only once the detail
    # endpoint answers 404 for it too: a listing that shifted while it was
    # paged (a number bought or released meanwhile), a capped page or an
    # empty answer must never release live numbers. These are checked first;
    # any the budget cannot cover wait for the next sync, unreleased.
    confirm = missing[:budget]
    targets = confirm + _connectivity_targets(listing.records, existing, budget - len(confirm))
    batch = client.fetch_connectivity(targets, progress=progress)
    run.connectivity_checked = len(batch.reports)
    run.records_skipped = len(listing.skipped) + len(batch.skipped)
    _log_skipped(run, [*listing.skipped, *batch.skipped])
    max_gap = _max_gap(account, numbers=len(listing.records), budget=budget)

    with transaction.atomic():
        gone = set(batch.gone) & set(missing)
        plan = _plan(run, account, listing, existing, gone=gone, max_gap=max_gap)
        _apply_connectivity(plan, batch.reports, existing)
        _write(plan)
        run.numbers_seen = len(listing.records)
        run.numbers_created = len(plan.created)
        run.numbers_updated = len(plan.updated_sids)
        run.numbers_released = len(plan.released)
        run.numbers_unchanged = run.numbers_seen - run.numbers_created - run.numbers_updated
        run.runs_opened = len(plan.new_runs)
        run.runs_extended = len(plan.extended_runs)
        run.outcome = SyncRun.Outcome.SUCCESS
        # Saved with the data, so the run's counts and the rows agree.
        run.save()


def _max_gap(account: Account, *, numbers: int, budget: int) -> timedelta:
    """The longest stretch between two observations of a number that still
    counts as continuous: twice the time the sync takes to come back to it.

    That is one interval when every number fits the budget; more when the
    budget covers only part of the account each time, or when syncs take
    longer than the interval. Beyond it a run is not stretched over the gap,
    which stays "no data".
    """
    previous = (
        SyncRun.objects.filter(account=account, outcome=SyncRun.Outcome.SUCCESS)
        .order_by("-started_at")
        .values_list("started_at", "finished_at")
        .first()
    )
    cadence = timedelta(minutes=settings.SYNC_INTERVAL_MINUTES)
    if previous and previous[1]:
        cadence = max(cadence, previous[1] - previous[0])
    rounds = math.ceil(numbers / budget) if budget else 1
    return 2 * cadence * max(rounds, 1)


def _log_skipped(run: SyncRun, skipped: Iterable[SkippedRecord]) -> None:
    for record in skipped:
        logger.warning("sync run %s skipped %s: %s", run.pk, record.sid or "an item", record.reason)


def _is_outage(phone: ExoPhone) -> bool:
    statuses = {phone.incoming_status, phone.outgoing_status} - {"", ConnectivityStatus.ACTIVE}
    return bool(statuses)


def _connectivity_targets(
    records: list[ExoPhoneRecord], existing: dict[str, ExoPhone], budget: int
) -> list[str]:
    """The numbers whose connectivity this sync checks: all if the budget
    allows, else those in outage first, then the stalest (never checked first)."""
    if budget >= len(records):
        return [record.sid for record in records]

    def urgency(record: ExoPhoneRecord) -> tuple[bool, datetime]:
        phone = existing.get(record.sid)
        if phone is None:
            return (True, NEVER)
        return (not _is_outage(phone), phone.connectivity_observed_at or NEVER)

    return [record.sid for record in sorted(records, key=urgency)[:budget]]


def _text(value: object) -> str | None:
    """A mirrored value as a change record stores it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_rfc3339(value)
    return str(value)


@dataclass
class _Plan:
    run: SyncRun
    now: datetime
    # Longer than this without an observation is "no data" (see _max_gap).
    max_gap: timedelta
    created: list[ExoPhone] = field(default_factory=list)
    updated_sids: set[str] = field(default_factory=set)
    dirty: dict[str, ExoPhone] = field(default_factory=dict)
    dirty_fields: set[str] = field(default_factory=set)
    released: list[ExoPhone] = field(default_factory=list)
    changes: list[ExoPhoneChange] = field(default_factory=list)
    new_runs: list[ConnectivityRun] = field(default_factory=list)
    extended_runs: list[ConnectivityRun] = field(default_factory=list)
    closed_runs: list[ConnectivityRun] = field(default_factory=list)

    def touch(self, phone: ExoPhone, *fields: str) -> None:
        if phone.pk is not None:
            self.dirty[phone.sid] = phone
            self.dirty_fields.update(fields)

    def change(self, phone: ExoPhone, name: str, old: object, new: object) -> None:
        """Record a change; call it after the phone holds its new values."""
        self.changes.append(
            ExoPhoneChange(
                exophone=phone,
                field=name,
                old_value=_text(old),
                new_value=_text(new),
                observed_at=self.now,
                sync_run=self.run,
                exotel_date_updated=phone.date_updated,
            )
        )


def _plan(
    run: SyncRun,
    account: Account,
    listing: Listing,
    existing: dict[str, ExoPhone],
    *,
    gone: set[str],
    max_gap: timedelta,
) -> _Plan:
    """Diff the listing against the account's rows; release the numbers in
    `gone` (missing from the listing and confirmed gone by Exotel)."""
    now = run.started_at
    plan = _Plan(run=run, now=now, max_gap=max_gap)
    for record in listing.records:
        values = {name: getattr(record, name) for name in MIRRORED_FIELDS}
        phone = existing.get(record.sid)
        if phone is None:
            phone = ExoPhone(
                account=account, sid=record.sid, first_seen=now, last_seen=now, **values
            )
            plan.created.append(phone)
            existing[record.sid] = phone
            continue
        changed = {
            name: getattr(phone, name)
            for name in MIRRORED_FIELDS
            if getattr(phone, name) != values[name]
        }
        for name in changed:
            setattr(phone, name, values[name])
        for name, old in changed.items():
            if name in RECORDED_FIELDS:
                plan.change(phone, name, old, values[name])
        if changed:
            plan.touch(phone, *changed)
        if phone.released_at is not None:
            plan.change(phone, "released_at", phone.released_at, None)
            phone.released_at = None
            plan.touch(phone, "released_at")
        if phone.sid in plan.dirty:
            plan.updated_sids.add(phone.sid)
    for sid in sorted(gone):
        phone = existing[sid]
        if phone.released_at is None:
            plan.change(phone, "released_at", None, now)
            phone.released_at = now
            plan.released.append(phone)
    return plan


def _observe(
    plan: _Plan,
    phone: ExoPhone,
    direction: str,
    observation: ConnectivityObservation,
    current: ConnectivityRun | None,
) -> None:
    alternates = list(observation.alternates) if observation.alternates is not None else None
    setattr(phone, f"{direction}_status", observation.status)
    setattr(phone, f"{direction}_checked_at", observation.checked_at)
    setattr(phone, f"{direction}_alternates", alternates)
    if (
        current is not None
        and current.status == observation.status
        and current.alternates == alternates
        and plan.now - current.last_observed_at <= plan.max_gap
    ):
        current.last_observed_at = max(plan.now, current.last_observed_at)
        current.exotel_checked_at = observation.checked_at
        plan.extended_runs.append(current)
        return
    if current is not None:
        current.is_current = False
        plan.closed_runs.append(current)
    plan.new_runs.append(
        ConnectivityRun(
            exophone=phone,
            direction=direction,
            status=observation.status,
            alternates=alternates,
            first_observed_at=plan.now,
            last_observed_at=plan.now,
            exotel_checked_at=observation.checked_at,
        )
    )


def _apply_connectivity(
    plan: _Plan, reports: list[ConnectivityReport], existing: dict[str, ExoPhone]
) -> None:
    current = {
        (run.exophone_id, run.direction): run
        for run in ConnectivityRun.objects.filter(
            is_current=True, exophone__account_id=plan.run.account_id
        )
    }
    fields = ["connectivity_observed_at"]
    for direction in Direction.values:
        fields += [f"{direction}_status", f"{direction}_checked_at", f"{direction}_alternates"]
    for report in reports:
        phone = existing.get(report.sid)
        if phone is None:
            continue
        for direction, observation in (
            (Direction.INCOMING, report.incoming),
            (Direction.OUTGOING, report.outgoing),
        ):
            _observe(plan, phone, direction, observation, current.get((phone.pk, direction)))
        phone.connectivity_observed_at = plan.now
        plan.touch(phone, *fields)


def _write(plan: _Plan) -> None:
    bulk_insert_rows(plan.created)
    bulk_update_rows(list(plan.dirty.values()), sorted(plan.dirty_fields))
    if plan.released:
        ExoPhone.objects.filter(pk__in=[p.pk for p in plan.released]).update(released_at=plan.now)
    account_phones = Q(account=plan.run.account_id, released_at__isnull=True)
    ExoPhone.objects.filter(account_phones).update(last_seen=plan.now)
    for change in plan.changes:
        change.exophone_id = change.exophone.pk
    bulk_insert_rows(plan.changes)
    bulk_update_rows(plan.closed_runs, ["is_current"])
    bulk_update_rows(plan.extended_runs, ["last_observed_at", "exotel_checked_at"])
    for new_run in plan.new_runs:
        new_run.exophone_id = new_run.exophone.pk
    bulk_insert_rows(plan.new_runs)
