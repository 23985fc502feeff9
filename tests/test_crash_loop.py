"""The crash loop: `manage.py sync_exophones --all`, a real process syncing from
the simulator over HTTP into PostgreSQL, is killed with SIGKILL at ten points
spread over its listing, its sweep and their writes.

A sync here is three units of work, each written in a transaction of its own:
the listing, then the sweep's two allotments (services.sync). A kill
interrupts one of them; the units before it stay written. After each kill:

- every table of the app equals, row for row, its state when the interrupted
  unit sent its first request: the units before it committed, and of its own
  nothing but its run record, which is still "running" (for the listing:
  the state before the sync, plus that record);
- no lock is left: the account's advisory locks died with the connection;
- the next sync runs at once (not "skipped"), marks the killed run failed as
  interrupted, and decides exactly what a sync nobody killed decides from the
  same start and the same Exotel data.

How the sync is stopped: the simulator holds the unit's requests from its
first one (hold_next), so that the unit is frozen before any answer while
the state it began from is read; then it goes on to the point. At a point in
the requests, the simulator holds every request after it; at a point in a
write, this test holds a lock on the table or the run row the write needs,
until PostgreSQL shows the sync's backend waiting for it. Then the process
is killed, and the lock and the requests are let go.
"""

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from exoinventory.exotel.client import DETAIL_WORKERS
from exoinventory.numbers.cadence import cadence_for
from exoinventory.numbers.models import ConnectivityRun, ExoPhone, ExoPhoneChange, SyncRun
from exoinventory.numbers.services.runs import INTERRUPTED
from exoinventory.simulator import ExotelSimulator
from exoinventory.simulator.data import DRIFT_TICKS
from tests.test_fault_matrix import converged_state

REPO = Path(__file__).resolve().parent.parent
ACCOUNT = "AcmeCrash"
EPOCH = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
# Three listing pages (50, 50 and 10 numbers).
NUMBERS = 110
LISTING, DETAIL = "/v2_beta/", "/v2/"
# The killed process's rate limit: a whole sync (3 pages, 111 details) fits
# in a minute, so it never waits for its budget, but one sweep allotment does
# not take every number: its sweep has two.
RATE = 120
# Current numbers once Exotel has changed: one is added, and the removed one
# is current until the sweep releases it.
CURRENT = NUMBERS + 1
ALLOTMENT = cadence_for(
    numbers=CURRENT, rate_per_minute=RATE, interval_minutes=1, listing_interval_minutes=60
).allotment
# Detail requests of the second allotment.
SECOND = CURRENT - ALLOTMENT
# More requests than a sync makes: hold every one from the first held.
HOLD_ALL = 10_000
WAIT_SECONDS = 30.0

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the syncing process needs a shared database"
    ),
    pytest.mark.django_db(transaction=True),
]


def exotel() -> ExotelSimulator:
    """Exotel as every case starts it: frozen, so only this test changes it."""
    return ExotelSimulator(numbers=NUMBERS, seed=3, accounts=[ACCOUNT], evolve=False, epoch=EPOCH)


def change_exotel(sim: ExotelSimulator) -> None:
    """What the killed sync has to write: flows and rentals drifted over three
    drift windows, connectivity three windows on and one outage set, a number
    removed and one added."""
    items = sim.numbers(ACCOUNT)
    sim.advance(3 * DRIFT_TICKS)
    sim.set_connectivity(
        ACCOUNT, items[60]["sid"], "incoming",
        status="major_outage", alternates=[items[61]["phone_number"]],
    )  # fmt: skip
    sim.remove_number(ACCOUNT, items[7]["sid"])
    sim.add_numbers(ACCOUNT, 1)


def sync_here(sim: ExotelSimulator) -> None:
    """A whole sync in this process: the cases' start, and the sync after the
    kill. With no rate limit to keep to, its sweep is one allotment."""
    with override_settings(
        EXOTEL_ACCOUNTS=sim.account_url(ACCOUNT), EXOTEL_RATE_LIMIT_PER_MINUTE=100_000, REDIS_URL=""
    ):
        call_command("sync_exophones", "--all", stdout=io.StringIO())


