"""The sync service against the simulator over real HTTP (DESIGN.md "Sync semantics")."""

import io
import logging
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exoinventory.exotel.accounts import ExotelAccount, parse_accounts
from exoinventory.exotel.budget import LocalRequestBudget
from exoinventory.exotel.client import ExotelClient, Progress
from exoinventory.numbers.cadence import account_cadence
from exoinventory.numbers.models import (
    MIRRORED_FIELDS,
    Account,
    ConnectivityRun,
    ExoPhone,
    ExoPhoneChange,
    SyncRun,
)
from exoinventory.numbers.services.listing import exophones_list
from exoinventory.numbers.services.runs import INTERRUPTED
from exoinventory.numbers.services.sweep import connectivity_sweep, connectivity_sweep_all
from exoinventory.numbers.services.sync import SyncResult, exophones_sync
from exoinventory.numbers.services.sync_lock import account_sync_lock
from exoinventory.simulator import ExotelSimulator

REPO = Path(__file__).resolve().parent.parent
ACCOUNT = "AcmeSim"
TOKEN = "tok-3xq9-Zr7p-SECRET"  # distinctive, so a leak is easy to find
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
)


@pytest.fixture
def simulator() -> Iterator[ExotelSimulator]:
    with ExotelSimulator(
        numbers=40, seed=7, accounts=[ACCOUNT], key="simkey", token=TOKEN, evolve=False
    ) as sim:
        yield sim


@pytest.fixture
def account(simulator: ExotelSimulator, settings) -> ExotelAccount:
    settings.EXOTEL_ACCOUNTS = simulator.account_url(ACCOUNT)
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 100_000
    settings.REDIS_URL = ""
    return parse_accounts(settings.EXOTEL_ACCOUNTS)[0]


def fast_client(account: ExotelAccount, *, page_size: int = 50) -> ExotelClient:
    """A client that does not make the tests wait on backoff or on the budget:
    the sweep's allotment still follows settings (numbers.cadence)."""
    return ExotelClient(
        account,
        budget=LocalRequestBudget(100_000),
        listing_zone="Asia/Kolkata",
        page_size=page_size,
        timeout=(2.0, 1.0),
        backoff_seconds=0.01,
    )


def sync(
    account: ExotelAccount, *, page_size: int = 50, progress: Progress | None = None
) -> SyncResult:
    """A listing, then one sweep allotment."""
    return exophones_sync(
        account=account,
        trigger=SyncRun.Trigger.COMMAND,
        client=fast_client(account, page_size=page_size),
        progress=progress,
    )


def sweep(account: ExotelAccount) -> SyncRun:
    return connectivity_sweep(
        account=account, trigger=SyncRun.Trigger.SCHEDULE, client=fast_client(account)
    )


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in apps.get_models()}


def phone(sid: str) -> ExoPhone:
    return ExoPhone.objects.get(sid=sid)


def first_sid(simulator: ExotelSimulator) -> str:
    return simulator.numbers(ACCOUNT)[0]["sid"]


