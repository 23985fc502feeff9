"""Benchmark 3: a whole sync over HTTP against the simulator, split into phases.

The bundled simulator serves on loopback with no added latency, in this
process: the listing and connectivity phases are the least they can cost
(Exotel's own latency and rate limit come on top), and the write phase is
the rest of the sync (diff, bulk writes, the sync run record).
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from benchmarks.dataset import ACCOUNT, SEED
from benchmarks.harness import (
    REPEAT_WITHIN_SECONDS,
    REPEATS,
    SummaryRow,
    counting_queries,
    numbers_tables_emptied,
    percent,
    seconds,
    table,
)
from exoinventory.exotel.accounts import ExotelAccount, parse_accounts
from exoinventory.exotel.budget import LocalRequestBudget
from exoinventory.exotel.client import (
    DETAIL_WORKERS,
    ConnectivityBatch,
    ExotelClient,
    Listing,
    Progress,
)
from exoinventory.numbers.models import SyncRun
from exoinventory.numbers.services.sync import exophones_sync
from exoinventory.simulator import ExotelSimulator

TITLE = "3. End to end over HTTP"
NUMBERS = 2_000
FIRST, UNCHANGED = "first sync", "unchanged re-sync"


class PhaseTimedClient(ExotelClient):
    """The real client, timing its two phases."""

    listing_seconds = 0.0
    connectivity_seconds = 0.0

    def list_exophones(self, *, progress: Progress | None = None) -> Listing:
        start = time.perf_counter()
        try:
            return super().list_exophones(progress=progress)
        finally:
            self.listing_seconds = time.perf_counter() - start

    def fetch_connectivity(
        self,
        sids: Sequence[str],
        *,
        workers: int = DETAIL_WORKERS,
        progress: Progress | None = None,
    ) -> ConnectivityBatch:
        start = time.perf_counter()
        try:
            return super().fetch_connectivity(sids, workers=workers, progress=progress)
        finally:
            self.connectivity_seconds = time.perf_counter() - start


@dataclass(frozen=True)
class Phases:
    total: float
    listing: float
    connectivity: float
    queries: int
    requests: int

    @property
    def write(self) -> float:
        return self.total - self.listing - self.connectivity


def _timed_sync(account: ExotelAccount) -> Phases:
    # As the service builds its client, with this process's own budget.
    client = PhaseTimedClient(
        account,
        budget=LocalRequestBudget(settings.EXOTEL_RATE_LIMIT_PER_MINUTE),
        listing_zone=settings.EXOTEL_LISTING_TIME_ZONE,
    )
    with counting_queries() as counter:
        start = time.perf_counter()
        result = exophones_sync(account=account, trigger=SyncRun.Trigger.COMMAND, client=client)
        total = time.perf_counter() - start
    if (
        result.sweep.outcome != SyncRun.Outcome.SUCCESS
        or result.sweep.connectivity_checked != NUMBERS
    ):
        raise RuntimeError(f"the end-to-end sync did not check every number: {result.sweep.error}")
    requests = result.listing.requests + result.sweep.requests
    return Phases(
        total, client.listing_seconds, client.connectivity_seconds, counter.count, requests
    )


def _best(account: ExotelAccount, *, empty_first: bool) -> tuple[Phases, int]:
    """The fastest of up to REPEATS syncs (fewer when they are long), and how many ran."""
    runs: list[Phases] = []
    while len(runs) < REPEATS and sum(p.total for p in runs) < REPEAT_WITHIN_SECONDS:
        if empty_first:
            numbers_tables_emptied()
        runs.append(_timed_sync(account))
    return min(runs, key=lambda phases: phases.total), len(runs)


def run() -> list[SummaryRow]:
    print(f"### {TITLE}: {NUMBERS:,} numbers, simulator on loopback\n", flush=True)
    with ExotelSimulator(numbers=NUMBERS, seed=SEED, accounts=[ACCOUNT], evolve=False) as simulator:
        account = parse_accounts(simulator.account_url(ACCOUNT))[0]
        results = {
            FIRST: _best(account, empty_first=True),
            UNCHANGED: _best(account, empty_first=False),
        }
    numbers_tables_emptied()

    rows = []
    summary = []
    for case, (p, runs) in results.items():
        parts = (p.listing, p.connectivity, p.write)
        shares = [percent(part, p.total) for part in parts]
        phases = [f"{seconds(part)} ({share})" for part, share in zip(parts, shares, strict=True)]
        rows.append((case, runs, seconds(p.total), *phases, p.requests, p.queries))
        summary.append(
            SummaryRow(TITLE, f"{case}: listing / connectivity / write", " / ".join(shares))
        )
    header = (
        "case", "runs", "total s", "listing s", "connectivity s", "write s", "HTTP requests",
        "SQL queries",
    )  # fmt: skip
    print(table(f"{TITLE}: {NUMBERS:,} numbers (best run by total)", header, rows))
    return summary
