"""Celery: the beat schedule, the fan-out, and a real worker on the real Redis broker."""

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from exoinventory.celery_app import app
from exoinventory.numbers.models import ExoPhone, SyncRun
from exoinventory.numbers.tasks import sync_account, sync_all_accounts
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


def queued_tasks(client: redis.Redis) -> list[tuple[str, list, str | None]]:
    """(task name, positional args, expiry) of each message waiting in the default queue."""
    tasks = []
    for raw in client.lrange("celery", 0, -1):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        tasks.append((message["headers"]["task"], args, message["headers"]["expires"]))
    return tasks


def test_beat_runs_the_sync_tick_every_interval():
    entry = settings.CELERY_BEAT_SCHEDULE["sync-exophones"]

    assert entry["task"] == "numbers.sync_all_accounts"
    assert entry["task"] in app.tasks
    assert entry["schedule"] == settings.SYNC_INTERVAL_MINUTES * 60
    assert entry["options"]["expires"] == settings.SYNC_INTERVAL_MINUTES * 60


def test_the_tick_fans_out_one_task_per_account_with_no_secret(broker, settings):
    settings.EXOTEL_ACCOUNTS = (
        "https://key1:tok-one-SECRET@api.exotel.com/AcmeSG,"
        "https://key2:tok-two-SECRET@api.in.exotel.com/AcmeIN"
    )

    sync_all_accounts()

    tasks = queued_tasks(broker)
    assert sorted((name, args) for name, args, _ in tasks) == [
        ("numbers.sync_account", ["AcmeIN"]),
        ("numbers.sync_account", ["AcmeSG"]),
    ]
    assert all(expires for _, _, expires in tasks)
    assert not [raw for raw in broker.lrange("celery", 0, -1) if b"SECRET" in raw]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker needs a shared database")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_syncs_an_account_from_the_simulator(broker, settings, tmp_path):
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
             "--pool=solo", "--loglevel=WARNING", "--without-heartbeat", "--without-gossip"],
            cwd=REPO, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            settings.EXOTEL_ACCOUNTS = sim.account_url("WorkerSim")
            sync_all_accounts.delay()
            deadline = time.monotonic() + 90
            while not SyncRun.objects.filter(outcome=SyncRun.Outcome.SUCCESS).exists():
                assert worker.poll() is None, worker.stderr.read().decode()
                assert time.monotonic() < deadline, "the worker did not sync within 90 s"
                time.sleep(0.2)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)

    run = SyncRun.objects.get()
    assert run.trigger == SyncRun.Trigger.SCHEDULE
    assert run.account.sid == "WorkerSim"
    assert ExoPhone.objects.filter(account__sid="WorkerSim").count() == 25


def test_a_late_acked_sync_is_not_handed_to_another_worker_while_it_may_still_run():
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]

    assert sync_account.acks_late
    assert visibility > sync_account.time_limit > sync_account.soft_time_limit
