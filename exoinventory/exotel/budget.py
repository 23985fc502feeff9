"""A per-account budget of requests per minute, shared by every thread that
talks to Exotel for that account — and, through Redis, by every process.

Both budgets keep a sliding log of the last minute's requests: a request
waits until fewer than `limit` were sent in the last 60 seconds. A sliding
log never lets a burst through at a window boundary, which a fixed
per-minute counter would (twice the limit in two seconds).
"""

import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Protocol

import redis

WINDOW_SECONDS = 60.0


class RequestBudget(Protocol):
    def acquire(self) -> float:
        """Block until a request may be sent; return the seconds waited."""
        ...


def _check_limit(limit: int) -> None:
    # With no slot at all, a budget would never let a request through.
    if limit < 1:
        raise ValueError(f"a request budget needs a limit of 1 or more per minute, not {limit}")


class LocalRequestBudget:
    """The budget of one process (threads share it)."""

    def __init__(
        self,
        limit: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        _check_limit(limit)
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def _try(self) -> float:
        """Take a slot and return 0, or return how long to wait for one."""
        with self._lock:
            now = self._clock()
            while self._sent and self._sent[0] <= now - WINDOW_SECONDS:
                self._sent.popleft()
            if len(self._sent) < self.limit:
                self._sent.append(now)
                return 0.0
            return self._sent[0] + WINDOW_SECONDS - now

    def acquire(self) -> float:
        waited = 0.0
        while (wait := self._try()) > 0:
            self._sleep(wait)
            waited += wait
        return waited


# Trim the log, count it, and either add this request or say how long until
# the oldest one leaves the window. Redis's own clock is used so that hosts
# with skewed clocks still agree.
_SLIDING_LOG = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    redis.call('EXPIRE', KEYS[1], math.ceil(window) + 1)
    return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


class RedisRequestBudget:
    """The budget shared by every process that syncs the account (Celery
    workers on several hosts), so that together they stay under the limit."""

    def __init__(
        self,
        limit: int,
        *,
        redis_url: str,
        account_sid: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        _check_limit(limit)
        self.limit = limit
        self._client = redis.Redis.from_url(redis_url)
        self._script = self._client.register_script(_SLIDING_LOG)
        self._key = f"exoinventory:request-budget:{account_sid}"
        self._sleep = sleep

    def acquire(self) -> float:
        waited = 0.0
        while True:
            answer = self._script(
                keys=[self._key], args=[WINDOW_SECONDS, self.limit, uuid.uuid4().hex]
            )
            wait = float(answer)
            if wait <= 0:
                return waited
            self._sleep(wait)
            waited += wait


class PacedBudget:
    """Another budget, with at least `spacing` seconds between two requests.

    The scheduled listing is paced this way across its own interval, so that
    its pages never take the share of the budget that the sweep relies on.
    """

    def __init__(
        self,
        inner: RequestBudget,
        *,
        spacing: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner
        self.spacing = spacing
        self._clock = clock
        self._sleep = sleep
        self._next = -math.inf
        self._lock = threading.Lock()

    def acquire(self) -> float:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.spacing
        waited = slot - now
        if waited > 0:
            self._sleep(waited)
        return waited + self.inner.acquire()


# One local budget per account and limit for the life of the process, so that
# back-to-back syncs in one worker share it too.
_local_budgets: dict[tuple[str, int], LocalRequestBudget] = {}
_local_budgets_lock = threading.Lock()


def request_budget_for(account_sid: str, *, limit: int, redis_url: str = "") -> RequestBudget:
    """The Redis-shared budget when a Redis URL is configured, else this process's own."""
    if redis_url:
        return RedisRequestBudget(limit, redis_url=redis_url, account_sid=account_sid)
    with _local_budgets_lock:
        return _local_budgets.setdefault((account_sid, limit), LocalRequestBudget(limit))
