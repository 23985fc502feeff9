"""The fault matrix: every way Exotel (played by the simulator, over real HTTP)
can misbehave, each with its written outcome for a listing and for a sweep.

For each fault: the run completes or fails with a one-line reason, no number
still in Exotel is released, a failed run writes nothing, and the next clean
sync converges to the state a sync that never met the fault reaches.

The client retries twice (three attempts) with 0.5 s timeouts and records its
waits instead of sleeping, so the matrix runs in seconds.
"""

import dataclasses
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from exoinventory.exotel.accounts import ExotelAccount, parse_accounts
from exoinventory.exotel.budget import LocalRequestBudget
from exoinventory.exotel.client import ExotelClient
from exoinventory.numbers.models import (
    MIRRORED_FIELDS,
    ConnectivityRun,
    ExoPhone,
    ExoPhoneChange,
    SyncRun,
)
from exoinventory.numbers.services.listing import exophones_list
from exoinventory.numbers.services.sweep import connectivity_sweep, connectivity_sweep_all
from exoinventory.simulator import ExotelSimulator

ACCOUNT = "AcmeSim"
PAGE_SIZE = 5
MAX_RETRIES = 2
ATTEMPTS = MAX_RETRIES + 1
PERSISTENT = 1_000  # more requests than any run makes

# What a run did: "completes" (success), "completes, skipping" (partial, with
# numbers skipped and kept as they were), "completes short" (success, but the
# listing missed numbers it could not know about), or "fails: <reason>" (the
# run's one-line error contains the reason).
COMPLETES = "completes"
SKIPPING = "completes, skipping"
SHORT = "completes short"
# A sweep in which not one number's detail could be read has failed: ending
# "partial" with every number skipped would count as a good sweep. It writes
# nothing but the attempts (rows(but_attempts=True)).
NONE_READ = "fails: no number's connectivity could be read"

# Arm a fault on the simulator; `path` is "/v2_beta/" while the listing runs,
# "/v2/" while the sweep runs (the two APIs' paths).
Arm = Callable[[ExotelSimulator, str], None]


@dataclass(frozen=True)
class Fault:
    arm: Arm | None
    listing: str
    sweep: str
    # Where the client connects: the simulator, a closed port, or a port
    # whose accept queue is full (connect timeout).
    host: str = "simulator"


def _fail(status: int, n: int = 1, retry_after: int | None = None) -> Arm:
    def arm(sim: ExotelSimulator, path: str) -> None:
        sim.fail_next(n, status=status, path_contains=path, retry_after=retry_after)

    return arm


def listed_detail(sim: ExotelSimulator) -> str:
    """The v2 detail path of a number still in Exotel (not the one removed)."""
    return f"/v2/accounts/{ACCOUNT}/incoming-phone-numbers/{sim.numbers(ACCOUNT)[0]['sid']}"


