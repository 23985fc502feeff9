"""/healthz: database reachable, last good sync per account recent enough."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connections
from django.db.utils import load_backend
from django.test import Client

from exoinventory.numbers.models import Account, SyncRun

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
INTERVAL_MINUTES = 5

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_time_and_interval(settings) -> Iterator[None]:
    settings.SYNC_INTERVAL_MINUTES = INTERVAL_MINUTES
    with time_machine.travel(NOW, tick=False):
        yield


def _account(sid: str) -> Account:
    return Account.objects.create(sid=sid, api_host="api.exotel.com")


def _run(account: Account, *, minutes_ago: float, outcome: str) -> SyncRun:
    started = NOW - timedelta(minutes=minutes_ago)
    return SyncRun.objects.create(
        account=account,
        trigger=SyncRun.Trigger.SCHEDULE,
        started_at=started,
        finished_at=started + timedelta(seconds=30),
        outcome=outcome,
    )


def _health(client: Client) -> tuple[int, dict]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_it_is_healthy_after_a_recent_good_sync(client: Client) -> None:
    account = _account("acme1")
    _run(account, minutes_ago=4, outcome=SyncRun.Outcome.SUCCESS)

    status, body = _health(client)

    assert status == 200
    assert body == {
        "status": "ok",
        "database": "ok",
        "accounts": [
            {
                "account_sid": "acme1",
                "last_good_sync": "2026-11-22T09:56:00Z",
                "age_seconds": 240,
                "stale": False,
            }
        ],
        "checked_at": "2026-11-22T10:00:00Z",
    }


def test_it_is_healthy_with_no_account_yet(client: Client) -> None:
    status, body = _health(client)

    assert status == 200
    assert body["status"] == "ok"
    assert body["accounts"] == []


def test_it_is_unhealthy_when_the_last_good_sync_is_older_than_three_intervals(
    client: Client,
) -> None:
    fresh = _account("acme1")
    _run(fresh, minutes_ago=2, outcome=SyncRun.Outcome.SUCCESS)
    stale = _account("acme2")
    _run(stale, minutes_ago=16, outcome=SyncRun.Outcome.SUCCESS)
    # Failures since do not count as good syncs.
    _run(stale, minutes_ago=1, outcome=SyncRun.Outcome.FAILED)

    status, body = _health(client)

    assert status == 503
    assert body["status"] == "unhealthy"
    assert body["database"] == "ok"
    assert [(a["account_sid"], a["stale"], a["age_seconds"]) for a in body["accounts"]] == [
        ("acme1", False, 120),
        ("acme2", True, 960),
    ]


def test_it_is_still_healthy_at_exactly_three_intervals(client: Client) -> None:
    _run(_account("acme1"), minutes_ago=15, outcome=SyncRun.Outcome.SUCCESS)

    status, body = _health(client)

    assert status == 200
    assert body["accounts"][0]["stale"] is False


def test_a_never_synced_account_is_not_stale_while_its_first_sync_is_new(
    client: Client,
) -> None:
    account = _account("acme1")
    _run(account, minutes_ago=3, outcome=SyncRun.Outcome.RUNNING)

    status, body = _health(client)

    assert status == 200
    assert body["accounts"] == [
        {"account_sid": "acme1", "last_good_sync": None, "age_seconds": None, "stale": False}
    ]


def test_a_never_synced_account_is_stale_once_its_first_sync_is_three_intervals_old(
    client: Client,
) -> None:
    account = _account("acme1")
    _run(account, minutes_ago=40, outcome=SyncRun.Outcome.FAILED)
    _run(account, minutes_ago=5, outcome=SyncRun.Outcome.FAILED)

    status, body = _health(client)

    assert status == 503
    assert body["status"] == "unhealthy"
    assert body["accounts"] == [
        {"account_sid": "acme1", "last_good_sync": None, "age_seconds": None, "stale": True}
    ]


def test_an_account_without_any_sync_run_is_not_stale(client: Client) -> None:
    _account("acme1")

    status, body = _health(client)

    assert status == 200
    assert body["accounts"][0]["stale"] is False


def test_it_runs_one_query_when_every_account_has_synced(
    client: Client, django_assert_num_queries
) -> None:
    for index in range(5):
        _run(_account(f"acme{index}"), minutes_ago=index, outcome=SyncRun.Outcome.SUCCESS)

    with django_assert_num_queries(1):
        status, _ = _health(client)

    assert status == 200


def test_it_runs_two_queries_however_many_accounts_never_synced(
    client: Client, django_assert_num_queries
) -> None:
    for index in range(5):
        _run(_account(f"acme{index}"), minutes_ago=index, outcome=SyncRun.Outcome.SUCCESS)
    for index in range(3):
        _run(_account(f"new{index}"), minutes_ago=index, outcome=SyncRun.Outcome.FAILED)

    with django_assert_num_queries(2):
        status, _ = _health(client)

    assert status == 200


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
    assert body == {
        "status": "unhealthy",
        "database": "unreachable",
        "accounts": [],
        "checked_at": "2026-11-22T10:00:00Z",
    }
    # The connection itself failed: refused port or unopenable file.
    assert "healthz: database unreachable" in caplog.text
    assert "refused" in caplog.text or "unable to open" in caplog.text


def test_it_needs_no_login(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "login" not in response.get("Location", "")


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