@pytest.mark.django_db
def test_the_first_sync_stores_every_number_and_field_exactly(simulator, account):
    sid = first_sid(simulator)
    simulator.set_field(ACCOUNT, sid, "capabilities", {"voice": True})
    simulator.set_field(ACCOUNT, sid, "voice_url", None)

    result = sync(account)

    assert result.listing.outcome == SyncRun.Outcome.SUCCESS, result.listing.error
    assert result.sweep.outcome == SyncRun.Outcome.SUCCESS, result.sweep.error
    assert result.listing.numbers_created == 40
    assert result.sweep.connectivity_checked == 40 and result.sweep.numbers_unchecked == 0
    stored = {p.sid: p for p in ExoPhone.objects.all()}
    for item in simulator.numbers(ACCOUNT):
        p = stored[item["sid"]]
        assert p.phone_number == item["phone_number"]
        assert p.friendly_name == item["friendly_name"]
        assert p.region == item["region"]
        assert p.rental_price == Decimal(item["rental_price"])
        assert p.one_time_price == Decimal(item["one_time_price"])
        assert p.incoming_rate == Decimal(item["incoming_rate"])
        assert p.incoming_pulse == int(item["incoming_pulse"])
        assert p.currency == item["currency"]
        assert p.number_type == item["number_type"]
        assert p.voice_url == item["voice_url"]
        assert p.sms_url == item["sms_url"]
        ist = datetime.strptime(item["date_created"], "%Y-%m-%d %H:%M:%S")
        assert p.date_created == (ist - timedelta(hours=5, minutes=30)).replace(tzinfo=UTC)
        assert p.incoming_status and p.outgoing_status
    assert stored[sid].sms_capable is None
    assert stored[sid].voice_capable is True
    assert stored[sid].voice_url is None
    assert isinstance(stored[sid].rental_price, Decimal)


@pytest.mark.django_db
def test_an_unchanged_resync_adds_only_its_two_sync_runs(simulator, account):
    sync(account)
    before = row_counts()

    result = sync(account)

    after = row_counts()
    assert result.listing.numbers_unchanged == 40
    assert (result.sweep.runs_opened, result.sweep.runs_extended) == (0, 80)
    assert {name: after[name] - before[name] for name in after if after[name] != before[name]} == {
        "SyncRun": 2
    }