MATRIX: dict[str, Fault] = {
    "no fault": Fault(None, COMPLETES, COMPLETES),
    "429 with Retry-After": Fault(_fail(429, retry_after=3), COMPLETES, COMPLETES),
    "429 without Retry-After": Fault(_fail(429), COMPLETES, COMPLETES),
    "429 on every retry": Fault(
        _fail(429, PERSISTENT, retry_after=1), "fails: HTTP 429", NONE_READ
    ),
    "500": Fault(_fail(500), COMPLETES, COMPLETES),
    "502": Fault(_fail(502), COMPLETES, COMPLETES),
    "503": Fault(_fail(503), COMPLETES, COMPLETES),
    "504": Fault(_fail(504), COMPLETES, COMPLETES),
    "503 on every retry": Fault(_fail(503, PERSISTENT), "fails: HTTP 503", NONE_READ),
    "connection refused": Fault(
        None, f"fails: ConnectionError after {ATTEMPTS} attempts", NONE_READ, host="refused"
    ),
    "connect timeout": Fault(
        None, f"fails: ConnectTimeout after {ATTEMPTS} attempts", NONE_READ, host="unaccepting"
    ),
    "read timeout once": Fault(
        lambda sim, path: sim.timeout_next(1, seconds=2, path_contains=path), COMPLETES, COMPLETES
    ),
    "read timeout on every retry": Fault(
        lambda sim, path: sim.timeout_next(PERSISTENT, seconds=2, path_contains=path),
        f"fails: ReadTimeout after {ATTEMPTS} attempts",
        NONE_READ,
    ),
    "reset midway": Fault(
        lambda sim, path: sim.reset_next(1, path_contains=path), COMPLETES, COMPLETES
    ),
    "reset on every retry": Fault(
        lambda sim, path: sim.reset_next(PERSISTENT, path_contains=path),
        f"fails: ChunkedEncodingError after {ATTEMPTS} attempts",
        NONE_READ,
    ),
    "HTML instead of JSON": Fault(
        lambda sim, path: sim.html_body_next(1, path_contains=path),
        "fails: listing page 0: the body is not JSON",
        SKIPPING,
    ),
    "truncated JSON": Fault(
        lambda sim, path: sim.malformed_body_next(1, path_contains=path),
        "fails: listing page 0: the body is not JSON",
        SKIPPING,
    ),
    "JSON of the wrong shape": Fault(
        lambda sim, path: sim.wrong_shape_next(1, path_contains=path),
        "fails: listing page 0: no incoming_phone_numbers list",
        SKIPPING,
    ),
    "empty page before the end": Fault(
        lambda sim, path: sim.empty_listing_page(1), SHORT, COMPLETES
    ),
    # The sweep after it skips the removed number: the last complete listing
    # still has it, so its 404 is not trusted to release it.
    "a page that fails every retry": Fault(
        lambda sim, path: sim.fail_listing_at_page(1), "fails: listing page 1: HTTP 500", SKIPPING
    ),
    "401": Fault(_fail(401, PERSISTENT), "fails: listing page 0: HTTP 401", NONE_READ),
    "403": Fault(_fail(403, PERSISTENT), "fails: listing page 0: HTTP 403", NONE_READ),
    "207 with a failed item": Fault(lambda sim, path: sim.partial_next(1), COMPLETES, SKIPPING),
    "an item with error_data": Fault(
        lambda sim, path: sim.error_data_next(1, path_contains=listed_detail(sim)),
        COMPLETES,
        SKIPPING,
    ),
    # A 404 for a number the last listing had is not trusted to release it.
    "404 for a listed number": Fault(
        lambda sim, path: sim.fail_next(1, status=404, path_contains=listed_detail(sim)),
        COMPLETES,
        SKIPPING,
    ),
}


@pytest.fixture
def simulator() -> Iterator[ExotelSimulator]:
    with ExotelSimulator(numbers=12, seed=11, accounts=[ACCOUNT], evolve=False, drift=False) as sim:
        yield sim


@pytest.fixture
def account(simulator: ExotelSimulator, settings) -> ExotelAccount:
    settings.EXOTEL_ACCOUNTS = simulator.account_url(ACCOUNT)
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 100_000
    settings.REDIS_URL = ""
    return parse_accounts(settings.EXOTEL_ACCOUNTS)[0]


