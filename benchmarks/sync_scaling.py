"""Benchmark 1: the sync's database part (diff and bulk writes) at growing sizes.

Each size runs three cases on the same numbers: the first sync of an empty
inventory, an unchanged re-sync, and a re-sync in which 10 % of the numbers
have another voice flow and incoming status. The sync service is fed by
ReplayClient, so no HTTP is timed. Linear scaling shows as the same seconds
per 1,000 numbers at every size; batched writes show as the same queries.
"""

import itertools
import time

from benchmarks.dataset import Dataset, simulated_dataset, synced
from benchmarks.harness import (
    Measurement,
    SummaryRow,
    measure,
    numbers_tables_emptied,
    ratio,
    seconds,
    table,
)

TITLE = "1. Sync write path"
SIZES = (1_000, 10_000)
# Run only if its projection fits in the time left.
LARGE = 100_000
# The projection of LARGE carries the growth measured between the sizes on;
# this margin covers building its dataset, and noise.
PROJECTION_MARGIN = 1.5
FIRST, UNCHANGED, CHANGED = "first sync", "unchanged re-sync", "re-sync, 10 % changed"

Results = dict[str, Measurement]


def _measured(data: Dataset) -> Results:
    # Each changed re-sync undoes the one before: every run changes 10 %.
    changing = itertools.cycle((data.after, data.before))
    return {
        FIRST: measure(lambda: synced(data.before), before=numbers_tables_emptied),
        UNCHANGED: measure(lambda: synced(data.before)),
        CHANGED: measure(lambda: synced(next(changing))),
    }


def _per_thousand(measurement: Measurement, numbers: int) -> float:
    return measurement.seconds / numbers * 1000


def run(dataset: Dataset, *, deadline: float) -> list[SummaryRow]:
    """Measure SIZES, then LARGE if it is projected to end before `deadline`."""
    print(f"### {TITLE}: diff and bulk writes, replayed records (no HTTP)\n", flush=True)
    results: dict[int, Results] = {}
    for numbers in SIZES:
        results[numbers] = _measured(dataset.first(numbers))
        print(f"{numbers:,} numbers measured\n", flush=True)
    small, large = results[SIZES[0]], results[SIZES[-1]]
    growth = max(
        _per_thousand(large[case], SIZES[-1]) / _per_thousand(small[case], SIZES[0])
        for case in large
    )
    one_run_each = sum(m.seconds for m in large.values())
    projected = one_run_each * LARGE / SIZES[-1] * max(growth, 1.0) * PROJECTION_MARGIN
    left = deadline - time.perf_counter()
    if projected < left:
        results[LARGE] = _measured(simulated_dataset(LARGE))
        note = f"{LARGE:,} numbers measured"
    else:
        note = (
            f"{LARGE:,} numbers skipped: one run of each case is projected at "
            f"{projected / 60:.0f} min from {SIZES[-1]:,}, and {max(left, 0) / 60:.1f} min "
            "of the time budget are left"
        )

    rows = [
        (
            case,
            f"{numbers:,}",
            m.runs,
            seconds(m.seconds),
            seconds(m.sql_seconds),
            seconds(_per_thousand(m, numbers)),
            m.queries,
        )
        for numbers, cases in results.items()
        for case, m in cases.items()
    ]
    header = ("case", "numbers", "runs", "best s", "of which SQL s", "s per 1,000", "queries")
    print(table(f"{TITLE}: each case (best run)", header, rows))

    smallest, sizes = SIZES[0], list(results)[1:]
    ratio_rows = []
    summary = []
    for case in (FIRST, UNCHANGED, CHANGED):
        base = results[smallest][case]
        for numbers in sizes:
            other = results[numbers][case]
            growth = _per_thousand(other, numbers) / _per_thousand(base, smallest)
            same = "yes" if other.queries == base.queries else "no"
            ratio_rows.append(
                (
                    case,
                    f"{numbers:,} vs {smallest:,}",
                    ratio(growth),
                    base.queries,
                    other.queries,
                    same,
                )
            )
            summary.append(
                SummaryRow(TITLE, f"{case}: s per 1,000, {numbers:,} ÷ {smallest:,}", ratio(growth))
            )
            summary.append(
                SummaryRow(
                    TITLE,
                    f"{case}: queries at {smallest:,} / {numbers:,}",
                    f"{base.queries} / {other.queries}",
                )
            )
    header = ("case", "sizes", "s per 1,000 ratio", "queries (small)", "queries (large)", "same")
    print(table(f"{TITLE}: scaling (ratio 1.00 = linear)", header, ratio_rows, text_columns=2))
    print(note + "\n", flush=True)
    return summary
