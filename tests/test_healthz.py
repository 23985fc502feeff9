"""/healthz: database reachable, each configured account's last good listing
and sweep recent enough, and how many of its numbers are "no data"."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection, connections
from django.db.utils import load_backend
from django.test import Client
from django.test.utils import CaptureQueriesContext

from exoinventory.numbers.models import Account, ExoPhone, SyncRun
from tests.factories import make_exophone, make_user

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
INTERVAL_MINUTES = 5
LISTING_INTERVAL_MINUTES = 60
LISTING, SWEEP = SyncRun.Kind.LISTING, SyncRun.Kind.SWEEP

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_time_and_interval(settings) -> Iterator[None]:
    settings.SYNC_INTERVAL_MINUTES = INTERVAL_MINUTES
    settings.LISTING_INTERVAL_MINUTES = LISTING_INTERVAL_MINUTES
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 50
    configure(settings, "acme1")
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def client() -> Client:
    """A staff user's: the details are for the people running the service."""
    staff = Client()
    staff.force_login(make_user("ops", is_staff=True))
    return staff


def configure(settings, *sids: str) -> None:
    """EXOTEL_ACCOUNTS naming these accounts (nothing here talks to them)."""
    settings.EXOTEL_ACCOUNTS = ",".join(f"http://k:t@127.0.0.1:9/{sid}" for sid in sids)


def _account(sid: str) -> Account:
    return Account.objects.create(sid=sid, api_host="api.exotel.com")


def _run(account: Account, kind: str, *, minutes_ago: float, outcome: str) -> SyncRun:
    """A listing or sweep that finished `minutes_ago`, 30 seconds after it started."""
    finished = NOW - timedelta(minutes=minutes_ago)
    return SyncRun.objects.create(
        account=account,
        kind=kind,
        trigger=SyncRun.Trigger.SCHEDULE,
        started_at=finished - timedelta(seconds=30),
        finished_at=finished,
        outcome=outcome,
    )


def _synced(account: Account, *, listed: float = 30, swept: float = 2) -> Account:
    _run(account, LISTING, minutes_ago=listed, outcome=SyncRun.Outcome.SUCCESS)
    _run(account, SWEEP, minutes_ago=swept, outcome=SyncRun.Outcome.SUCCESS)
    return account


def _health(client: Client) -> tuple[int, dict]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def _stale(body: dict) -> list[tuple[str, bool]]:
    return [(account["account_sid"], account["stale"]) for account in body["accounts"]]


def test_it_is_healthy_after_a_recent_good_listing_and_sweep(client: Client) -> None:
    account = _account("acme1")
    _run(account, LISTING, minutes_ago=40, outcome=SyncRun.Outcome.SUCCESS)
    _run(account, SWEEP, minutes_ago=4, outcome=SyncRun.Outcome.SUCCESS)

    status, body = _health(client)

    assert status == 200
    assert body == {
        "status": "ok",
        "database": "ok",
        "configuration": "ok",
        "accounts": [
            {
                "account_sid": "acme1",
                "last_good_listing": "2026-11-22T09:20:00Z",
                "listing_age_seconds": 2400,
                "last_good_sweep": "2026-11-22T09:56:00Z",
                "sweep_age_seconds": 240,
                "stale": False,
                "numbers": 0,
                "numbers_no_data": 0,
            }
        ],
        "checked_at": "2026-11-22T10:00:00Z",
    }


def test_it_is_healthy_with_no_account_yet(client: Client, settings) -> None:
    configure(settings)

    status, body = _health(client)

    assert status == 200
    assert body["status"] == "ok"
    assert body["accounts"] == []


def test_it_is_unhealthy_when_the_last_good_sweep_is_older_than_three_intervals(
    client: Client, settings
) -> None:
    configure(settings, "acme1", "acme2")
    _synced(_account("acme1"), swept=2)
    stale = _synced(_account("acme2"), swept=16)
    # Failures since do not count as good sweeps.
    _run(stale, SWEEP, minutes_ago=1, outcome=SyncRun.Outcome.FAILED)

    status, body = _health(client)

    assert status == 503
    assert body["status"] == "unhealthy"
    assert body["database"] == "ok"
    assert [
        (a["account_sid"], a["stale"], a["sweep_age_seconds"], a["listing_age_seconds"])
        for a in body["accounts"]
    ] == [("acme1", False, 120, 1800), ("acme2", True, 960, 1800)]


def test_it_is_unhealthy_when_the_last_good_listing_is_older_than_three_listing_intervals(
    client: Client, settings
) -> None:
    configure(settings, "acme1", "acme2")
    _synced(_account("acme1"), listed=181, swept=1)
    _synced(_account("acme2"), listed=179, swept=1)

    status, body = _health(client)

    assert status == 503
    assert _stale(body) == [("acme1", True), ("acme2", False)]