def start_sync(sim: ExotelSimulator, log: Path) -> subprocess.Popen[bytes]:
    """`manage.py sync_exophones --all` in a process of its own, on this
    test's database, its output in `log`."""
    db = settings.DATABASES["default"]
    user = quote(db["USER"], safe="")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"], safe="")
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{user}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EXOTEL_ACCOUNTS": sim.account_url(ACCOUNT),
        "EXOTEL_RATE_LIMIT_PER_MINUTE": str(RATE),
        "SYNC_INTERVAL_MINUTES": "1",
        "LISTING_INTERVAL_MINUTES": "60",
        # The process's own request budget, not one shared through Redis.
        "REDIS_URL": "",
    }
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "sync_exophones", "--all"],
            cwd=REPO, env=environment, stdout=output, stderr=output,
        )  # fmt: skip


def rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the app, exactly."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_app_config("numbers").get_models()
    }


def decided() -> dict[str, Any]:
    """What the syncs decided, without the moments they decided it at: the
    fault matrix's converged state, with every change record and connectivity
    run counted (a crash must leave none twice, and lose none)."""
    runs = ConnectivityRun.objects.values_list(
        "exophone__sid", "direction", "status", "alternates", "is_current"
    )
    return {
        **converged_state(),
        "change records": Counter(ExoPhoneChange.objects.values_list("exophone__sid", "field")),
        "connectivity runs": Counter(
            (sid, direction, status, json.dumps(alternates), current)
            for sid, direction, status, alternates, current in runs
        ),
    }


@pytest.fixture(scope="module")
def uninterrupted(django_db_setup, django_db_blocker) -> dict[str, Any]:
    """What a sync nobody kills decides from the cases' start, Exotel changed
    as in them; the tables are emptied again for the cases."""
    with django_db_blocker.unblock(), exotel() as sim:
        sync_here(sim)
        change_exotel(sim)
        sync_here(sim)
        state = decided()
        call_command("flush", interactive=False, verbosity=0)
    return state


@pytest.fixture
def blocker() -> Iterator[psycopg.Connection]:
    """A second connection to this test's database, which takes the locks."""
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"],
        dbname=db["NAME"],
    ) as conn:  # fmt: skip
        yield conn


def fetch_one(sql: str, *params: object) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"waited {WAIT_SECONDS:.0f} s for {what}"
        time.sleep(0.02)


@dataclass(frozen=True)
class Unit:
    """A unit of work of the sync: its kind of run, and its requests."""

    kind: str
    # Its requests' paths contain this ...
    path: str
    # ... and the sync sends this many such requests before the unit's.
    after: int
    # Requests in flight when the unit is frozen at its start: the listing
    # asks for one page at a time, the sweep has a pool of workers.
    in_flight: int


THE_LISTING = Unit(SyncRun.Kind.LISTING, LISTING, after=0, in_flight=1)
ALLOTMENT_1 = Unit(SyncRun.Kind.SWEEP, DETAIL, after=0, in_flight=DETAIL_WORKERS)
ALLOTMENT_2 = Unit(
    SyncRun.Kind.SWEEP, DETAIL, after=ALLOTMENT, in_flight=min(DETAIL_WORKERS, SECOND)
)


@dataclass
class Crash:
    """A sync frozen at the start of `unit`, and this test's hands on it."""

    sim: ExotelSimulator
    unit: Unit
    blocker: psycopg.Connection
    # The syncing process's backend.
    backend: int

    def go_on_until_blocked(self) -> None:
        """Let the unit go on, and wait until it waits for the blocker's lock."""
        self.sim.release_held()
        wait_until(
            lambda: fetch_one(
                "SELECT %s = ANY(pg_blocking_pids(%s))", self.blocker.info.backend_pid, self.backend
            ),
            "the sync to wait for the lock",
        )


# Makes the sync, frozen at the unit's start, go on until the point.
Stop = Callable[[Crash], None]


def answered(count: int) -> Stop:
    """In the unit's requests, once `count` of them have been answered."""

    def stop(crash: Crash) -> None:
        after = count - crash.unit.in_flight
        crash.sim.hold_next(HOLD_ALL, path_contains=crash.unit.path, after=after)
        crash.sim.release_held()
        assert crash.sim.wait_held(WAIT_SECONDS), "the sync never made the request"

    return stop


def lock_table(table: str) -> Stop:
    """At the unit's first write to `table`."""

    def stop(crash: Crash) -> None:
        crash.blocker.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        crash.go_on_until_blocked()

    return stop


def lock_its_run(crash: Crash) -> None:
    """At the unit's last statement, which saves its run record with the data."""
    run = SyncRun.objects.get(outcome=SyncRun.Outcome.RUNNING)
    crash.blocker.execute(
        f"SELECT 1 FROM {SyncRun._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
        [run.pk],
    )
    crash.go_on_until_blocked()


