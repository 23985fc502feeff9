"""Celery: the two beat entries, the fan-out per account, and a real worker on
the real Redis broker that lists and sweeps."""

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from exoinventory.celery_app import app
from exoinventory.numbers.models import GOOD_OUTCOMES, ExoPhone, SyncRun
from exoinventory.numbers.tasks import (
    list_account,
    list_all_accounts,
    sweep_account,
    sweep_all_accounts,
)
from exoinventory.simulator import ExotelSimulator

REPO = Path(__file__).resolve().parent.parent
BROKER_URL = settings.CELERY_BROKER_URL


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    """The real Redis broker the test run is configured with (pyproject.toml), emptied."""
    if not BROKER_URL.startswith("redis://"):
        pytest.skip(f"CELERY_BROKER_URL is {BROKER_URL}, not Redis")
    client = redis.Redis.from_url(BROKER_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {BROKER_URL} (.ci/run starts one)")
    client.flushdb()
    yield client
    client.flushdb()


def queued_tasks(client: redis.Redis, queue: str) -> list[tuple[str, list, str | None]]:
    """(task name, positional args, expiry) of each message waiting in `queue`."""
    tasks = []
    for raw in client.lrange(queue, 0, -1):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        tasks.append((message["headers"]["task"], args, message["headers"]["expires"]))
    return tasks


@pytest.mark.parametrize(
    ("entry", "task", "minutes"),
    [
        ("sweep-connectivity", "numbers.sweep_all_accounts", "SYNC_INTERVAL_MINUTES"),
        ("list-exophones", "numbers.list_all_accounts", "LISTING_INTERVAL_MINUTES"),
    ],
)
def test_beat_runs_the_sweep_and_listing_ticks_each_at_its_own_interval(
    entry: str, task: str, minutes: str
) -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE[entry]
    interval_seconds = getattr(settings, minutes) * 60

    assert schedule["task"] == task
    assert schedule["task"] in app.tasks
    assert schedule["schedule"] == interval_seconds
    # A tick not started within its interval is dropped: the next one is due.
    assert schedule["options"]["expires"] == interval_seconds


def test_beat_has_exactly_the_two_ticks() -> None:
    assert set(settings.CELERY_BEAT_SCHEDULE) == {"sweep-connectivity", "list-exophones"}
    assert settings.SYNC_INTERVAL_MINUTES < settings.LISTING_INTERVAL_MINUTES


@pytest.mark.parametrize(
    ("tick", "task", "queue", "minutes"),
    [
        (list_all_accounts, "numbers.list_account", "listing", "LISTING_INTERVAL_MINUTES"),
        (sweep_all_accounts, "numbers.sweep_account", "celery", "SYNC_INTERVAL_MINUTES"),
    ],
)
def test_each_tick_fans_out_one_task_per_account_on_its_queue_with_no_secret(
    broker, settings, tick, task: str, queue: str, minutes: str
):
    settings.EXOTEL_ACCOUNTS = (
        "https://key1:tok-one-SECRET@api.exotel.com/AcmeSG,"
        "https://key2:tok-two-SECRET@api.in.exotel.com/AcmeIN"
    )
    sent_at = timezone.now()

    assert sorted(tick()) == ["AcmeIN", "AcmeSG"]

    tasks = queued_tasks(broker, queue)
    assert sorted((name, args) for name, args, _ in tasks) == [
        (task, ["AcmeIN"]),
        (task, ["AcmeSG"]),
    ]
    # Each expires once the next tick of its kind is due.
    interval = timedelta(minutes=getattr(settings, minutes))
    for _, _, expires in tasks:
        left = datetime.fromisoformat(expires) - sent_at
        assert interval - timedelta(seconds=5) < left <= interval + timedelta(seconds=5)
    assert not [raw for raw in broker.lrange(queue, 0, -1) if b"SECRET" in raw]


@pytest.mark.django_db
@pytest.mark.parametrize("task", [list_account, sweep_account])
def test_a_task_for_an_account_no_longer_configured_does_nothing(settings, task):
    settings.EXOTEL_ACCOUNTS = "https://key:tok@api.exotel.com/AcmeSG"

    assert task("Removed") == "unknown account"
    assert not SyncRun.objects.exists()


def wait_for(worker: subprocess.Popen, kind: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not SyncRun.objects.filter(kind=kind, outcome__in=GOOD_OUTCOMES).exists():
        failed = SyncRun.objects.filter(kind=kind, outcome=SyncRun.Outcome.FAILED).first()
        assert failed is None, failed.error
        assert worker.poll() is None, worker.stderr.read().decode()
        assert time.monotonic() < deadline, f"the worker did not finish a {kind} within {seconds} s"
        time.sleep(0.2)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker needs a shared database")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_lists_then_sweeps_an_account_from_the_simulator(broker, settings, tmp_path):
    db = settings.DATABASES["default"]
    with ExotelSimulator(numbers=25, seed=11, accounts=["WorkerSim"], evolve=False) as sim:
        environ = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": BROKER_URL,
            "EXOTEL_ACCOUNTS": sim.account_url("WorkerSim"),
            "EXOTEL_RATE_LIMIT_PER_MINUTE": "100000",
            "EXOINVENTORY_VAR_DIR": str(tmp_path),
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "exoinventory", "worker",
             "--queues=celery,listing", "--pool=solo", "--loglevel=WARNING",
             "--without-heartbeat", "--without-gossip"],
            cwd=REPO, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            settings.EXOTEL_ACCOUNTS = sim.account_url("WorkerSim")
            list_all_accounts.delay()
            wait_for(worker, SyncRun.Kind.LISTING)
            sweep_all_accounts.delay()
            wait_for(worker, SyncRun.Kind.SWEEP)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)

    listing = SyncRun.objects.get(kind=SyncRun.Kind.LISTING)
    sweep = SyncRun.objects.get(kind=SyncRun.Kind.SWEEP)
    assert listing.trigger == sweep.trigger == SyncRun.Trigger.SCHEDULE
    assert listing.account.sid == sweep.account.sid == "WorkerSim"
    assert listing.numbers_created == 25
    assert (sweep.connectivity_checked, sweep.numbers_unchecked) == (25, 0)
    phones = ExoPhone.objects.filter(account__sid="WorkerSim")
    assert phones.count() == 25
    assert not phones.filter(connectivity_observed_at__isnull=True).exists()


@pytest.mark.parametrize("task", [list_account, sweep_account])
def test_a_late_acked_task_is_not_handed_to_another_worker_while_it_may_still_run(task):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]

    assert task.acks_late
    assert task.reject_on_worker_lost
    assert visibility > task.time_limit > task.soft_time_limit


def test_a_scheduled_listing_may_run_longer_than_a_sweep():
    # A paced listing spreads its pages over its interval; a sweep spends one allotment.
    assert list_account.soft_time_limit >= settings.LISTING_INTERVAL_MINUTES * 60
    assert sweep_account.time_limit < list_account.soft_time_limit
