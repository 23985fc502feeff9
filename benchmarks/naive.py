"""Naive / ours: the sync service against a per-number loop of save() calls,
side by side on the same account and the same records.

The baseline is written here, not in the app: what a first version of a
sync looks like, one number at a time, each row (the number, each change
record, each connectivity run) read and saved on its own, in one
transaction. It does less than the service (no locks, no freshness rule,
no sync-run counts), so its time is a lower bound and naive / ours too.

Each measured sync turns the numbers over and the next turns them back, so
that every sync has the same amount of change: the service goes from the
base to the changed records, the baseline from the changed back to the base.
"""

from django.db import transaction
from django.utils import timezone

from benchmarks.dataset import CHANGED_FLOW, Snapshot, synced
from benchmarks.harness import Figure, at_least, progress, timed
from exoinventory.numbers.models import (
    MIRRORED_FIELDS,
    Account,
    ConnectivityRun,
    Direction,
    ExoPhone,
    ExoPhoneChange,
    SyncRun,
)

# One number in this many is changed for "1 % changed".
CHANGED_ONE_IN = 100


def naive_baseline_sync(account_sid: str, snapshot: Snapshot) -> None:
    """BASELINE for comparison, not the app's sync: one save() per row."""
    account = Account.objects.get(sid=account_sid)
    now = timezone.now()
    with transaction.atomic():
        run = SyncRun.objects.create(
            account=account, kind=SyncRun.Kind.LISTING, trigger=SyncRun.Trigger.COMMAND,
            started_at=now,
        )  # fmt: skip
        for record in snapshot.records:
            phone = ExoPhone.objects.get(account=account, sid=record.sid)
            for name in MIRRORED_FIELDS:
                old, new = getattr(phone, name), getattr(record, name)
                if old != new:
                    setattr(phone, name, new)
                    ExoPhoneChange.objects.create(
                        exophone=phone, field=name, observed_at=now, sync_run=run,
                        old_value=None if old is None else str(old),
                        new_value=None if new is None else str(new),
                    )  # fmt: skip
            report = snapshot.reports[record.sid]
            for direction, observation in (
                (Direction.INCOMING, report.incoming),
                (Direction.OUTGOING, report.outgoing),
            ):
                alternates = observation.alternates and list(observation.alternates)
                setattr(phone, f"{direction}_status", observation.status)
                setattr(phone, f"{direction}_checked_at", observation.checked_at)
                setattr(phone, f"{direction}_alternates", alternates)
                current = ConnectivityRun.objects.filter(
                    exophone=phone, direction=direction, is_current=True
                ).first()
                if current and (current.status, current.alternates) == (
                    observation.status, alternates,
                ):  # fmt: skip
                    current.last_observed_at = now
                    current.exotel_checked_at = observation.checked_at
                    current.save()
                    continue
                if current:
                    current.is_current = False
                    current.save()
                ConnectivityRun.objects.create(
                    exophone=phone, direction=direction, status=observation.status,
                    alternates=alternates, first_observed_at=now, last_observed_at=now,
                    exotel_checked_at=observation.checked_at,
                )  # fmt: skip
            phone.last_seen = phone.connectivity_observed_at = now
            phone.connectivity_attempted_at = now
            phone.save()
        run.outcome = SyncRun.Outcome.SUCCESS
        run.finished_at = timezone.now()
        run.save()


def naive_figures(account_sid: str, base: Snapshot) -> list[Figure]:
    """Naive / ours with every number changed, then with 1 % changed; the
    account holds `base`, freshly synced."""
    flow = CHANGED_FLOW.format(account=account_sid)
    sids = [record.sid for record in base.records]
    numbers = f"{len(sids):,} numbers"
    figures = []
    for case, changed_sids in (
        ("every number changed", sids),
        ("1 % changed", sids[::CHANGED_ONE_IN]),
    ):
        changed = base.changed(set(changed_sids), flow=flow)
        ours = timed(lambda changed=changed: synced(account_sid, changed))
        progress(f"{case}: the service took {ours.seconds:.1f} s; now the naive loop")
        naive = timed(lambda: naive_baseline_sync(account_sid, base))
        progress(f"{case}: the naive loop took {naive.seconds:.1f} s")
        figures.append(
            at_least(
                f"naive / ours, {case}",
                naive.seconds / ours.seconds,
                20,
                f"{numbers}, {len(changed_sids):,} with another voice flow and incoming "
                f"status: service (listing and sweep) {ours.seconds:.2f} s, "
                f"{ours.queries} queries; per-number save() {naive.seconds:.2f} s, "
                f"{naive.queries:,} queries",
            )
        )
    return figures
