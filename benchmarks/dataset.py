"""The inventory the benchmarks measure: numbers from the bundled simulator,
seeded with a year of history in a few statements, and a client that
replays them.

The simulator renders the numbers and their connectivity and the client's
own parsers read them, so a Snapshot holds exactly what a sync over HTTP
would get. seeded_inventory() stores a snapshot as a first sync would have
left it, then adds a year of history by INSERT … SELECT from
generate_series (the connectivity runs, the change records) and unnest (the
numbers and sync runs, through the sync's own bulk insert): 100,000 numbers
and 1,000,000 runs take a minute or two, where syncing them a year long
would take the year. ReplayClient answers the sync service from a snapshot,
so that a timing holds only the sync's own work: the diff and the writes.
"""

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Model

from benchmarks.harness import progress
from exoinventory.exotel.accounts import ExotelAccount
from exoinventory.exotel.budget import LocalRequestBudget
from exoinventory.exotel.client import (
    DETAIL_WORKERS,
    ConnectivityBatch,
    ExotelClient,
    Listing,
    Progress,
)
from exoinventory.exotel.records import (
    ConnectivityReport,
    ExoPhoneRecord,
    parse_detail_envelope,
    parse_exophone,
)
from exoinventory.numbers.cadence import listing_pages
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
from exoinventory.numbers.services.bulk import bulk_insert_rows
from exoinventory.numbers.services.sync import SyncResult, exophones_sync
from exoinventory.simulator import ExotelSimulator

SEED = 2026
HISTORY = timedelta(days=365)
LISTING_EVERY = timedelta(hours=1)
SWEEP_EVERY = timedelta(minutes=5)
# A run stands for minutes to days of identical observations; an active run
# weighs this many times an outage's 1-3, so that outages last hours and a
# number is up about 99 % of the year, as Exotel's numbers are.
ACTIVE_WEIGHT = 1000
# The flow a changed number is moved to.
CHANGED_FLOW = "https://my.exotel.com/{account}/exoml/start_voice/bench-changed"


@dataclass(frozen=True)
class Snapshot:
    """What one sync reads from Exotel: the listing and each number's connectivity."""

    records: list[ExoPhoneRecord]
    reports: dict[str, ConnectivityReport]

    def changed(self, sids: Collection[str], *, flow: str) -> "Snapshot":
        """The same numbers, those of `sids` moved to another voice flow and
        with their incoming status turned over (active ↔ major outage)."""
        records = [
            replace(record, voice_url=flow) if record.sid in sids else record
            for record in self.records
        ]
        reports = dict(self.reports)
        for sid in sids:
            report = reports[sid]
            was_active = report.incoming.status == ConnectivityStatus.ACTIVE
            status = ConnectivityStatus.MAJOR_OUTAGE if was_active else ConnectivityStatus.ACTIVE
            reports[sid] = replace(
                report, incoming=replace(report.incoming, status=status, alternates=None)
            )
        return Snapshot(records, reports)


def simulated_snapshot(simulator: ExotelSimulator, account_sid: str) -> Snapshot:
    """Every number of a simulator's account, read by the client's parsers."""
    zone = settings.EXOTEL_LISTING_TIME_ZONE
    records = [parse_exophone(item, zone=zone) for item in simulator.numbers(account_sid)]
    observed_at = datetime.now(UTC)
    reports = {}
    for record in records:
        # The v2 envelope of a successful detail, around the simulator's own data.
        item = {
            "code": 200,
            "status": "success",
            "data": simulator.v2_detail(account_sid, record.sid),
        }
        reports[record.sid] = parse_detail_envelope(
            {"response": [item]}, sid=record.sid, observed_at=observed_at
        )
    return Snapshot(records, reports)


def replayed_account(sid: str) -> ExotelAccount:
    """The account as the sync service sees it; a replay never connects to it."""
    return ExotelAccount(
        sid=sid,
        scheme="http",
        host="127.0.0.1",
        port=None,
        key="bench",
        token="bench",  # noqa: S106 - never sent: the replay opens no connection
    )


