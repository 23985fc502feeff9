"""The sync's writes at scale: write phase against a bare read, 1 % changed
against unchanged, history rows of an unchanged re-sync, and queries at
100,000 against 1,000 numbers.

The listings run over HTTP against the simulator, each in a process of its
own (benchmarks.listing_sync), so that the peak memory of a 100,000-number
listing is measured alone; the write phase is the listing's time less the
fetch of its pages. The sweeps are replayed (benchmarks.dataset), as their
HTTP is the subject of benchmarks.sync_floor.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from benchmarks.dataset import CHANGED_FLOW, ReplayClient, Snapshot, replayed_account
from benchmarks.harness import (
    Figure,
    Measurement,
    at_most,
    best_of,
    database_url,
    exactly,
    progress,
    timed,
)
from exoinventory.numbers.models import Account, ConnectivityRun, ExoPhone, ExoPhoneChange, SyncRun
from exoinventory.numbers.services.sweep import connectivity_sweep
from exoinventory.simulator import ExotelSimulator

REPO = Path(__file__).resolve().parent.parent
# One number in this many is changed for "1 % changed".
CHANGED_ONE_IN = 100
LISTING_TIMEOUT_SECONDS = 900
BARE_READ_REPEATS = 3


@dataclass(frozen=True)
class Scaled:
    """The listing and the sweep of one account, as measured."""

    listing: dict[str, Any]  # what benchmarks.listing_sync printed
    sweep: Measurement

    @property
    def write_seconds(self) -> float:
        return self.listing["seconds"] - self.listing["fetch_seconds"]


def listing_in_child(simulator: ExotelSimulator, account_sid: str) -> dict[str, Any]:
    """One listing of the account by benchmarks.listing_sync; what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.listing_sync", simulator.account_url(account_sid)],
        cwd=REPO,
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "EXOTEL_RATE_LIMIT_PER_MINUTE": str(settings.EXOTEL_RATE_LIMIT_PER_MINUTE),
            "REDIS_URL": "",
        },
        capture_output=True,
        text=True,
        timeout=LISTING_TIMEOUT_SECONDS,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the listing process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def swept(account_sid: str, snapshot: Snapshot) -> Measurement:
    """One sweep of every number of the account, replayed; its time and queries."""
    account = replayed_account(account_sid)
    client = ReplayClient(account, snapshot)
    runs: list[SyncRun] = []

    def sweep() -> None:
        runs.append(
            connectivity_sweep(account=account, trigger=SyncRun.Trigger.COMMAND, client=client)
        )

    measured = timed(sweep)
    if runs[0].outcome != SyncRun.Outcome.SUCCESS or runs[0].connectivity_checked != len(
        snapshot.records
    ):
        raise RuntimeError(f"the sweep did not check every number: {runs[0].error}")
    return measured


def history_rows(account_sid: str) -> int:
    """Change records and connectivity runs of the account: its history."""
    changes = ExoPhoneChange.objects.filter(exophone__account__sid=account_sid).count()
    runs = ConnectivityRun.objects.filter(exophone__account__sid=account_sid).count()
    return changes + runs


def bare_read(account_sid: str) -> Measurement:
    """The account's rows read with a bare psycopg cursor: the floor of a
    write phase that must at least look at every number."""
    connection.ensure_connection()
    raw = connection.connection
    phones, accounts = ExoPhone._meta.db_table, Account._meta.db_table

    def read() -> None:
        with raw.cursor() as cursor:
            cursor.execute(
                f"SELECT p.* FROM {phones} p JOIN {accounts} a ON a.id = p.account_id "  # noqa: S608
                "WHERE a.sid = %s",
                [account_sid],
            )
            cursor.fetchall()

    return best_of([read], repeats=BARE_READ_REPEATS)[0]


def measured_at_scale(
    simulator: ExotelSimulator, account_sid: str, snapshot: Snapshot
) -> tuple[Scaled, list[Figure]]:
    """Unchanged sweep and listing, then a listing with 1 % changed, of a
    seeded account; the figures that need no other account."""
    before = history_rows(account_sid)
    sweep = swept(account_sid, snapshot)
    progress(f"unchanged sweep of {len(snapshot.records):,} numbers: {sweep.seconds:.1f} s")
    bare_before = bare_read(account_sid)
    unchanged = listing_in_child(simulator, account_sid)
    progress(f"unchanged listing: {unchanged['seconds']:.1f} s")
    added = history_rows(account_sid) - before

    for record in snapshot.records[::CHANGED_ONE_IN]:
        simulator.set_field(
            account_sid, record.sid, "voice_url", CHANGED_FLOW.format(account=account_sid)
        )
    changed = listing_in_child(simulator, account_sid)
    progress(f"listing with 1 % changed: {changed['seconds']:.1f} s")
    bare = min(bare_before, bare_read(account_sid), key=lambda m: m.seconds)

    scaled = Scaled(unchanged, sweep)
    changed_write = changed["seconds"] - changed["fetch_seconds"]
    numbers = f"{len(snapshot.records):,}"
    figures = [
        at_most(
            "write phase / bare read",
            scaled.write_seconds / bare.seconds,
            10,
            f"unchanged re-listing of {numbers} numbers: write phase "
            f"{scaled.write_seconds:.2f} s (of {unchanged['seconds']:.2f} s, "
            f"{unchanged['queries']} queries, {unchanged['sql_seconds']:.2f} s in SQL); "
            f"bare cursor read of the same rows {bare.seconds:.3f} s",
        ),
        at_most(
            "write phase, 1 % changed / unchanged",
            changed_write / scaled.write_seconds,
            1.3,
            f"{numbers} numbers, {changed['numbers_updated']} changed: {changed_write:.2f} s "
            f"against {scaled.write_seconds:.2f} s unchanged",
        ),
        exactly(
            "history rows per unchanged re-sync",
            added,
            0,
            f"change records and runs added by an unchanged sweep and listing of {numbers} "
            f"numbers (the sweep extended the open runs in {sweep.seconds:.1f} s)",
        ),
        at_most(
            "peak RSS of a 100,000-number listing sync (MB)",
            max(unchanged["peak_rss_mb"], changed["peak_rss_mb"]),
            300,
            f"ru_maxrss of the listing's own process, {numbers} numbers over HTTP: "
            f"{unchanged['peak_rss_mb']:.0f} MB unchanged, {changed['peak_rss_mb']:.0f} MB "
            "with 1 % changed",
        ),
    ]
    return scaled, figures


def query_figures(large: Scaled, small: Scaled, *, numbers: tuple[int, int]) -> list[Figure]:
    """Queries of the same listing and sweep at two sizes: equal if batched."""
    sizes = f"at {numbers[0]:,} / {numbers[1]:,} numbers"
    return [
        exactly(
            "queries 100k / 1k, listing",
            large.listing["queries"] / small.listing["queries"],
            1,
            f"{large.listing['queries']} / {small.listing['queries']} {sizes} "
            "(unchanged re-listing)",
        ),
        exactly(
            "queries 100k / 1k, sweep",
            large.sweep.queries / small.sweep.queries,
            1,
            f"{large.sweep.queries} / {small.sweep.queries} {sizes} "
            "(unchanged sweep of every number)",
        ),
    ]


def measured_small(simulator: ExotelSimulator, account_sid: str, snapshot: Snapshot) -> Scaled:
    """The unchanged sweep and listing of a small seeded account."""
    sweep = swept(account_sid, snapshot)
    return Scaled(listing_in_child(simulator, account_sid), sweep)