@pytest.fixture
def refused_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unaccepting_port() -> Iterator[int]:
    """A port whose accept queue is full: a connection to it times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for sock in [*fillers, listener]:
        sock.close()


def client(account: ExotelAccount, waits: list[float] | None = None) -> ExotelClient:
    return ExotelClient(
        account,
        budget=LocalRequestBudget(100_000),
        listing_zone="Asia/Kolkata",
        page_size=PAGE_SIZE,
        timeout=(0.5, 0.5),
        max_retries=MAX_RETRIES,
        sleep=(waits if waits is not None else []).append,
    )


def clean_sync(account: ExotelAccount) -> None:
    listing = exophones_list(
        account=account, trigger=SyncRun.Trigger.COMMAND, client=client(account)
    )
    assert listing.outcome == SyncRun.Outcome.SUCCESS, listing.error
    sweeps = connectivity_sweep_all(
        account=account, trigger=SyncRun.Trigger.COMMAND, client=client(account)
    )
    assert all(run.outcome == SyncRun.Outcome.SUCCESS for run in sweeps)


def rows(*, but_attempts: bool = False) -> dict[str, Any]:
    """Every row a sync writes, exactly; `but_attempts`: but when a sweep
    last asked about each number, which a failed sweep records too (so that
    numbers that never answer do not hold every sweep's turn)."""
    phones = ExoPhone.objects.order_by("sid").values()
    if but_attempts:
        phones = phones.values(
            *(
                f.name
                for f in ExoPhone._meta.concrete_fields
                if f.name != "connectivity_attempted_at"
            )
        )
    return {
        "phones": list(phones),
        "changes": list(ExoPhoneChange.objects.order_by("pk").values()),
        "runs": list(ConnectivityRun.objects.order_by("pk").values()),
    }


def converged_state() -> dict[str, Any]:
    """What a sync decides, without the moments it decided it at."""
    phones = {
        phone.sid: (
            *(getattr(phone, name) for name in MIRRORED_FIELDS),
            phone.released_at is not None,
            phone.incoming_status,
            phone.outgoing_status,
            phone.incoming_alternates,
            phone.outgoing_alternates,
        )
        for phone in ExoPhone.objects.all()
    }
    changes = set(
        ExoPhoneChange.objects.exclude(field="released_at").values_list(
            "exophone__sid", "field", "old_value", "new_value"
        )
    )
    released = set(
        ExoPhoneChange.objects.filter(field="released_at").values_list("exophone__sid", "old_value")
    )
    current_runs = set(
        ConnectivityRun.objects.filter(is_current=True).values_list(
            "exophone__sid", "direction", "status"
        )
    )
    return {"phones": phones, "changes": changes, "released": released, "runs": current_runs}


def state_without_the_fault(account: ExotelAccount) -> dict[str, Any]:
    """The state a clean sync reaches from here, rolled back once read."""
    savepoint = transaction.savepoint()
    clean_sync(account)
    state = converged_state()
    transaction.savepoint_rollback(savepoint)
    return state


def assert_nothing_wrongly_released(simulator: ExotelSimulator) -> None:
    in_exotel = {item["sid"] for item in simulator.numbers(ACCOUNT)}
    wrongly = ExoPhone.objects.filter(sid__in=in_exotel, released_at__isnull=False)
    assert not wrongly.exists(), list(wrongly.values_list("sid", flat=True))


def assert_outcome(run: SyncRun, expected: str) -> None:
    if expected.startswith("fails: "):
        assert run.outcome == SyncRun.Outcome.FAILED
        assert expected.removeprefix("fails: ") in run.error
        assert "\n" not in run.error and len(run.error) <= 500
    elif expected == SKIPPING:
        assert run.outcome == SyncRun.Outcome.PARTIAL, run.error
        assert run.records_skipped > 0 and not run.error
    else:
        assert run.outcome == SyncRun.Outcome.SUCCESS, run.error
        assert not run.error


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("name", list(MATRIX))
def test_each_fault_has_its_written_outcome_and_the_next_clean_sync_converges(
    name, simulator, account, refused_port, unaccepting_port
):
    fault = MATRIX[name]
    clean_sync(account)
    # Something for the faulted runs to write: a changed, a removed and a new number.
    sids = [item["sid"] for item in simulator.numbers(ACCOUNT)]
    simulator.set_field(ACCOUNT, sids[0], "friendly_name", "Renamed by the matrix")
    simulator.remove_number(ACCOUNT, sids[6])
    simulator.add_numbers(ACCOUNT, 1)
    expected = state_without_the_fault(account)
    ports = {"simulator": account.port, "refused": refused_port, "unaccepting": unaccepting_port}
    faulted = dataclasses.replace(account, port=ports[fault.host])
    waits: list[float] = []

    before = rows()
    if fault.arm:
        fault.arm(simulator, "/v2_beta/")
    listing = exophones_list(
        account=account, trigger=SyncRun.Trigger.COMMAND, client=client(faulted, waits)
    )
    assert_outcome(listing, COMPLETES if fault.listing == SHORT else fault.listing)
    if fault.listing.startswith("fails: "):
        assert rows() == before, "a failed listing wrote"
    if fault.listing == SHORT:
        assert listing.numbers_seen < len(simulator.numbers(ACCOUNT))
    assert_nothing_wrongly_released(simulator)

    simulator.reset_faults()
    before = rows(but_attempts=True)
    if fault.arm:
        fault.arm(simulator, "/v2/")
    sweep = connectivity_sweep(
        account=account, trigger=SyncRun.Trigger.COMMAND, client=client(faulted, waits)
    )
    assert_outcome(sweep, fault.sweep)
    if fault.sweep.startswith("fails: "):
        assert rows(but_attempts=True) == before, "a failed sweep wrote"
    assert_nothing_wrongly_released(simulator)
    if name == "429 with Retry-After":
        assert waits.count(3.0) == 2, "each 429 waited as long as it asked"

    simulator.reset_faults()
    clean_sync(account)
    assert converged_state() == expected
    assert_nothing_wrongly_released(simulator)