@dataclass(frozen=True)
class Point:
    unit: Unit
    # None: at the unit's start, its first requests in flight.
    stop: Stop | None = None
    # None: the sync is between transactions (waiting for Exotel). Else it
    # is in the unit's transaction, which had written to these tables.
    written: frozenset[str] | None = None


PHONES, CHANGES, RUNS = (m._meta.db_table for m in (ExoPhone, ExoPhoneChange, ConnectivityRun))
POINTS = {
    "listing-page-0": Point(THE_LISTING),
    "listing-page-1": Point(THE_LISTING, answered(1)),
    "listing-last-page": Point(THE_LISTING, answered(2)),
    "listing-writing-numbers": Point(THE_LISTING, lock_table(PHONES), frozenset()),
    "listing-writing-changes": Point(THE_LISTING, lock_table(CHANGES), frozenset({PHONES})),
    "sweep-first-details": Point(ALLOTMENT_1),
    "sweep-middle-details": Point(ALLOTMENT_1, answered(ALLOTMENT // 2)),
    "sweep-writing-connectivity-runs": Point(
        ALLOTMENT_1, lock_table(RUNS), frozenset({PHONES, CHANGES})
    ),
    "second-allotment-last-detail": Point(ALLOTMENT_2, answered(SECOND - 1)),
    "second-allotment-saving-its-run": Point(ALLOTMENT_2, lock_its_run, frozenset({PHONES, RUNS})),
}


def the_sync_backend(blocker: psycopg.Connection) -> int:
    """The backend of the one process syncing into this test's database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid NOT IN (pg_backend_pid(), %s)",
            [blocker.info.backend_pid],
        )
        ((pid,),) = cursor.fetchall()
    return pid


def backend_state(backend: int) -> tuple[str, set[str]]:
    """The backend's state ("idle": no transaction open), and the tables its
    open transaction has written to."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE l.pid = %s AND l.granted AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r'",
            [backend],
        )
        written = {name for (name,) in cursor.fetchall()}
    return fetch_one("SELECT state FROM pg_stat_activity WHERE pid = %s", backend), written


def advisory_locks() -> int:
    """Advisory locks held in this test's database."""
    return fetch_one(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )


@pytest.mark.parametrize("point", list(POINTS.values()), ids=list(POINTS))
def test_a_sync_killed_there_leaves_the_state_before_it_and_the_next_sync_converges(
    point: Point, uninterrupted: dict[str, Any], blocker: psycopg.Connection, tmp_path: Path
) -> None:
    unit = point.unit
    with exotel() as sim:
        sync_here(sim)
        change_exotel(sim)
        start = rows()
        sim.hold_next(HOLD_ALL, path_contains=unit.path, after=unit.after)
        log = tmp_path / "sync.log"
        process = start_sync(sim, log)
        try:
            assert sim.wait_held(WAIT_SECONDS, count=unit.in_flight), log.read_text()
            crash = Crash(sim, unit, blocker, the_sync_backend(blocker))
            before = rows()
            killed = SyncRun.objects.get(outcome=SyncRun.Outcome.RUNNING)
            assert killed.kind == unit.kind
            if unit is THE_LISTING:
                # The sync's first unit: nothing was written before it but its run record.
                runs = SyncRun._meta.label
                assert {**before, runs: before[runs][:-1]} == start
            sim.reset_faults()
            if point.stop is not None:
                point.stop(crash)
            state, written = backend_state(crash.backend)
            os.kill(process.pid, signal.SIGKILL)
            assert process.wait(timeout=WAIT_SECONDS) == -signal.SIGKILL
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            blocker.rollback()
            sim.reset_faults()
            sim.release_held()
        # PostgreSQL rolls the open transaction back once it finds the client gone.
        wait_until(
            lambda: (
                not fetch_one("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", crash.backend)
            ),
            "the killed sync's backend to end",
        )

        if point.written is None:
            assert state == "idle"
        else:
            assert state == "active" and point.written <= written, (state, written)
        assert rows() == before
        assert SyncRun.objects.get(pk=killed.pk).outcome == SyncRun.Outcome.RUNNING
        assert advisory_locks() == 0

        sync_here(sim)

    killed.refresh_from_db()
    assert (killed.outcome, killed.error) == (SyncRun.Outcome.FAILED, INTERRUPTED)
    assert not SyncRun.objects.filter(
        outcome__in=[SyncRun.Outcome.RUNNING, SyncRun.Outcome.SKIPPED]
    ).exists()
    assert decided() == uninterrupted
