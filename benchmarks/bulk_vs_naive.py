"""Benchmark 2: the sync service's bulk diff against a naive per-number loop.

Both write the same records into the same empty database, side by side in
this run. The baseline is written here, not in the app: one
update_or_create per number, in one transaction, which is how a first
version of a sync would look. It keeps only the current rows (no change
records, no connectivity runs), so it does less work than the service and
the speed-up is a lower bound.
"""

import itertools
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from benchmarks.dataset import ACCOUNT, Dataset, Snapshot, synced
from benchmarks.harness import (
    Measurement,
    SummaryRow,
    measure,
    numbers_tables_emptied,
    ratio,
    seconds,
    table,
)
from exoinventory.numbers.models import MIRRORED_FIELDS, Account, ExoPhone

TITLE = "2. Bulk vs naive"
NUMBERS = 2_000
FIRST, UNCHANGED, CHANGED = "first sync", "unchanged re-sync", "re-sync, 10 % changed"


def naive_baseline_sync(snapshot: Snapshot) -> None:
    """BASELINE for comparison, not the app's sync: one update_or_create per number."""
    account, _ = Account.objects.get_or_create(sid=ACCOUNT, defaults={"api_host": "127.0.0.1"})
    now = timezone.now()
    with transaction.atomic():
        for record in snapshot.records:
            report = snapshot.reports[record.sid]
            values = {name: getattr(record, name) for name in MIRRORED_FIELDS}
            for direction, observation in (
                ("incoming", report.incoming),
                ("outgoing", report.outgoing),
            ):
                alternates = observation.alternates
                values[f"{direction}_status"] = observation.status
                values[f"{direction}_checked_at"] = observation.checked_at
                values[f"{direction}_alternates"] = (
                    list(alternates) if alternates is not None else None
                )
            values.update(last_seen=now, connectivity_observed_at=now)
            ExoPhone.objects.update_or_create(
                account=account,
                sid=record.sid,
                defaults=values,
                create_defaults={**values, "first_seen": now},
            )


def _measured(sync: Callable[[Snapshot], object], data: Dataset) -> dict[str, Measurement]:
    # Each changed re-sync undoes the one before: every run changes 10 %.
    changing = itertools.cycle((data.after, data.before))
    return {
        FIRST: measure(lambda: sync(data.before), before=numbers_tables_emptied),
        UNCHANGED: measure(lambda: sync(data.before)),
        CHANGED: measure(lambda: sync(next(changing))),
    }


def run(dataset: Dataset) -> list[SummaryRow]:
    print(f"### {TITLE}: {NUMBERS:,} numbers, replayed records (no HTTP)\n", flush=True)
    data = dataset.first(NUMBERS)
    service = _measured(synced, data)
    baseline = _measured(naive_baseline_sync, data)
    numbers_tables_emptied()

    rows = []
    summary = []
    for case, bulk in service.items():
        naive = baseline[case]
        speedup = ratio(naive.seconds / bulk.seconds)
        rows.append(
            (
                case,
                seconds(bulk.seconds),
                bulk.queries,
                seconds(naive.seconds),
                naive.queries,
                speedup,
            )
        )
        summary.append(SummaryRow(TITLE, f"{case}: naive s ÷ bulk s", speedup))
        summary.append(
            SummaryRow(TITLE, f"{case}: queries bulk / naive", f"{bulk.queries} / {naive.queries}")
        )
    header = ("case", "bulk s", "bulk queries", "naive s (baseline)", "naive queries", "speed-up")
    print(table(f"{TITLE}: {NUMBERS:,} numbers (best run; speed-up = naive ÷ bulk)", header, rows))
    return summary