class ReplayClient(ExotelClient):
    """The client's interface answered from a snapshot, with no HTTP."""

    def __init__(self, account: ExotelAccount, snapshot: Snapshot) -> None:
        super().__init__(
            account, budget=LocalRequestBudget(1), listing_zone=settings.EXOTEL_LISTING_TIME_ZONE
        )
        self.snapshot = snapshot

    def list_exophones(self, *, progress: Progress | None = None) -> Listing:
        # The pages a real listing takes: the sync subtracts them from the
        # connectivity budget.
        pages = listing_pages(len(self.snapshot.records))
        self.stats.add(requests=pages, pages=pages)
        return Listing(records=list(self.snapshot.records), skipped=[])

    def fetch_connectivity(
        self,
        sids: Sequence[str],
        *,
        workers: int = DETAIL_WORKERS,
        progress: Progress | None = None,
    ) -> ConnectivityBatch:
        self.stats.add(requests=len(sids))
        reports = [self.snapshot.reports[sid] for sid in sids]
        return ConnectivityBatch(reports=reports, skipped=[], gone={})


def synced(account_sid: str, snapshot: Snapshot) -> SyncResult:
    """One sync (listing and sweep) of the replayed account by the sync
    service; an error unless both succeeded and every number was checked."""
    account = replayed_account(account_sid)
    result = exophones_sync(
        account=account,
        trigger=SyncRun.Trigger.COMMAND,
        client=ReplayClient(account, snapshot),
    )
    for run in (result.listing, result.sweep):
        if run.outcome != SyncRun.Outcome.SUCCESS:
            raise RuntimeError(
                f"the benchmark's {run.kind} did not succeed: {run.outcome} {run.error}"
            )
    if result.sweep.connectivity_checked != len(snapshot.records):
        raise RuntimeError("not every number's connectivity was checked: raise the rate limit")
    return result


# --- Seeding


@dataclass(frozen=True)
class Seeded:
    numbers: int
    runs: int
    changes: int
    sync_runs: int


def seeded_inventory(snapshot: Snapshot, *, account_sid: str, runs: int) -> Seeded:
    """Store `snapshot` as a sync of it just now would have, with a year of
    history behind it: about `runs` connectivity runs over both directions
    of every number (the last of each current, fresh and equal to the
    number's status now, as the sweep would find it), about one change
    record per number, and a listing every hour and a sweep every five
    minutes. An unchanged sync of the snapshot then adds no history."""
    now = datetime.now(UTC)
    start = now - HISTORY
    account = Account.objects.create(sid=account_sid, api_host="127.0.0.1")
    sync_runs = _seed_sync_runs(account, numbers=len(snapshot.records), start=start, now=now)
    progress(f"seeded {sync_runs:,} sync runs; the numbers next")
    phones = [
        ExoPhone(
            account=account,
            sid=record.sid,
            first_seen=start,
            last_seen=now,
            connectivity_observed_at=now,
            connectivity_attempted_at=now,
            **{name: getattr(record, name) for name in MIRRORED_FIELDS},
            **_connectivity_fields(snapshot.reports[record.sid]),
        )
        for record in snapshot.records
    ]
    bulk_insert_rows(phones)
    progress(f"seeded {len(phones):,} numbers; their connectivity runs next")
    with connection.cursor() as cursor:
        sql, defaults = _with_defaults(_RUNS_SQL, ConnectivityRun)
        cursor.execute(sql, {**_runs_parameters(account, phones, runs, now), **defaults})
        progress("seeded the connectivity runs; the change records next")
        sql, defaults = _with_defaults(_CHANGES_SQL, ExoPhoneChange)
        cursor.execute(sql, {"account": account.pk, "sid": account_sid, **defaults})
        progress("seeded the change records; analyzing")
        for table in _TABLES.values():
            cursor.execute(f"ANALYZE {table}")
    return Seeded(
        numbers=len(phones),
        runs=ConnectivityRun.objects.filter(exophone__account=account).count(),
        changes=ExoPhoneChange.objects.filter(exophone__account=account).count(),
        sync_runs=sync_runs,
    )


def _connectivity_fields(report: ConnectivityReport) -> dict[str, object]:
    fields: dict[str, object] = {}
    for direction, observation in (
        (Direction.INCOMING, report.incoming),
        (Direction.OUTGOING, report.outgoing),
    ):
        alternates = observation.alternates
        fields[f"{direction}_status"] = observation.status
        fields[f"{direction}_checked_at"] = observation.checked_at
        fields[f"{direction}_alternates"] = list(alternates) if alternates is not None else None
    return fields


