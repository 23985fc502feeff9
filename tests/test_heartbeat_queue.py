"""Exotel's Heartbeat for a large account: the webhook claims the heartbeat and
answers 202, a Celery task observes the numbers (services.heartbeat,
numbers.observe_heartbeat). The bodies, the account "acme" and its three
numbers observed active at T0 are tests.test_heartbeat's; the threshold is
lowered to 2 so that three numbers are a large account."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import redis
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exoinventory.numbers.models import ConnectivityRun, ExoPhone, Heartbeat
from exoinventory.numbers.services import heartbeat as heartbeat_service
from exoinventory.numbers.tasks import observe_heartbeat
from tests.factories import T0, make_account, make_exophone
from tests.test_heartbeat import IN, SECRET, body, current_run, numbers, post, statuses  # noqa: F401
from tests.test_tasks import BROKER_URL, REPO, broker, queued_tasks  # noqa: F401

pytestmark = pytest.mark.django_db

ACCOUNTS = "https://key:token@api.exotel.com/acme"
A, B = T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)
INLINE_NUMBERS = heartbeat_service.INLINE_NUMBERS  # before the fixture lowers it


@pytest.fixture(autouse=True)
def _configured(settings, monkeypatch) -> None:
    settings.EXOTEL_ACCOUNTS = ACCOUNTS
    settings.EXOTEL_HEARTBEAT_TOKENS = {"acme": SECRET}
    monkeypatch.setattr(heartbeat_service, "INLINE_NUMBERS", 2)


def post_at(at, payload: dict, capture) -> object:
    """POST `payload` arriving at `at`, the task queued as on commit."""
    with time_machine.travel(at, tick=False), capture(execute=True):
        return post(payload)


def snapshot() -> tuple[list[dict], list[dict], list[dict]]:
    """Every row a heartbeat may write."""
    return (
        list(ConnectivityRun.objects.order_by("pk").values()),
        list(ExoPhone.objects.order_by("pk").values()),
        list(Heartbeat.objects.values()),
    )


def run_queued(client: redis.Redis) -> list[str]:
    """Run each queued observe_heartbeat in this process, oldest first, as a
    worker would: its arguments read back from the broker's JSON."""
    return [observe_heartbeat(*args) for _, args, _ in reversed(queued_tasks(client, "celery"))]


@pytest.mark.parametrize(
    ("extra", "status", "queued"), [(0, 200, False), (1, 202, True)], ids=["at", "over"]
)
def test_an_account_over_the_threshold_is_queued_and_one_at_it_observed_at_once(
    broker,  # noqa: F811
    monkeypatch,
    django_capture_on_commit_callbacks,
    extra: int,
    status: int,
    queued: bool,
) -> None:
    monkeypatch.setattr(heartbeat_service, "INLINE_NUMBERS", INLINE_NUMBERS)
    account = make_account(sid="acme")
    phones = [make_exophone(account=account) for _ in range(INLINE_NUMBERS + extra)]
    make_exophone(account=account, released_at=T0 - timedelta(days=1))  # not counted

    response = post_at(A, body("OK", at=A, phones=phones), django_capture_on_commit_callbacks)

    assert response.status_code == status
    assert ("queued" in response.json()) is queued
    assert len(queued_tasks(broker, "celery")) == queued
    observed = ExoPhone.objects.filter(connectivity_observed_at=A).count()
    assert observed == (0 if queued else len(phones))


def test_a_queued_heartbeat_answers_202_and_its_task_observes_the_numbers(
    numbers,  # noqa: F811
    broker,  # noqa: F811
    django_capture_on_commit_callbacks,
) -> None:
    a, b, _ = numbers
    payload = body("WARNING", at=A, incoming=[a.sid], phones=numbers, extra={"0999": "+91999"})

    response = post_at(A, payload, django_capture_on_commit_callbacks)

    assert (response.status_code, response.json()) == (202, {"recorded": True, "queued": True})
    heartbeat = Heartbeat.objects.get()
    assert (heartbeat.timestamp, heartbeat.status_type, heartbeat.observed_at) == (
        A,
        "WARNING",
        None,
    )
    assert statuses(a) == ("active", "active")
    [(name, [account_sid, message], _)] = queued_tasks(broker, "celery")
    assert (name, account_sid) == ("numbers.observe_heartbeat", "acme")
    # The sids, not the body: no phone number goes through the broker.
    assert message["incoming_affected"] == [a.sid]
    assert "+91999" not in json.dumps(message)

    assert run_queued(broker) == ["observed"]

    assert statuses(a) == ("major_outage", "active")
    assert statuses(b) == ("active", "active")
    assert current_run(b, IN).last_observed_at == A
    heartbeat.refresh_from_db()
    assert (
        heartbeat.observed_at,
        heartbeat.numbers_observed,
        heartbeat.incoming_affected,
        heartbeat.unknown_sids,
    ) == (A, 3, 1, 1)


@pytest.mark.parametrize("second", [A, T0], ids=["replayed", "older"])
def test_a_replayed_or_older_heartbeat_is_refused_before_anything_is_queued(
    numbers,  # noqa: F811
    broker,  # noqa: F811
    django_capture_on_commit_callbacks,
    second,
) -> None:
    post_at(A, body("OK", at=A, phones=numbers), django_capture_on_commit_callbacks)

    response = post_at(
        A, body("CRITICAL", at=second, phones=numbers), django_capture_on_commit_callbacks
    )

    assert (response.status_code, response.json()["recorded"]) == (200, False)
    assert len(queued_tasks(broker, "celery")) == 1
    assert Heartbeat.objects.get().status_type == "OK"