def test_it_is_still_healthy_at_exactly_three_intervals_of_each(client: Client) -> None:
    _synced(_account("acme1"), listed=180, swept=15)

    status, body = _health(client)

    assert status == 200
    assert body["accounts"][0]["stale"] is False


def test_a_partial_run_is_a_good_one(client: Client) -> None:
    account = _account("acme1")
    _run(account, LISTING, minutes_ago=10, outcome=SyncRun.Outcome.PARTIAL)
    _run(account, SWEEP, minutes_ago=1, outcome=SyncRun.Outcome.PARTIAL)

    status, body = _health(client)

    assert status == 200
    assert body["accounts"][0]["listing_age_seconds"] == 600
    assert body["accounts"][0]["sweep_age_seconds"] == 60


def test_a_never_synced_account_is_not_stale_while_its_first_runs_are_new(
    client: Client,
) -> None:
    account = _account("acme1")
    _run(account, LISTING, minutes_ago=3, outcome=SyncRun.Outcome.RUNNING)
    _run(account, SWEEP, minutes_ago=3, outcome=SyncRun.Outcome.FAILED)

    status, body = _health(client)

    assert status == 200
    assert body["accounts"] == [
        {
            "account_sid": "acme1",
            "last_good_listing": None,
            "listing_age_seconds": None,
            "last_good_sweep": None,
            "sweep_age_seconds": None,
            "stale": False,
            "numbers": 0,
            "numbers_no_data": 0,
        }
    ]


def test_a_sweep_never_good_is_stale_once_its_first_run_is_three_intervals_old(
    client: Client,
) -> None:
    account = _account("acme1")
    _run(account, LISTING, minutes_ago=30, outcome=SyncRun.Outcome.SUCCESS)
    _run(account, SWEEP, minutes_ago=40, outcome=SyncRun.Outcome.FAILED)
    _run(account, SWEEP, minutes_ago=5, outcome=SyncRun.Outcome.FAILED)

    status, body = _health(client)

    assert status == 503
    assert body["status"] == "unhealthy"
    assert _stale(body) == [("acme1", True)]
    assert body["accounts"][0]["last_good_sweep"] is None


def test_a_listing_never_good_has_three_listing_intervals_before_it_is_stale(
    client: Client, settings
) -> None:
    configure(settings, "acme1", "acme2")
    young, old = _account("acme1"), _account("acme2")
    for account, minutes_ago in ((young, 40), (old, 181)):
        _run(account, LISTING, minutes_ago=minutes_ago, outcome=SyncRun.Outcome.FAILED)
        _run(account, SWEEP, minutes_ago=1, outcome=SyncRun.Outcome.SUCCESS)

    status, body = _health(client)

    assert status == 503
    assert _stale(body) == [("acme1", False), ("acme2", True)]


def test_an_account_without_any_sync_run_is_not_stale(client: Client) -> None:
    _account("acme1")

    status, body = _health(client)

    assert status == 200
    assert body["accounts"][0]["stale"] is False


def test_an_account_no_longer_configured_is_left_out(client: Client) -> None:
    _synced(_account("acme1"))
    gone = _account("removed")
    _run(gone, LISTING, minutes_ago=60 * 24 * 30, outcome=SyncRun.Outcome.SUCCESS)
    _run(gone, SWEEP, minutes_ago=60 * 24 * 30, outcome=SyncRun.Outcome.FAILED)
    make_exophone(account=gone, connectivity_observed_at=None)

    status, body = _health(client)

    assert status == 200
    assert [account["account_sid"] for account in body["accounts"]] == ["acme1"]


def test_it_counts_each_accounts_current_numbers_and_those_with_no_data(
    client: Client, settings
) -> None:
    configure(settings, "acme1", "acme2")
    acme1 = _synced(_account("acme1"))
    make_exophone(account=acme1, connectivity_observed_at=NOW - timedelta(minutes=1))
    make_exophone(account=acme1, connectivity_observed_at=NOW - timedelta(minutes=11))
    make_exophone(account=acme1, incoming_status="", connectivity_observed_at=None)
    make_exophone(account=acme1, released_at=NOW - timedelta(days=1))
    acme2 = _synced(_account("acme2"))
    make_exophone(account=acme2, connectivity_observed_at=NOW)

    status, body = _health(client)

    # Stale numbers are a page's "no data", not an unhealthy service.
    assert status == 200
    assert [(a["numbers"], a["numbers_no_data"]) for a in body["accounts"]] == [(3, 2), (1, 0)]
    assert ExoPhone.objects.count() == 5


def health_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        status, _ = _health(client)
    assert status == 200
    return len(queries)


# Reading a staff user's session and user: two queries on top of the health's own.
WHO_ASKS = 2


