"""The ExoPhones the benchmarks sync, and a client that replays them.

The bundled simulator renders the numbers and their connectivity, and the
client's own parsers read them, so the records are exactly those a sync over
HTTP would get; no socket is opened here (HTTP is benchmark 3's subject).
ReplayClient then answers the sync service from those records, so that a
timing holds only the sync's own work: the diff and the writes.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

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
from exoinventory.numbers.models import ConnectivityStatus, SyncRun
from exoinventory.numbers.services.sync import SyncResult, exophones_sync
from exoinventory.simulator import ExotelSimulator

ACCOUNT = "BenchSim"
SEED = 2026
# Every tenth number gets another voice flow and another incoming status.
CHANGED_EVERY = 10
CHANGED_VOICE_FLOW = f"https://my.exotel.com/{ACCOUNT}/exoml/start_voice/bench-changed"
# The account as the sync service sees it; the replay never connects to it.
REPLAYED_ACCOUNT = ExotelAccount(
    sid=ACCOUNT,
    scheme="http",
    host="127.0.0.1",
    port=None,
    key="bench",
    token="bench",  # noqa: S106 - never sent: the replay opens no connection
)


@dataclass(frozen=True)
class Snapshot:
    """What one sync reads from Exotel: the listing and each number's connectivity."""

    records: list[ExoPhoneRecord]
    reports: dict[str, ConnectivityReport]

    def first(self, numbers: int) -> "Snapshot":
        records = self.records[:numbers]
        return Snapshot(records, {record.sid: self.reports[record.sid] for record in records})


@dataclass(frozen=True)
class Dataset:
    before: Snapshot
    # The same numbers, one in CHANGED_EVERY with a changed flow and status.
    after: Snapshot

    def first(self, numbers: int) -> "Dataset":
        if numbers > len(self.before.records):
            raise ValueError(f"the dataset has {len(self.before.records)} numbers, not {numbers}")
        return Dataset(self.before.first(numbers), self.after.first(numbers))


def simulated_dataset(numbers: int) -> Dataset:
    """`numbers` ExoPhones of one simulated account, before and after a change
    of 10 % of them. The simulator is frozen (evolve=False): connectivity
    changes only where this function changes it."""
    simulator = ExotelSimulator(numbers=numbers, seed=SEED, accounts=[ACCOUNT], evolve=False)
    zone = settings.EXOTEL_LISTING_TIME_ZONE
    records = [parse_exophone(item, zone=zone) for item in simulator.numbers(ACCOUNT)]
    before = Snapshot(records, _reports(simulator, [record.sid for record in records]))

    changed = [record.sid for record in records[::CHANGED_EVERY]]
    for sid in changed:
        simulator.set_field(ACCOUNT, sid, "voice_url", CHANGED_VOICE_FLOW)
        was_active = before.reports[sid].incoming.status == ConnectivityStatus.ACTIVE
        status = ConnectivityStatus.MAJOR_OUTAGE if was_active else ConnectivityStatus.ACTIVE
        simulator.set_connectivity(ACCOUNT, sid, "incoming", status=status)
    changed_records = {
        sid: parse_exophone(simulator.beta_detail(ACCOUNT, sid), zone=zone) for sid in changed
    }
    after = Snapshot(
        [changed_records.get(record.sid, record) for record in records],
        {**before.reports, **_reports(simulator, changed)},
    )
    return Dataset(before, after)


def _reports(simulator: ExotelSimulator, sids: Sequence[str]) -> dict[str, ConnectivityReport]:
    reports = {}
    for sid in sids:
        # The v2 envelope of a successful detail, around the simulator's own data.
        item = {"code": 200, "status": "success", "data": simulator.v2_detail(ACCOUNT, sid)}
        reports[sid] = parse_detail_envelope(
            {"response": [item]}, sid=sid, observed_at=datetime.now(UTC)
        )
    return reports


class ReplayClient(ExotelClient):
    """The client's interface answered from a snapshot, with no HTTP."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(
            REPLAYED_ACCOUNT,
            budget=LocalRequestBudget(1),
            listing_zone=settings.EXOTEL_LISTING_TIME_ZONE,
        )
        self.snapshot = snapshot

    def list_exophones(self, *, progress: Progress | None = None) -> Listing:
        # The pages a real listing takes, a short one included: the sync
        # subtracts them from the connectivity budget.
        pages = math.floor(len(self.snapshot.records) / self.page_size) + 1
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


def synced(snapshot: Snapshot) -> SyncResult:
    """One sync (listing and sweep) of the replayed account by the sync
    service; an error unless both succeeded and every number was checked."""
    result = exophones_sync(
        account=REPLAYED_ACCOUNT, trigger=SyncRun.Trigger.COMMAND, client=ReplayClient(snapshot)
    )
    for run in (result.listing, result.sweep):
        if run.outcome != SyncRun.Outcome.SUCCESS:
            raise RuntimeError(
                f"the benchmark's {run.kind} did not succeed: {run.outcome} {run.error}"
            )
    if result.sweep.connectivity_checked != len(snapshot.records):
        raise RuntimeError("not every number's connectivity was checked: raise the rate limit")
    return result