def test_an_older_heartbeats_task_after_a_newer_ones_changes_nothing(
    numbers,  # noqa: F811
    broker,  # noqa: F811
    django_capture_on_commit_callbacks,
) -> None:
    post_at(A, body("CRITICAL", at=A, phones=numbers), django_capture_on_commit_callbacks)
    [older] = queued_tasks(broker, "celery")
    broker.delete("celery")
    post_at(B, body("OK", at=B, phones=numbers), django_capture_on_commit_callbacks)
    assert run_queued(broker) == ["observed"]
    after_newer = snapshot()

    assert observe_heartbeat(*older[1]) == "superseded or observed already"

    assert snapshot() == after_newer
    assert [statuses(phone) for phone in numbers] == [("active", "active")] * 3
    assert Heartbeat.objects.get().timestamp == B


def test_a_task_delivered_again_changes_nothing(
    numbers,  # noqa: F811
    broker,  # noqa: F811
    django_capture_on_commit_callbacks,
) -> None:
    post_at(A, body("OK", at=A, phones=numbers), django_capture_on_commit_callbacks)
    post_at(B, body("CRITICAL", at=B, phones=numbers), django_capture_on_commit_callbacks)
    [_, newer] = queued_tasks(broker, "celery")
    # The older one runs after the newer was claimed: superseded already.
    assert run_queued(broker) == ["superseded or observed already", "observed"]
    once = snapshot()

    assert observe_heartbeat(*newer[1]) == "superseded or observed already"

    assert snapshot() == once
    heartbeat = Heartbeat.objects.get()
    assert (heartbeat.observed_at, heartbeat.outgoing_affected) == (B, 3)


def test_the_statements_of_a_queued_answer_do_not_grow_with_the_number_of_numbers(
    numbers,  # noqa: F811
    broker,  # noqa: F811
    django_capture_on_commit_callbacks,
) -> None:
    def statements(at) -> list[str]:
        phones = list(ExoPhone.objects.all())
        with CaptureQueriesContext(connection) as captured:
            response = post_at(
                at, body("WARNING", at=at, incoming=[phones[0].sid], phones=phones),
                django_capture_on_commit_callbacks,
            )  # fmt: skip
        assert response.status_code == 202
        return [query["sql"] for query in captured.captured_queries]

    few = statements(A)
    for _ in range(40):
        make_exophone(account=numbers[0].account)
    many = statements(B)

    assert len(few) == len(many)
    # The numbers are only counted: no row of them is read or written.
    assert [sql for sql in many if "numbers_exophone" in sql and "COUNT(" not in sql] == []
    assert not ExoPhone.objects.filter(connectivity_observed_at__gt=T0).exists()


# --- A real worker on the real broker


def wait_until_drained(client: redis.Redis, worker: subprocess.Popen, seconds: float = 90) -> None:
    """Until the worker has taken every message and acknowledged it (late
    acks), seen twice: a message taken is in neither place for an instant."""
    deadline = time.monotonic() + seconds
    drained = 0
    while drained < 2:
        assert worker.poll() is None, worker.stderr.read().decode()
        assert time.monotonic() < deadline, f"the worker did not drain the queue in {seconds} s"
        time.sleep(0.3)
        drained = 0 if client.llen("celery") or client.hlen("unacked") else drained + 1


@pytest.fixture
def worker(settings, tmp_path) -> Iterator[Callable[[], subprocess.Popen]]:
    """Start (when called) a Celery worker on the test database and broker."""
    db = settings.DATABASES["default"]
    started = []

    def start() -> subprocess.Popen:
        environ = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": BROKER_URL,
            "EXOTEL_ACCOUNTS": ACCOUNTS,
            "EXOINVENTORY_VAR_DIR": str(tmp_path),
        }
        started.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "exoinventory", "worker",
             "--queues=celery", "--pool=solo", "--loglevel=WARNING",
             "--without-heartbeat", "--without-gossip"],
            cwd=REPO, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        ))  # fmt: skip
        return started[0]

    yield start
    for process in started:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker needs a shared database")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_observes_the_newer_heartbeat_and_the_older_one_after_it_changes_nothing(
    numbers,  # noqa: F811
    broker,  # noqa: F811
    worker,
) -> None:
    a = numbers[0]
    with time_machine.travel(A, tick=False):
        older = post(body("WARNING", at=A, incoming=[a.sid], phones=numbers))
    # Held back, to reach the worker after the newer one (the queue is FIFO:
    # pushed left, taken right).
    held = broker.rpop("celery")
    with time_machine.travel(B, tick=False):
        newer = post(body("OK", at=B, phones=numbers))
    broker.lpush("celery", held)

    process = worker()
    wait_until_drained(broker, process)

    assert older.status_code == newer.status_code == 202
    heartbeat = Heartbeat.objects.get()
    assert (heartbeat.timestamp, heartbeat.observed_at, heartbeat.incoming_affected) == (B, B, 0)
    assert [statuses(phone) for phone in numbers] == [("active", "active")] * 3
    run = current_run(a, IN)
    assert (run.first_observed_at, run.last_observed_at, run.sources) == (
        T0 - timedelta(minutes=30),
        B,
        "heartbeat,sweep",
    )
    assert not ConnectivityRun.objects.filter(status="major_outage").exists()
