"""request_budget: the sliding one-minute budget of requests per account."""

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis

from exoinventory.exotel.budget import (
    WINDOW_SECONDS,
    LocalRequestBudget,
    RedisRequestBudget,
    request_budget_for,
)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Where RedisRequestBudget keeps an account's log; the tests remove their own.
KEY_PREFIX = "exoinventory:request-budget:"


class FakeTime:
    """A clock that moves only when told to, or when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class SharedFakeTime:
    """A fake clock for several threads: a sleeper wakes at the time it read
    plus what it slept, and time never goes back. Each thread remembers the
    time it last read, which is the time of the slot it took when acquire()
    returns (the budget reads the clock once per attempt)."""

    def __init__(self) -> None:
        self._now = 0.0
        self._lock = threading.Lock()
        self._local = threading.local()

    def clock(self) -> float:
        with self._lock:
            self._local.read = self._now
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now = max(self._now, self._local.read + seconds)
        time.sleep(0)

    @property
    def last_read(self) -> float:
        return self._local.read


def _must_not_sleep(seconds: float) -> None:
    raise AssertionError(f"the budget waited {seconds}s with room to spare")


# --- in one process


def test_it_lets_limit_requests_through_without_waiting() -> None:
    fake = FakeTime()
    budget = LocalRequestBudget(3, clock=fake.clock, sleep=fake.sleep)

    waits = []
    for _ in range(3):
        waits.append(budget.acquire())
        fake.now += 10

    assert waits == [0.0, 0.0, 0.0]
    assert fake.sleeps == []


def test_it_waits_exactly_until_the_oldest_request_leaves_the_window() -> None:
    fake = FakeTime()
    budget = LocalRequestBudget(3, clock=fake.clock, sleep=fake.sleep)
    for _ in range(3):  # at 1000, 1010 and 1020
        budget.acquire()
        fake.now += 10

    assert budget.acquire() == 30.0  # asked at 1030; the one of 1000 leaves at 1060
    assert fake.now == 1060.0
    assert budget.acquire() == 10.0  # the one of 1010 leaves at 1070
    assert fake.sleeps == [30.0, 10.0]


def test_it_frees_every_slot_after_a_quiet_minute() -> None:
    fake = FakeTime()
    budget = LocalRequestBudget(2, clock=fake.clock, sleep=_must_not_sleep)
    budget.acquire()
    budget.acquire()

    fake.now += WINDOW_SECONDS

    assert budget.acquire() == 0.0
    assert budget.acquire() == 0.0


def test_threads_sharing_it_never_exceed_the_limit_in_any_minute() -> None:
    fake = SharedFakeTime()
    limit, threads, each = 5, 8, 12
    budget = LocalRequestBudget(limit, clock=fake.clock, sleep=fake.sleep)
    sent: list[float] = []

    def worker() -> None:
        for _ in range(each):
            budget.acquire()
            sent.append(fake.last_read)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()

    sent.sort()
    assert len(sent) == threads * each
    assert all(sent[i + limit] - sent[i] >= WINDOW_SECONDS for i in range(len(sent) - limit))
    # ...and it is not stingier than that: 96 requests at 5 a minute take 19 minutes.
    assert sent[-1] == (threads * each - 1) // limit * WINDOW_SECONDS


@pytest.mark.parametrize("limit", [0, -1])
def test_it_refuses_a_limit_below_one(limit: int) -> None:
    with pytest.raises(ValueError, match="limit of 1 or more"):
        LocalRequestBudget(limit)
    with pytest.raises(ValueError, match="limit of 1 or more"):
        RedisRequestBudget(limit, redis_url=REDIS_URL, account_sid="Acme")


def test_it_keeps_one_local_budget_per_account_for_the_process() -> None:
    sid = f"test-{uuid.uuid4().hex}"

    first = request_budget_for(sid, limit=50)

    assert isinstance(first, LocalRequestBudget)
    assert first.limit == 50
    assert request_budget_for(sid, limit=50) is first
    assert request_budget_for(f"{sid}-other", limit=50) is not first


def test_it_uses_redis_when_given_a_url() -> None:
    budget = request_budget_for("Acme", limit=50, redis_url=REDIS_URL)

    assert isinstance(budget, RedisRequestBudget)
    assert budget.limit == 50


# --- shared through Redis


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is unreachable at {REDIS_URL} ({type(error).__name__})")
    yield client
    client.close()


@pytest.fixture
def account_sid(redis_client: redis.Redis) -> Iterator[str]:
    """An account no other test uses; its budget log is removed afterwards."""
    sid = f"test-{uuid.uuid4().hex}"
    yield sid
    redis_client.delete(KEY_PREFIX + sid, KEY_PREFIX + sid + "-other")


def _sleep_until_the_oldest_leaves(
    client: redis.Redis, key: str, slept: list[float]
) -> Callable[[float], None]:
    """A sleep that records the wait, then lets that much time pass for the
    budget: the oldest request leaves the log, as it would have by then."""

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        client.zpopmin(key)

    return sleep


def test_two_processes_of_one_account_share_its_redis_budget(
    redis_client: redis.Redis, account_sid: str
) -> None:
    key = KEY_PREFIX + account_sid
    slept: list[float] = []
    sleep = _sleep_until_the_oldest_leaves(redis_client, key, slept)
    first = RedisRequestBudget(3, redis_url=REDIS_URL, account_sid=account_sid, sleep=sleep)
    second = RedisRequestBudget(3, redis_url=REDIS_URL, account_sid=account_sid, sleep=sleep)

    assert [first.acquire(), second.acquire(), first.acquire()] == [0.0, 0.0, 0.0]
    assert slept == []

    waited = second.acquire()

    assert len(slept) == 1
    assert 0 < slept[0] <= WINDOW_SECONDS
    # The first request was sent a moment ago: nearly the whole minute is left.
    assert slept[0] > WINDOW_SECONDS - 5
    assert waited == slept[0]
    assert redis_client.zcard(key) == 3


def test_accounts_do_not_share_a_redis_budget(redis_client: redis.Redis, account_sid: str) -> None:
    first = RedisRequestBudget(
        1, redis_url=REDIS_URL, account_sid=account_sid, sleep=_must_not_sleep
    )
    other = RedisRequestBudget(
        1, redis_url=REDIS_URL, account_sid=f"{account_sid}-other", sleep=_must_not_sleep
    )

    assert first.acquire() == 0.0
    assert other.acquire() == 0.0


def test_the_redis_log_of_an_idle_account_expires(
    redis_client: redis.Redis, account_sid: str
) -> None:
    RedisRequestBudget(5, redis_url=REDIS_URL, account_sid=account_sid).acquire()

    assert 0 < redis_client.ttl(KEY_PREFIX + account_sid) <= WINDOW_SECONDS + 1