def row_versions() -> dict[int, str]:
    """Each number row's xmin: PostgreSQL gives a row a new one whenever it is written."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, xmin::text FROM numbers_exophone")
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_an_unchanged_relisting_writes_no_number_row_and_each_was_seen_by_it(simulator, account):
    sync(account)
    before = row_versions()

    listing = exophones_list(account=account, trigger="command", client=fast_client(account))

    assert listing.numbers_unchanged == 40
    assert row_versions() == before
    listed_at = Account.objects.get(sid=ACCOUNT).listed_at
    assert listing.started_at < listed_at < listing.finished_at
    assert {p.last_listed for p in ExoPhone.objects.select_related("account")} == {listed_at}


@pytest.mark.django_db
def test_a_number_missing_from_a_listing_was_last_seen_by_the_listing_before(simulator, account):
    sync(account)
    seen_by_first = Account.objects.get(sid=ACCOUNT).listed_at
    sid = first_sid(simulator)
    simulator.remove_number(ACCOUNT, sid)

    # Listings alone: no sweep asks about it, so it is not released.
    missed = exophones_list(account=account, trigger="command", client=fast_client(account))
    again = exophones_list(account=account, trigger="command", client=fast_client(account))

    gone = phone(sid)
    assert again.numbers_unchanged == 39
    assert missed.started_at < gone.unlisted_since < missed.finished_at  # the first to miss it
    assert gone.last_listed == seen_by_first and gone.released_at is None
    simulator.restore_number(ACCOUNT, sid)

    back = exophones_list(account=account, trigger="command", client=fast_client(account))

    returned = phone(sid)
    assert back.numbers_updated == 1  # its row: back in the listings
    assert returned.unlisted_since is None
    assert returned.last_listed == Account.objects.get(sid=ACCOUNT).listed_at


@pytest.mark.django_db
def test_each_changed_field_gives_one_change_record(simulator, account):
    sync(account)
    sid = first_sid(simulator)
    old = phone(sid)
    simulator.set_field(
        ACCOUNT, sid, "voice_url", "https://my.exotel.com/AcmeSim/exoml/start_voice/999"
    )
    simulator.set_field(ACCOUNT, sid, "rental_price", "1234.560000")
    simulator.set_field(ACCOUNT, sid, "friendly_name", "Support line")

    run = sync(account).listing

    changes = {c.field: c for c in ExoPhoneChange.objects.filter(exophone=old)}
    assert set(changes) == {"voice_url", "rental_price", "friendly_name"}
    assert changes["voice_url"].old_value == old.voice_url
    assert changes["voice_url"].new_value.endswith("/start_voice/999")
    assert changes["rental_price"].old_value == str(old.rental_price)
    assert changes["rental_price"].new_value == "1234.560000"
    assert changes["friendly_name"].new_value == "Support line"
    assert all(c.sync_run == run for c in changes.values())
    assert all(c.exotel_date_updated == phone(sid).date_updated for c in changes.values())
    assert run.numbers_updated == 1
    assert phone(sid).rental_price == Decimal("1234.56")


@pytest.mark.django_db
def test_an_outage_beginning_and_ending_opens_the_right_runs(simulator, account):
    sid = first_sid(simulator)
    simulator.set_connectivity(ACCOUNT, sid, "incoming", status="active", alternates=None)
    sync(account)
    alternate = simulator.numbers(ACCOUNT)[1]["phone_number"]
    simulator.set_connectivity(
        ACCOUNT, sid, "incoming", status="major_outage", alternates=[alternate]
    )
    sync(account)
    sync(account)
    simulator.set_connectivity(ACCOUNT, sid, "incoming", status="active", alternates=None)

    sync(account)

    runs = list(ConnectivityRun.objects.filter(exophone__sid=sid, direction="incoming"))
    assert [(r.status, r.alternates, r.is_current) for r in runs] == [
        ("active", None, False),
        ("major_outage", [alternate], False),
        ("active", None, True),
    ]
    assert runs[1].last_observed_at > runs[1].first_observed_at  # extended by the third sync
    assert phone(sid).incoming_status == "active"
    assert ConnectivityRun.objects.filter(exophone__sid=sid, direction="outgoing").count() == 1


@pytest.mark.django_db
def test_a_number_missing_from_a_complete_listing_is_released_and_comes_back(simulator, account):
    sync(account)
    sid = first_sid(simulator)
    simulator.remove_number(ACCOUNT, sid)

    released = sync(account)

    assert released.listing.numbers_seen == 39
    assert released.sweep.numbers_released == 1
    released_at = phone(sid).released_at
    assert released.sweep.started_at < released_at < released.sweep.finished_at
    simulator.restore_number(ACCOUNT, sid)

    back = sync(account)

    assert back.sweep.numbers_released == 0 and back.listing.numbers_updated == 1
    assert phone(sid).released_at is None
    assert list(
        ExoPhoneChange.objects.filter(exophone__sid=sid, field="released_at")
        .order_by("observed_at")
        .values_list("new_value", flat=True)
    ) == [released_at.isoformat().replace("+00:00", "Z"), None]


@pytest.mark.django_db
def test_a_released_number_is_down_nowhere_and_its_runs_are_closed_at_the_release(
    simulator, account
):
    sid = first_sid(simulator)
    simulator.set_connectivity(ACCOUNT, sid, "incoming", status="major_outage")
    sync(account)
    assert phone(sid).incoming_status == "major_outage"
    simulator.remove_number(ACCOUNT, sid)

    sync(account)

    gone = phone(sid)
    assert gone.released_at is not None
    assert (gone.incoming_status, gone.outgoing_status) == ("", "")
    runs = ConnectivityRun.objects.filter(exophone=gone)
    assert not runs.filter(is_current=True).exists()
    assert {run.last_observed_at for run in runs} == {gone.released_at}


@pytest.mark.django_db
def test_a_listing_that_shifts_while_it_is_paged_releases_only_what_is_gone(simulator, account):
    sync(account, page_size=10)
    sids = [item["sid"] for item in simulator.numbers(ACCOUNT)]

    def remove_first_number_after_page_0(stage: str, done: int, total: int | None) -> None:
        if stage == "listing" and done == 1:
            simulator.remove_number(ACCOUNT, sids[0])

    # Page 1 now starts one number later: sids[10] is in no page, yet live.
    shifted = sync(account, page_size=10, progress=remove_first_number_after_page_0)
    after = sync(account, page_size=10)

    assert (shifted.listing.numbers_seen, shifted.sweep.numbers_released) == (39, 0)
    assert (after.listing.numbers_seen, after.sweep.numbers_released) == (39, 1)
    assert phone(sids[0]).released_at is not None
    assert phone(sids[10]).released_at is None
    assert not ExoPhoneChange.objects.filter(exophone__sid=sids[10]).exists()


@pytest.mark.django_db
def test_a_value_the_database_cannot_store_is_stored_empty_and_the_run_is_partial(
    simulator, account
):
    sync(account)
    bad, renamed = simulator.numbers(ACCOUNT)[5]["sid"], first_sid(simulator)
    simulator.set_field(ACCOUNT, bad, "friendly_name", "nul\x00name")
    simulator.set_field(ACCOUNT, renamed, "friendly_name", "renamed")

    run = sync(account).listing

    assert run.outcome == SyncRun.Outcome.PARTIAL, run.error
    assert (run.records_skipped, run.fields_emptied) == (0, {"friendly_name": 1})
    assert phone(renamed).friendly_name == "renamed"
    assert phone(bad).released_at is None and phone(bad).friendly_name == ""


@pytest.mark.django_db
def test_when_the_budget_covers_part_of_the_account_unchanged_checks_extend_runs(
    simulator, account, settings
):
    # 10 requests a minute, one-minute interval: 8 planned, 1 for the one
    # listing page, so 7 numbers a sync and 6 syncs to come round all 40.
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 10
    settings.SYNC_INTERVAL_MINUTES = 1
    for item in simulator.numbers(ACCOUNT):  # no outage to check first
        for direction in ("incoming", "outgoing"):
            simulator.set_connectivity(ACCOUNT, item["sid"], direction, status="active")
    runs = [sync(account).sweep for _ in range(7)]

    assert [run.connectivity_checked for run in runs] == [7] * 7
    assert sum(run.runs_opened for run in runs[:6]) == 80  # every number once
    assert (runs[6].runs_opened, runs[6].runs_extended) == (0, 14)  # the stalest again


@pytest.mark.django_db
def test_a_gap_without_observation_is_not_bridged_by_a_run(simulator, account):
    sync(account)
    sid = first_sid(simulator)
    ConnectivityRun.objects.filter(exophone__sid=sid).update(
        first_observed_at=F("first_observed_at") - timedelta(hours=2),
        last_observed_at=F("last_observed_at") - timedelta(hours=1),
    )

    run = sync(account).sweep

    assert run.runs_opened == 2 and run.runs_extended == 78
    incoming = ConnectivityRun.objects.filter(exophone__sid=sid, direction="incoming")
    assert [r.is_current for r in incoming] == [False, True]
    assert incoming[0].status == incoming[1].status  # same status, but a gap between


@pytest.mark.django_db
def listed_values() -> list[dict]:
    """What a listing writes of every number."""
    return list(ExoPhone.objects.order_by("sid").values("sid", "last_seen", *MIRRORED_FIELDS))


@pytest.mark.django_db
def test_a_listing_that_fails_midway_releases_nothing_and_changes_nothing(simulator, account):
    sync(account, page_size=10)
    before = listed_values()
    counts = row_counts()
    simulator.set_field(ACCOUNT, first_sid(simulator), "friendly_name", "changed meanwhile")
    simulator.fail_listing_at_page(2)

    result = sync(account, page_size=10)

    run = result.listing
    assert run.outcome == SyncRun.Outcome.FAILED
    assert "listing page 2" in run.error and "\n" not in run.error
    assert listed_values() == before
    # The sweep after it still checks connectivity: no number was released.
    assert result.sweep.connectivity_checked == 40 and result.sweep.numbers_released == 0
    assert row_counts() == {**counts, "SyncRun": counts["SyncRun"] + 2}


@pytest.mark.django_db
def test_errors_timeouts_and_malformed_items_are_survived_and_counted(simulator, account):
    bad = simulator.numbers(ACCOUNT)[3]["sid"]
    sync(account)
    simulator.malformed_item(ACCOUNT, bad)
    simulator.fail_next(2, status=503)
    simulator.timeout_next(1, seconds=3)

    result = sync(account)

    run = result.listing
    assert run.outcome == SyncRun.Outcome.PARTIAL, run.error
    assert run.retries >= 3
    assert run.fields_emptied == {"rental_price": 1}
    assert run.numbers_seen == 40
    assert phone(bad).rental_price is None
    assert phone(bad).released_at is None


@pytest.mark.django_db
def test_a_sync_whose_retries_run_out_fails_with_one_clean_line(simulator, account):
    simulator.fail_next(50, status=500)

    run = sync(account).listing

    assert run.outcome == SyncRun.Outcome.FAILED
    assert run.error.startswith(f"{ACCOUNT}: listing page 0: HTTP 500")
    assert ExoPhone.objects.count() == 0


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_syncs_of_one_account_started_together_run_once(account, simulator):
    simulator.latency = 0.05
    runs: list[SyncRun] = []

    # Listings only: a sweep started by the skipped thread could otherwise
    # run before the other's listing wrote a number, and take the turn of
    # the sweep that follows it.
    def worker() -> None:
        runs.append(exophones_list(account=account, trigger="command", client=fast_client(account)))
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(run.outcome for run in runs) == ["skipped", "success"]
    assert ExoPhone.objects.count() == 40
    assert sweep(account).runs_opened == 80


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_sync_killed_midway_leaves_the_previous_state_and_the_next_converges(
    account, simulator, settings
):
    sync(account)
    before = list(ExoPhone.objects.order_by("sid").values())
    simulator.set_field(ACCOUNT, first_sid(simulator), "friendly_name", "renamed")
    # Slow enough that the child is still on its one listing page when killed.
    simulator.latency = 1.5
    db = settings.DATABASES["default"]
    environ = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EXOTEL_ACCOUNTS": simulator.account_url(ACCOUNT),
        "EXOTEL_RATE_LIMIT_PER_MINUTE": "100000",
    }
    child = subprocess.Popen(
        [sys.executable, "manage.py", "sync_exophones"], cwd=REPO, env=environ,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not SyncRun.objects.filter(outcome=SyncRun.Outcome.RUNNING).exists():
        assert time.monotonic() < deadline, "the child sync never started"
        time.sleep(0.05)
    time.sleep(0.5)  # into its listing
    child.send_signal(signal.SIGKILL)
    child.wait()

    assert list(ExoPhone.objects.order_by("sid").values()) == before
    simulator.latency = 0.0
    run = sync(account).listing

    assert run.outcome == SyncRun.Outcome.SUCCESS
    assert phone(first_sid(simulator)).friendly_name == "renamed"
    listings = SyncRun.objects.filter(kind=SyncRun.Kind.LISTING).exclude(pk=run.pk)
    killed = listings.order_by("-started_at").first()
    assert killed.outcome == SyncRun.Outcome.FAILED and killed.error == INTERRUPTED


def queries_of_syncs(numbers: int) -> tuple[int, int]:
    """Queries of a first sync and of a re-sync where every number changed."""
    with ExotelSimulator(
        numbers=numbers, seed=3, accounts=[ACCOUNT], key="simkey", token=TOKEN, evolve=False
    ) as sim:
        account = parse_accounts(sim.account_url(ACCOUNT))[0]
        with CaptureQueriesContext(connection) as first:
            sync(account)
        for item in sim.numbers(ACCOUNT):
            sim.set_field(ACCOUNT, item["sid"], "friendly_name", "renamed " + item["sid"])
            sim.set_connectivity(ACCOUNT, item["sid"], "incoming", status="major_outage")
        with CaptureQueriesContext(connection) as second:
            sync(account)
    return len(first.captured_queries), len(second.captured_queries)


@postgres_only
@pytest.mark.django_db
def test_the_queries_of_a_sync_do_not_grow_with_the_number_of_exophones(settings):
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 100_000

    small = queries_of_syncs(100)
    ExoPhoneChange.objects.all().delete()
    ConnectivityRun.objects.all().delete()
    SyncRun.objects.all().delete()
    ExoPhone.objects.all().delete()
    Account.objects.all().delete()
    large = queries_of_syncs(2000)

    assert small == large
    assert ExoPhone.objects.count() == 2000


@pytest.mark.django_db
def test_the_token_appears_in_no_log_row_error_or_output(simulator, account, caplog):
    caplog.set_level(logging.DEBUG)
    sync(account)
    simulator.set_field(ACCOUNT, first_sid(simulator), "voice_url", None)
    simulator.fail_next(50, status=500)
    failed = sync(account).listing
    simulator.reset_faults()
    out = io.StringIO()
    call_command("sync_exophones", stdout=out, stderr=out)

    assert failed.outcome == SyncRun.Outcome.FAILED
    texts = [caplog.text, out.getvalue(), failed.error]
    for model in apps.get_models():
        texts += [str(row) for row in model.objects.values_list()]
    assert not [t for t in texts if TOKEN in t]


@pytest.mark.django_db
def test_a_number_whose_detail_always_fails_does_not_block_the_others(simulator, account, settings):
    # 7 numbers a sweep (see the test above): 6 sweeps come round all 40.
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 10
    settings.SYNC_INTERVAL_MINUTES = 1
    broken = first_sid(simulator)
    for item in simulator.numbers(ACCOUNT):
        for direction in ("incoming", "outgoing"):
            simulator.set_connectivity(ACCOUNT, item["sid"], direction, status="active")
    simulator.fail_next(1000, status=500, path_contains=f"incoming-phone-numbers/{broken}")
    sync(account)

    runs = [sweep(account) for _ in range(6)]

    observed = ExoPhone.objects.filter(connectivity_observed_at__isnull=False)
    assert observed.count() == 39
    assert not observed.filter(sid=broken).exists()
    assert phone(broken).connectivity_attempted_at is not None
    # Asked about like any other number, not in every sweep.
    assert sum(run.records_skipped for run in runs) <= 2
    assert all(run.outcome in (SyncRun.Outcome.SUCCESS, SyncRun.Outcome.PARTIAL) for run in runs)


@postgres_only
@pytest.mark.django_db
def test_at_5000_numbers_the_listing_never_starves_the_sweep_and_old_statuses_become_no_data(
    settings, admin_client
):
    """The issue's scale case: pages of 10 make 501 listing requests, more than
    an interval's whole budget (100 a minute x 5 minutes x 0.8 = 400); the
    sweep still gets its allotment, and every number is observed within
    ceil(numbers / allotment) + 1 sweeps."""
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 100
    settings.SYNC_INTERVAL_MINUTES = 5
    settings.REDIS_URL = ""
    with ExotelSimulator(
        numbers=5000, seed=11, accounts=[ACCOUNT], key="simkey", token=TOKEN, evolve=False
    ) as sim:
        # No outage, so that no number is checked twice in a round.
        for item in sim.numbers(ACCOUNT):
            for direction in ("incoming", "outgoing"):
                sim.set_connectivity(ACCOUNT, item["sid"], direction, status="active")
        account = parse_accounts(sim.account_url(ACCOUNT))[0]
        settings.EXOTEL_ACCOUNTS = sim.account_url(ACCOUNT)
        cadence = account_cadence(5000)
        assert cadence.interval_budget < 501 and cadence.allotment >= cadence.interval_budget // 2

        first = sync(account, page_size=10)
        sweeps = [first.sweep] + [sweep(account) for _ in range(cadence.sweeps_per_round)]

        assert first.listing.pages == 501 and first.listing.numbers_seen == 5000
        assert [run.connectivity_checked for run in sweeps] == [cadence.allotment] * len(sweeps)
        assert not ExoPhone.objects.filter(connectivity_observed_at__isnull=True).exists()
        assert len(sweeps) == math.ceil(5000 / cadence.allotment) + 1

    sample = ExoPhone.objects.order_by("sid").first()
    assert (
        admin_client.get("/admin/numbers/exophone/?incoming=active").context["cl"].result_count
        == 5000
    )
    with time_machine.travel(timezone.now() + timedelta(hours=4)):
        listing_page = admin_client.get("/admin/numbers/exophone/")
        no_data = admin_client.get("/admin/numbers/exophone/?incoming=no+data")
        active = admin_client.get("/admin/numbers/exophone/?incoming=active")
        number_page = admin_client.get(f"/admin/numbers/exophone/{sample.pk}/change/")

    assert "last seen Active, 4\xa0hours ago" in listing_page.content.decode()
    assert no_data.context["cl"].result_count == 5000
    assert active.context["cl"].result_count == 0
    assert "no data" in number_page.content.decode()
    assert "last seen Active, 4\xa0hours ago" in number_page.content.decode()


@pytest.mark.django_db
def test_a_sweep_never_asks_about_more_numbers_than_its_allotment(simulator, account, settings):
    # 7 numbers a sweep (see above); 20 release candidates and outages everywhere.
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 10
    settings.SYNC_INTERVAL_MINUTES = 1
    items = simulator.numbers(ACCOUNT)
    for item in items:
        simulator.set_connectivity(ACCOUNT, item["sid"], "incoming", status="major_outage")
    sync(account)
    [sweep(account) for _ in range(5)]
    for item in items[:20]:
        simulator.remove_number(ACCOUNT, item["sid"])
    simulator.fail_next(1000, status=500, path_contains="/v2/")  # candidates never answer
    sync(account)

    runs = [sweep(account) for _ in range(4)]

    # Every detail fails: each sweep asked exactly its allotment, no more.
    assert [run.records_skipped for run in runs] == [7, 7, 7, 7]
    # The 20 candidates were asked once each (sweeps 1-3), then the others
    # had their turn: the fourth asked none of them again.
    candidates = ExoPhone.objects.filter(sid__in=[item["sid"] for item in items[:20]])
    assert not candidates.filter(connectivity_attempted_at__gte=runs[3].started_at).exists()
    assert not candidates.filter(released_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_release_is_stamped_when_the_404_arrived_and_does_not_stretch_a_stale_run(
    simulator, account
):
    sync(account)
    sid = first_sid(simulator)
    stale = timezone.now() - timedelta(days=3)
    ConnectivityRun.objects.filter(exophone__sid=sid).update(
        first_observed_at=stale, last_observed_at=stale
    )
    simulator.remove_number(ACCOUNT, sid)
    simulator.latency = 0.2

    result = sync(account)

    gone = phone(sid)
    assert result.sweep.started_at < gone.released_at < result.sweep.finished_at
    assert set(
        ConnectivityRun.objects.filter(exophone=gone).values_list("last_observed_at", "is_current")
    ) == {(stale, False)}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_sweep_of_every_number_waits_its_turn_behind_a_running_sweep(simulator, account):
    sync(account)
    holder = threading.Event()
    release = threading.Event()

    def hold_the_sweep_lock() -> None:
        with account_sync_lock(ACCOUNT, SyncRun.Kind.SWEEP) as acquired:
            assert acquired
            holder.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=hold_the_sweep_lock)
    thread.start()
    holder.wait(10)
    threading.Timer(1.0, release.set).start()

    runs = connectivity_sweep_all(
        account=account, trigger=SyncRun.Trigger.COMMAND, client=fast_client(account)
    )
    thread.join()

    assert [run.outcome for run in runs] == [SyncRun.Outcome.SUCCESS]
    assert runs[0].connectivity_checked == 40
