"""The connectivity sweep of one account: one v2 detail request per number, for
as many numbers as the sweep's allotment allows (DESIGN.md "Sync semantics"
2, 3 and 5; the arithmetic is numbers.cadence).

Order: release candidates (missing from the last complete listing) first,
then numbers in outage (at most half the allotment), then the numbers asked
about longest ago — asked, not answered: a number whose detail always fails
goes to the back like any other and never takes every slot. While Exotel's
heartbeats arrive (selectors.freshness), they observe every number, and the
sweep asks only what they cannot tell: after the candidates, the numbers in
outage (for their alternates) and the numbers never asked.

Each answer is an observation stamped when it arrived, written into runs
by services.observations. A candidate Exotel answers 404 for is released:
its current runs close at the release and its status is cleared.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from exoinventory.exotel.accounts import ExotelAccount
from exoinventory.exotel.client import ConnectivityBatch, ExotelClient, Progress
from exoinventory.exotel.dates import format_rfc3339
from exoinventory.exotel.records import ConnectivityReport, SkippedRecord
from exoinventory.numbers.cadence import account_cadence
from exoinventory.numbers.models import (
    GOOD_OUTCOMES,
    Account,
    ConnectivityRun,
    ConnectivityStatus,
    Direction,
    ExoPhone,
    ExoPhoneChange,
    SyncRun,
)
from exoinventory.numbers.selectors.freshness import account_heartbeat_period
from exoinventory.numbers.services.bulk import bulk_insert_rows, bulk_update_rows
from exoinventory.numbers.services.observations import (
    OBSERVED_FIELDS,
    RunChanges,
    current_runs,
    observe,
    refresh_observed,
    write_runs,
)
from exoinventory.numbers.services.runs import (
    client_for,
    count_emptied,
    finish_outcome,
    log_skipped,
    recorded_run,
)
from exoinventory.numbers.services.sync_lock import account_write_lock

# What a sweep reads and writes of each number.
SWEPT_FIELDS = ["released_at", "connectivity_attempted_at", *OBSERVED_FIELDS]


def not_asked_since(moment: datetime) -> Q:
    return Q(connectivity_attempted_at__isnull=True) | Q(connectivity_attempted_at__lt=moment)


IN_OUTAGE = ~Q(incoming_status__in=["", ConnectivityStatus.ACTIVE]) | ~Q(
    outgoing_status__in=["", ConnectivityStatus.ACTIVE]
)


def connectivity_sweep(
    *,
    account: ExotelAccount,
    trigger: str,
    client: ExotelClient | None = None,
    progress: Progress | None = None,
    since: datetime | None = None,
    wait: bool = False,
) -> SyncRun:
    """Sweep one allotment of the account's numbers now; return the sweep's run.

    `since`: only numbers not asked about since then (a sweep of every
    number goes round once, see connectivity_sweep_all). `wait`: wait for a
    sweep of the account already running, rather than be skipped.
    """

    def work(run: SyncRun, account_row: Account, used: ExotelClient) -> None:
        _sweep(run, account_row, used, progress, since=since)

    return recorded_run(
        account=account,
        kind=SyncRun.Kind.SWEEP,
        trigger=trigger,
        client=lambda: client or client_for(account),
        work=work,
        wait=wait,
    )


def connectivity_sweep_all(
    *,
    account: ExotelAccount,
    trigger: str,
    client: ExotelClient | None = None,
    progress: Progress | None = None,
) -> list[SyncRun]:
    """Sweeps until every current number has been asked once, each sweep one
    allotment written in its own transaction (a long round loses at most one
    allotment to a crash), paced by the account's request budget. Each waits
    its turn behind a scheduled sweep instead of giving up."""
    since = timezone.now()
    current = ExoPhone.objects.filter(account__sid=account.sid, released_at__isnull=True)
    not_asked = current.filter(not_asked_since(since))
    total = current.count()
    client = client or client_for(account)
    runs: list[SyncRun] = []
    while not runs or not_asked.exists():
        done_before = sum(
            run.connectivity_checked + run.records_skipped + run.numbers_released for run in runs
        )
        run = connectivity_sweep(
            account=account,
            trigger=trigger,
            client=client,
            progress=_offset(progress, done_before, total),
            since=since,
            wait=True,
        )
        runs.append(run)
        if run.outcome not in GOOD_OUTCOMES:
            break
    return runs


def _offset(progress: Progress | None, done_before: int, total: int) -> Progress | None:
    if progress is None:
        return None

    def shifted(stage: str, done: int, _: int | None) -> None:
        progress(stage, done_before + done, max(total, done_before + done))

    return shifted


def _candidates_before(account: Account) -> datetime | None:
    """When the last complete listing started: each release candidate is
    asked once after it (None: no listing yet, so no candidate)."""
    return (
        SyncRun.objects.filter(
            account=account,
            kind=SyncRun.Kind.LISTING,
            outcome__in=GOOD_OUTCOMES,
            listing_complete=True,
        )
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )


def sweep_targets(
    current: QuerySet[ExoPhone],
    *,
    allotment: int,
    listed_since: datetime | None,
    heartbeats: bool = False,
) -> list[ExoPhone]:
    """The numbers one sweep asks about, in order (see the module docstring);
    `heartbeats`: while they arrive."""
    never_asked_first = F("connectivity_attempted_at").asc(nulls_first=True)
    current = current.only("sid", "account_id", "unlisted_since", *SWEPT_FIELDS).order_by(
        never_asked_first, "pk"
    )
    chosen: list[ExoPhone] = []
    if listed_since is not None:
        # Each candidate once per listing: one that still answers stays a
        # candidate until the next listing, and must not take every slot.
        candidates = current.filter(unlisted_since__isnull=False).filter(
            not_asked_since(listed_since)
        )
        chosen += candidates[:allotment]
    in_outage = current.filter(IN_OUTAGE)
    rest = [current]
    if heartbeats:
        # They observe every number: the rest goes to the numbers no sweep
        # has asked yet, then to more of those in outage (their alternates),
        # never to re-checking what a heartbeat covers.
        rest = [current.filter(connectivity_attempted_at__isnull=True), in_outage]
    for group, share in ((in_outage, allotment // 2), *((group, allotment) for group in rest)):
        room = min(share, allotment - len(chosen))
        if room > 0:
            chosen += group.exclude(pk__in=[phone.pk for phone in chosen])[:room]
    return chosen


@dataclass(kw_only=True)
class _Plan(RunChanges):
    run: SyncRun
    dirty: list[ExoPhone]
    changes: list[ExoPhoneChange] = field(default_factory=list)
    released: int = 0


def _sweep(
    run: SyncRun,
    account: Account,
    client: ExotelClient,
    progress: Progress | None,
    *,
    since: datetime | None,
) -> None:
    current = ExoPhone.objects.filter(account=account, released_at__isnull=True)
    numbers = current.count()
    heartbeat_period = account_heartbeat_period(account.pk, now=timezone.now())
    cadence = account_cadence(numbers, heartbeat_period=heartbeat_period)
    listed_since = _candidates_before(account)
    if since is not None:
        current = current.filter(not_asked_since(since))
    targets = sweep_targets(
        current,
        allotment=cadence.allotment,
        listed_since=listed_since,
        heartbeats=heartbeat_period is not None and since is None,
    )
    asked_at = timezone.now()
    batch = client.fetch_connectivity([phone.sid for phone in targets], progress=progress)

    with transaction.atomic():
        account_write_lock(account.sid)
        plan = _Plan(run=run, cadence=cadence, source=ConnectivityRun.Source.SWEEP, dirty=targets)
        for phone in targets:
            phone.connectivity_attempted_at = asked_at
        _observe_all(plan, batch.reports, targets)
        unexpected_404 = _release(plan, batch, targets, listed_since)
        _write(plan)
        skipped = [*batch.skipped, *unexpected_404]
        log_skipped(run, skipped)
        run.connectivity_checked = len(batch.reports)
        run.records_skipped = len(skipped)
        run.numbers_released = plan.released
        run.numbers_unchecked = max(0, numbers - plan.released - len(batch.reports))
        run.runs_opened = len(plan.new_runs)
        run.runs_extended = len(plan.extended_runs)
        count_emptied(run, (name for report in batch.reports for name in report.emptied))
        finish_outcome(run)
        if skipped and not batch.reports and not batch.gone:
            # Not one answer (wrong credentials, Exotel or the network down):
            # the sweep failed, rather than end "partial" with every number
            # skipped, which would count as a good sweep. The attempts stay
            # recorded, so that numbers that never answer do not hold the
            # next sweeps' turns.
            run.outcome = SyncRun.Outcome.FAILED
            run.error = f"no number's connectivity could be read: {skipped[0].reason}"[:500]
        # Saved with the data, so the run's counts and the rows agree.
        run.save()


def _observe_all(plan: _Plan, reports: list[ConnectivityReport], targets: list[ExoPhone]) -> None:
    # Heartbeats may have observed the numbers while the sweep fetched.
    refresh_observed(targets)
    by_sid = {phone.sid: phone for phone in targets}
    current = current_runs(
        ConnectivityRun.objects.filter(exophone_id__in=[phone.pk for phone in targets])
    )
    for report in reports:
        phone = by_sid[report.sid]
        for direction, observation in (
            (Direction.INCOMING, report.incoming),
            (Direction.OUTGOING, report.outgoing),
        ):
            alternates = observation.alternates
            observe(
                plan,
                phone,
                direction,
                status=observation.status,
                alternates=list(alternates) if alternates is not None else None,
                checked_at=observation.checked_at,
                current=current.get((phone.pk, direction)),
                observed_at=report.observed_at,
            )


def _release(
    plan: _Plan,
    batch: ConnectivityBatch,
    targets: list[ExoPhone],
    listed_since: datetime | None,
) -> list[SkippedRecord]:
    """Release the candidates Exotel says are gone; return the 404s for
    numbers the last listing had, which are not trusted to release anything."""
    by_sid = {phone.sid: phone for phone in targets}
    gone = [by_sid[sid] for sid in batch.gone]
    still_missing: set[int] = set()
    if gone and listed_since is not None:
        # Asked again inside the write lock: a listing that has seen a number
        # since the sweep chose it has made it a live number again.
        still_missing = set(
            ExoPhone.objects.filter(
                pk__in=[phone.pk for phone in gone],
                released_at__isnull=True,
                unlisted_since__isnull=False,
            ).values_list("pk", flat=True)
        )
    unexpected = []
    for phone in gone:
        if phone.pk not in still_missing:
            unexpected.append(
                SkippedRecord(sid=phone.sid, reason="detail answered 404 for a listed number")
            )
            continue
        # Released when Exotel's 404 arrived.
        released_at = batch.gone[phone.sid]
        phone.released_at = released_at
        for direction in Direction.values:
            setattr(phone, f"{direction}_status", "")
            setattr(phone, f"{direction}_alternates", None)
        plan.changes.append(
            ExoPhoneChange(
                exophone=phone,
                field="released_at",
                old_value=None,
                new_value=format_rfc3339(released_at),
                observed_at=released_at,
                sync_run=plan.run,
                exotel_date_updated=None,
            )
        )
        plan.released += 1
    by_pk = {phone.pk: phone for phone in gone}
    for run in ConnectivityRun.objects.filter(is_current=True, exophone_id__in=still_missing):
        # Closed at the release, but stretched to it only while the run is
        # fresh: an outage last seen days ago is not observed until today.
        released_at = by_pk[run.exophone_id].released_at
        if plan.cadence.is_fresh(run.last_observed_at, now=released_at):
            run.last_observed_at = max(run.last_observed_at, released_at)
        run.is_current = False
        plan.closed_runs.append(run)
    return unexpected


def _write(plan: _Plan) -> None:
    bulk_update_rows(plan.dirty, SWEPT_FIELDS)
    bulk_insert_rows(plan.changes)
    write_runs(plan)