def _seed_sync_runs(account: Account, *, numbers: int, start: datetime, now: datetime) -> int:
    """A year of good hourly listings and five-minute sweeps, the last of each a minute ago."""
    pages = listing_pages(numbers)
    last = now - timedelta(minutes=1)
    sql, defaults = _with_defaults(_SYNC_RUNS_SQL, SyncRun)
    listing = {"kind": SyncRun.Kind.LISTING, "every": LISTING_EVERY, "complete": True,
               "pages": pages, "requests": pages, "seen": numbers, "checked": 0}  # fmt: skip
    sweep = {"kind": SyncRun.Kind.SWEEP, "every": SWEEP_EVERY, "complete": False,
             "pages": 0, "requests": numbers, "seen": 0, "checked": numbers}  # fmt: skip
    with connection.cursor() as cursor:
        # Listings first and in order of time: the change records pick theirs by rank.
        for kind in (listing, sweep):
            parameters = {"account": account.pk, "start": start, "last": last, **kind}
            cursor.execute(sql, {**parameters, **defaults})
    return SyncRun.objects.filter(account=account).count()


def _with_defaults(template: str, model: type[Model]) -> tuple[str, dict[str, object]]:
    """An INSERT … SELECT template made whole: the columns it does not name
    get the model's defaults, so that a column added to the model later does
    not break the seeding. Returns the SQL and the defaults' parameters."""
    named = re.search(r"INSERT INTO \{\w+\} \(([^)]*)\{more_columns\}\)", template)
    if named is None:
        raise ValueError("the template names no columns")
    given = {column.strip() for column in named[1].split(",")}
    rest = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.column not in given
    ]
    sql = template.format(
        **_TABLES,
        more_columns="".join(f", {connection.ops.quote_name(field.column)}" for field in rest),
        more_values="".join(f", %(default_{field.column})s" for field in rest),
    )
    parameters = {
        f"default_{field.column}": field.get_db_prep_save(field.get_default(), connection)
        for field in rest
    }
    return sql, parameters


_TABLES = {
    "phones": ExoPhone._meta.db_table,
    "runs": ConnectivityRun._meta.db_table,
    "changes": ExoPhoneChange._meta.db_table,
    "sync_runs": SyncRun._meta.db_table,
}


def _runs_parameters(
    account: Account, phones: list[ExoPhone], runs: int, now: datetime
) -> dict[str, object]:
    # k runs per number and direction, k spread evenly over 1 … 2·mean − 1.
    mean = max(1.0, runs / (2 * max(1, len(phones))))
    return {
        "account": account.pk,
        "spread": max(1, round(2 * mean - 1)),
        "active_weight": ACTIVE_WEIGHT,
        "start": now - HISTORY,
        "span": HISTORY,
        "now": now,
        "active": ConnectivityStatus.ACTIVE,
        "major": ConnectivityStatus.MAJOR_OUTAGE,
        "partial": ConnectivityStatus.PARTIAL_NETWORK_OUTAGE,
    }


# Runs counted backwards from `last`, so that the last one is a minute ago.
_SYNC_RUNS_SQL = """
INSERT INTO {sync_runs} (account_id, kind, trigger, started_at, finished_at, outcome, error,
                         listing_complete, pages, requests, numbers_seen, numbers_unchanged,
                         connectivity_checked{more_columns})
SELECT %(account)s, %(kind)s, 'schedule', t, t + interval '30 seconds', 'success', '',
       %(complete)s, %(pages)s, %(requests)s, %(seen)s, %(seen)s, %(checked)s{more_values}
FROM generate_series(%(last)s - %(every)s * floor(extract(epoch FROM %(last)s - %(start)s)
                                                  / extract(epoch FROM %(every)s)),
                     %(last)s, %(every)s) AS t
"""

