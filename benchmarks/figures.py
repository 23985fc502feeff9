"""Every figure of issue 11, measured in one run at the sizes asked for.

`make bench` measures at FULL sizes; tests/test_bench_smoke.py at SMOKE
sizes, to keep every figure computed (its values are not asserted). The
accounts are seeded one after the other, so that the pages are measured on
the large account alone: 100,000 numbers and 1,000,000 runs.
"""

import traceback
from dataclasses import dataclass

from benchmarks.dataset import SEED, seeded_inventory, simulated_snapshot, synced
from benchmarks.harness import Figure, at_most, database_url, exactly, inventory_emptied, progress
from benchmarks.load import gunicorn_on_postgresql, loaded
from benchmarks.naive import naive_figures
from benchmarks.pages import page_figures
from benchmarks.sync_floor import sync_floor_figures
from benchmarks.writes import measured_at_scale, measured_small, query_figures
from exoinventory.simulator import ExotelSimulator

LARGE, SMALL, NAIVE = "BenchLarge", "BenchSmall", "BenchNaive"
# The order of the figures, by how their names begin.
ORDER = (
    "sync time / floor",
    "requests / minimum",
    "write phase / bare read",
    "write phase, 1 %",
    "naive / ours",
    "history rows",
    "queries 100k",
    "page time",
    "queries per page",
    "CSV export",
    "peak RSS",
    "load",
)


@dataclass(frozen=True)
class Sizes:
    numbers: int  # the large account's numbers
    runs: int  # and its connectivity runs
    small: int  # the account whose query counts the large one's are compared with
    naive: int  # numbers of naive / ours
    rate_per_minute: int  # R of the whole sync over HTTP
    paced_requests: int  # the least requests of that sync (its size)
    latency: float  # the simulator's, in seconds, for that sync
    load_users: int  # 0: no load test
    load_seconds: float


FULL = Sizes(
    numbers=100_000, runs=1_000_000, small=1_000, naive=10_000,
    # Two windows of the rate limit and one request: see benchmarks.sync_floor.
    rate_per_minute=240, paced_requests=2 * 240 + 1, latency=0.3,
    load_users=20, load_seconds=60.0,
)  # fmt: skip
SMOKE = Sizes(
    numbers=300, runs=3_000, small=30, naive=60,
    rate_per_minute=100_000, paced_requests=21, latency=0.01,
    load_users=0, load_seconds=0.0,
)  # fmt: skip


def measured_figures(sizes: Sizes) -> list[Figure]:
    """Empty the inventory, seed it, and measure every figure; in the issue's order."""
    inventory_emptied()
    figures: list[Figure] = []
    progress(f"simulating {sizes.numbers:,} numbers")
    with ExotelSimulator(
        numbers=sizes.numbers, seed=SEED, accounts=[LARGE], evolve=False
    ) as simulator:
        large = simulated_snapshot(simulator, LARGE)
        progress(f"seeding {sizes.numbers:,} numbers and {sizes.runs:,} runs")
        seeded = seeded_inventory(large, account_sid=LARGE, runs=sizes.runs)
        progress(
            f"seeded {seeded.numbers:,} numbers, {seeded.runs:,} runs, "
            f"{seeded.changes:,} change records, {seeded.sync_runs:,} sync runs"
        )
        large_scaled, scaled_figures = measured_at_scale(simulator, LARGE, large)
        figures += scaled_figures
        figures += page_figures(
            exotel_accounts=simulator.account_url(LARGE), numbers=seeded.numbers, runs=seeded.runs
        )
    del large

    progress(f"{sizes.small:,} numbers, for the query counts")
    with ExotelSimulator(
        numbers=sizes.small, seed=SEED, accounts=[SMALL], evolve=False
    ) as simulator:
        small = simulated_snapshot(simulator, SMALL)
        seeded_inventory(small, account_sid=SMALL, runs=sizes.runs * sizes.small // sizes.numbers)
        small_scaled = measured_small(simulator, SMALL, small)
    figures += query_figures(large_scaled, small_scaled, numbers=(sizes.numbers, sizes.small))

    progress(f"naive / ours at {sizes.naive:,} numbers")
    base = simulated_snapshot(
        ExotelSimulator(numbers=sizes.naive, seed=SEED, accounts=[NAIVE], evolve=False), NAIVE
    )
    synced(NAIVE, base)
    figures += naive_figures(NAIVE, base)

    figures += sync_floor_figures(
        rate_per_minute=sizes.rate_per_minute,
        requests=sizes.paced_requests,
        latency=sizes.latency,
    )
    figures += load_figures(users=sizes.load_users, seconds=sizes.load_seconds)
    return sorted(figures, key=_rank)


def _rank(figure: Figure) -> int:
    return next(i for i, start in enumerate(ORDER) if figure.figure.startswith(start))


def load_figures(*, users: int, seconds: float) -> list[Figure]:
    """p95 at `users` users against one user, on gunicorn and PostgreSQL while
    syncs run (benchmarks.load), and the errors of both loads. A load that
    cannot run leaves its figures unmeasured, with the reason, and the run
    goes on: every other figure is still worth having."""
    names = ("load: p95 at 20 users / one user", "load: errors")

    def unmeasured(reason: str) -> list[Figure]:
        return [
            Figure(names[0], None, "≤ 4", False, reason),
            Figure(names[1], None, "= 0", False, reason),
        ]

    if not users:
        return unmeasured("not run at these sizes (the smoke variant): tests/test_load.py runs it")
    progress(f"load: 1 user, then {users} users, {seconds:.0f} s each, while syncs run")
    try:
        with gunicorn_on_postgresql(database_url()) as target:
            one, one_syncs = loaded(target, users=1, seconds=seconds)
            many, many_syncs = loaded(target, users=users, seconds=seconds)
    except Exception as error:  # benchmarks.load is its own program: report, go on
        traceback.print_exc()
        return unmeasured(f"the load test failed: {type(error).__name__}: {error}"[:500])
    errors = [*one.errors, *many.errors, *one_syncs.problems, *many_syncs.problems]
    return [
        at_most(
            names[0],
            many.total.p95_ms / one.total.p95_ms,
            4,
            f"p95 {many.total.p95_ms:.0f} ms over {many.total.requests} requests at {users} "
            f"users, {one.total.p95_ms:.0f} ms over {one.total.requests} at one user; "
            f"{one_syncs.commands + many_syncs.commands} syncs ran meanwhile",
        ),
        exactly(names[1], len(errors), 0, "; ".join(errors[:5]) or "none"),
    ]