def test_it_runs_three_queries_when_every_account_has_listed_and_swept(
    client: Client, settings, django_assert_num_queries
) -> None:
    configure(settings, *(f"acme{index}" for index in range(5)))
    for index in range(5):
        account = _synced(_account(f"acme{index}"), swept=index)
        make_exophone(account=account)

    with django_assert_num_queries(3 + WHO_ASKS):
        status, _ = _health(client)

    assert status == 200


def test_its_query_count_does_not_grow_with_the_number_of_accounts(
    client: Client, settings
) -> None:
    def add_accounts(prefix: str, count: int) -> None:
        for index in range(count):
            account = _account(f"{prefix}{index}")
            make_exophone(account=account, connectivity_observed_at=None)
            _run(account, LISTING, minutes_ago=index, outcome=SyncRun.Outcome.SUCCESS)
            # A sweep never good: its first run is asked for in a second query.
            _run(account, SWEEP, minutes_ago=index, outcome=SyncRun.Outcome.FAILED)

    add_accounts("one", 1)
    configure(settings, "one0")
    with_one = health_queries(client)

    add_accounts("many", 8)
    configure(settings, "one0", *(f"many{index}" for index in range(8)))
    with_nine = health_queries(client)

    assert with_one == with_nine == 4 + WHO_ASKS


@pytest.fixture
def unreachable_database(tmp_path: Path) -> Iterator[None]:
    """Point the default alias at a database that really refuses connections.

    PostgreSQL: a closed port on loopback. SQLite: a file in a folder that
    does not exist. The view, the selector and the ORM run unchanged.
    """
    original = connections["default"]
    broken_settings = {**original.settings_dict, "OPTIONS": {**original.settings_dict["OPTIONS"]}}
    if original.vendor == "postgresql":
        broken_settings.update(HOST="127.0.0.1", PORT="1")
        broken_settings["OPTIONS"]["connect_timeout"] = 3
    else:
        broken_settings["NAME"] = str(tmp_path / "missing" / "exoinventory.sqlite3")
    broken = load_backend(broken_settings["ENGINE"]).DatabaseWrapper(broken_settings, "default")
    connections["default"] = broken
    try:
        yield
    finally:
        broken.close()
        connections["default"] = original


def test_it_answers_503_json_when_the_database_is_unreachable(
    client: Client, unreachable_database: None, caplog: pytest.LogCaptureFixture
) -> None:
    status, body = _health(client)

    assert status == 503
    # Who asks cannot be told without the database: no details for anyone.
    assert body == {"status": "unhealthy"}
    # The connection itself failed: refused port or unopenable file.
    assert "healthz: database unreachable" in caplog.text
    assert "refused" in caplog.text or "unable to open" in caplog.text


@pytest.mark.parametrize(
    ("swept", "status", "body"), [(2, 200, {"status": "ok"}), (60, 503, {"status": "unhealthy"})]
)
def test_it_needs_no_login_and_tells_anyone_else_only_ok_or_not(
    swept: float, status: int, body: dict
) -> None:
    _synced(_account("acme1"), swept=swept)

    response = Client().get("/healthz")

    assert (response.status_code, response.json()) == (status, body)


@pytest.mark.parametrize("staff", [False, True])
def test_only_staff_see_the_accounts(staff: bool) -> None:
    _synced(_account("acme1"))
    user = Client()
    user.force_login(make_user("someone", is_staff=staff))

    body = user.get("/healthz").json()

    assert ("accounts" in body) is staff
    assert "acme1" in json.dumps(body) if staff else body == {"status": "ok"}


def test_it_refuses_post(client: Client) -> None:
    response = client.post("/healthz")

    assert response.status_code == 405


def test_it_answers_over_plain_http_when_https_is_enforced(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True

    response = Client().get("/healthz")

    assert response.status_code == 200


def test_it_is_never_cached(client: Client) -> None:
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]


def test_it_is_unhealthy_when_exotel_accounts_cannot_be_read(client: Client, settings) -> None:
    # gunicorn alone runs no system check: /healthz must not say ok.
    settings.EXOTEL_ACCOUNTS = "https://key:tok-SECRET@example.com/acme1"

    status, body = _health(client)

    assert status == 503
    assert body["configuration"] == "EXOTEL_ACCOUNTS cannot be read"
    assert "SECRET" not in json.dumps(body)


def test_a_configured_account_no_run_has_reached_yet_is_listed(client: Client, settings) -> None:
    # Its row is made by its first run: a worker that never ran must not hide it.
    configure(settings, "acme1", "fresh")
    _synced(_account("acme1"))

    status, body = _health(client)

    assert status == 200
    fresh = next(account for account in body["accounts"] if account["account_sid"] == "fresh")
    assert fresh["last_good_listing"] is None and fresh["last_good_sweep"] is None
    assert (fresh["numbers"], fresh["stale"]) == (0, False)