# Each number and direction gets k runs that alternate between active and an
# outage and end with its status now; each run takes a share of the year by
# its weight, less five minutes of "no data" before the next. The last run is
# the current one, observed now, with the number's alternates.
_RUNS_SQL = """
WITH pairs AS (
    SELECT p.id AS exophone_id, d.direction,
           CASE d.direction WHEN 'incoming' THEN p.incoming_status ELSE p.outgoing_status END
               AS status_now,
           CASE d.direction WHEN 'incoming' THEN p.incoming_alternates
               ELSE p.outgoing_alternates END AS alternates_now,
           CASE d.direction WHEN 'incoming' THEN p.incoming_checked_at
               ELSE p.outgoing_checked_at END AS checked_now,
           1 + (p.id * 7919 + d.n * 104729) %% %(spread)s AS k
    FROM {phones} p CROSS JOIN (VALUES ('incoming', 1), ('outgoing', 2)) AS d (direction, n)
    WHERE p.account_id = %(account)s
), slots AS (
    SELECT pairs.*, i,
           ((k - i) %% 2 = 0) = (status_now = %(active)s) AS active,
           CASE WHEN ((k - i) %% 2 = 0) = (status_now = %(active)s) THEN %(active_weight)s
                ELSE 1 + (exophone_id + i) %% 3 END AS weight
    FROM pairs CROSS JOIN LATERAL generate_series(1, k) AS i
), placed AS (
    SELECT slots.*,
           sum(weight) OVER (PARTITION BY exophone_id, direction ORDER BY i) - weight AS before,
           sum(weight) OVER (PARTITION BY exophone_id, direction) AS total
    FROM slots
)
INSERT INTO {runs} (exophone_id, direction, status, alternates, first_observed_at,
                    last_observed_at, exotel_checked_at, is_current{more_columns})
SELECT exophone_id, direction,
       CASE WHEN i = k THEN status_now WHEN active THEN %(active)s
            WHEN (exophone_id + i) %% 3 = 0 THEN %(partial)s ELSE %(major)s END,
       CASE WHEN i = k THEN alternates_now END,
       %(start)s + %(span)s * (before::float8 / total),
       CASE WHEN i = k THEN %(now)s
            ELSE %(start)s + %(span)s * ((before + weight)::float8 / total)
                 - interval '5 minutes' END,
       CASE WHEN i = k THEN checked_now
            ELSE %(start)s + %(span)s * ((before + weight)::float8 / total)
                 - interval '6 minutes' END,
       i = k{more_values}
FROM placed
"""

# c = 0, 1 or 2 changes per number (one on average) of its voice flow, SMS
# flow or rental, noticed by listings spread over the year; the last change
# leads to the number's value now.
_CHANGES_SQL = """
WITH listings AS (
    SELECT id, finished_at, row_number() OVER (ORDER BY started_at) - 1 AS rank
    FROM {sync_runs} WHERE account_id = %(account)s AND kind = 'listing'
), changed AS (
    SELECT p.id, p.voice_url, p.sms_url, p.rental_price, (p.id / 3) %% 3 AS c,
           (ARRAY['voice_url', 'sms_url', 'rental_price'])[1 + p.id %% 3] AS field,
           (SELECT count(*) FROM listings) AS listed
    FROM {phones} p WHERE p.account_id = %(account)s AND (p.id / 3) %% 3 > 0
), steps AS (
    SELECT changed.*, j,
           (j - 1) * (listed / c) + (id * 7919) %% (listed / c) AS rank,
           'https://my.exotel.com/' || %(sid)s || '/exoml/start_voice/' AS flows
    FROM changed CROSS JOIN LATERAL generate_series(1, c) AS j
)
INSERT INTO {changes} (exophone_id, field, old_value, new_value, observed_at, source,
                       sync_run_id, user_name, exotel_date_updated{more_columns})
SELECT s.id, s.field,
       CASE s.field WHEN 'rental_price' THEN (s.rental_price * j / (c + 1))::numeric(18, 6)::text
            ELSE s.flows || (s.id * 10 + j) END,
       CASE WHEN j < c THEN
                CASE s.field WHEN 'rental_price'
                     THEN (s.rental_price * (j + 1) / (c + 1))::numeric(18, 6)::text
                     ELSE s.flows || (s.id * 10 + j + 1) END
            WHEN s.field = 'voice_url' THEN s.voice_url
            WHEN s.field = 'sms_url' THEN s.sms_url
            ELSE s.rental_price::text END,
       l.finished_at, 'sync', l.id, '', l.finished_at - interval '1 minute'{more_values}
FROM steps s JOIN listings l USING (rank)
"""
