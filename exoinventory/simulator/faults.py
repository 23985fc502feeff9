"""The bundled Exotel simulator's misbehaviour and bookkeeping: injected
faults, added latency, the per-account rate limit, and the request counters
and log.

No Django imports. The HTTP server (simulator) consults them on every API
request; tests set them directly or through the control endpoint.
"""

import math
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exoinventory.simulator.state import SimulatorState

RATE_WINDOW_SECONDS = 60.0
REQUEST_LOG_SIZE = 10_000

# Kinds of API request, as routing tells them apart and the counters count them.
LISTING, BETA_DETAIL, V2_DETAIL, UNKNOWN = "listing", "beta_detail", "v2_detail", "unknown"


@dataclass(frozen=True)
class LoggedRequest:
    """One API request as answered (control requests are not logged)."""

    method: str
    path: str
    kind: str
    account_sid: str | None
    status: int


@dataclass
class _Fault:
    # "fail", "timeout", "malformed_body", "html_body", "wrong_shape", "reset",
    # "partial", "error_data" or "hold"
    kind: str
    remaining: int
    status: int = 500
    seconds: float = 0.0
    path_contains: str | None = None
    retry_after: int | None = None
    # Matching requests let through before the fault applies.
    after: int = 0

    def applies_to(self, kind: str, path: str) -> bool:
        if self.kind in {"partial", "error_data"} and kind != V2_DETAIL:
            return False
        return self.path_contains is None or self.path_contains in path


class SimulatorFaults(SimulatorState):
    """State (inherited) plus faults, latency, rate limit and request counters.

    Every method may be called from any thread while the server answers.
    """

    def __init__(
        self,
        *,
        numbers: int,
        seed: int,
        accounts: Iterable[str],
        tick_seconds: float,
        evolve: bool,
        epoch: datetime | None,
        latency: float,
        rate_limit_per_minute: int | None,
    ) -> None:
        super().__init__(
            numbers=numbers,
            seed=seed,
            accounts=accounts,
            tick_seconds=tick_seconds,
            evolve=evolve,
            epoch=epoch,
        )
        self.set_latency(latency)
        self.set_rate_limit(rate_limit_per_minute)
        self._faults: list[_Fault] = []
        self._failing_pages: dict[int, int] = {}
        self._empty_pages: set[int] = set()
        self._request_count = 0
        self._request_counts: Counter[str] = Counter()
        self._log: deque[LoggedRequest] = deque(maxlen=REQUEST_LOG_SIZE)
        # Held requests (hold_next): how many wait now, how many have been
        # answered since, and how many times release_held() was called (a
        # held request waits for the next call).
        self._holding = threading.Condition()
        self._held = 0
        self._answered_holds = 0
        self._releases = 0

    # --- knobs and faults

    def set_latency(self, seconds: float) -> None:
        """Seconds added to every API response."""
        if seconds < 0:
            raise ValueError("latency must be 0 or more seconds")
        self.latency = seconds

    def set_rate_limit(self, per_minute: int | None) -> None:
        """Requests allowed per account in any 60 s; None: unlimited. Resets the budgets."""
        if per_minute is not None and per_minute < 1:
            raise ValueError("the rate limit must be 1 or more requests per minute, or None")
        with self._lock:
            self.rate_limit_per_minute = per_minute
            self._spent: defaultdict[str, deque[float]] = defaultdict(deque)

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 500,
        path_contains: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next n API requests (whose path contains `path_contains`)
        with `status`, and a Retry-After of `retry_after` seconds if given."""
        self._add_fault(
            _Fault("fail", n, status=status, path_contains=path_contains, retry_after=retry_after)
        )

    def timeout_next(
        self, n: int = 1, *, seconds: float = 5.0, path_contains: str | None = None
    ) -> None:
        """Hold the next n responses `seconds` (longer than the client's timeout)."""
        self._add_fault(_Fault("timeout", n, seconds=seconds, path_contains=path_contains))

    def malformed_body_next(self, n: int = 1, *, path_contains: str | None = None) -> None:
        """Answer the next n with 200 and the first half of the JSON body."""
        self._add_fault(_Fault("malformed_body", n, path_contains=path_contains))

    def html_body_next(self, n: int = 1, *, path_contains: str | None = None) -> None:
        """Answer the next n with 200 and an HTML page, as a proxy's error page comes."""
        self._add_fault(_Fault("html_body", n, path_contains=path_contains))

    def wrong_shape_next(self, n: int = 1, *, path_contains: str | None = None) -> None:
        """Answer the next n with 200 and valid JSON of the wrong shape (the
        body wrapped in a list)."""
        self._add_fault(_Fault("wrong_shape", n, path_contains=path_contains))

    def reset_next(self, n: int = 1, *, path_contains: str | None = None) -> None:
        """Send the next n replies' headers and half their body, then reset the connection."""
        self._add_fault(_Fault("reset", n, path_contains=path_contains))

    def error_data_next(self, n: int = 1, *, path_contains: str | None = None) -> None:
        """Answer the next n v2 details with 200 and a successful item that
        nevertheless carries error_data."""
        self._add_fault(_Fault("error_data", n, path_contains=path_contains))

    def partial_next(
        self, n: int = 1, *, code: int = 500, path_contains: str | None = None
    ) -> None:
        """Answer the next n v2 details (whose path contains `path_contains`)
        with a 207 envelope whose item failed with `code`."""
        self._add_fault(_Fault("partial", n, status=code, path_contains=path_contains))

    def hold_next(self, n: int = 1, *, path_contains: str | None = None, after: int = 0) -> None:
        """Hold the next n API requests (whose path contains `path_contains`),
        once `after` of them have gone through, unanswered until
        release_held(); then answer them as usual. A client stuck in a request
        for as long as a test needs (the crash loop kills the sync there);
        wait_held() tells when one is held."""
        if after < 0:
            raise ValueError("after must be 0 or more")
        self._add_fault(_Fault("hold", n, path_contains=path_contains, after=after))

    def wait_held(self, timeout: float = 10.0, *, count: int = 1) -> bool:
        """Whether `count` requests are held, waiting up to `timeout` seconds for them."""
        with self._holding:
            return self._holding.wait_for(lambda: self._held >= count, timeout)

    def release_held(self) -> None:
        """Answer the requests held now, as usual; return once none of them is
        held any more (so wait_held() then waits for another)."""
        with self._holding:
            answered = self._answered_holds + self._held
            self._releases += 1
            self._holding.notify_all()
            self._holding.wait_for(lambda: self._answered_holds >= answered)

    def fail_listing_at_page(self, page: int, *, status: int = 500) -> None:
        """Every listing request for `page` fails with `status` until reset_faults()."""
        with self._lock:
            self._failing_pages[page] = status

    def empty_listing_page(self, page: int) -> None:
        """Every listing request for `page` answers 200 with no items (and a
        next_page_uri as usual) until reset_faults(): an empty page before the end."""
        with self._lock:
            self._empty_pages.add(page)

    def reset_faults(self) -> None:
        """Forget pending faults, failing and empty pages, and malformed items
        (requests held now stay held until release_held())."""
        with self._lock:
            self._faults.clear()
            self._failing_pages.clear()
            self._empty_pages.clear()
            for account in self._accounts.values():
                account.malformed.clear()

    def _add_fault(self, fault: _Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("n must be 1 or more")
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, kind: str, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.applies_to(kind, path):
                    if fault.after:
                        fault.after -= 1
                        continue
                    fault.remaining -= 1
                    if not fault.remaining:
                        self._faults.remove(fault)
                    return fault
        return None

    def _hold(self) -> None:
        """Block the calling request's thread until release_held()."""
        with self._holding:
            self._held += 1
            releases = self._releases
            self._holding.notify_all()
            self._holding.wait_for(lambda: self._releases != releases)
            self._held -= 1
            self._answered_holds += 1
            self._holding.notify_all()

    def _failing_status(self, page: int) -> int | None:
        """The status fail_listing_at_page() set for `page`, if any."""
        with self._lock:
            return self._failing_pages.get(page)

    def _is_empty_page(self, page: int) -> bool:
        """Whether empty_listing_page() emptied `page`."""
        with self._lock:
            return page in self._empty_pages

    def _spend(self, account_sid: str) -> int | None:
        """Count a request against the account's budget; the seconds to wait
        when it is spent, else None. Refused requests are not counted."""
        if self.rate_limit_per_minute is None:
            return None
        now = time.monotonic()
        with self._lock:
            window = self._spent[account_sid]
            while window and window[0] <= now - RATE_WINDOW_SECONDS:
                window.popleft()
            if len(window) >= self.rate_limit_per_minute:
                return max(1, math.ceil(window[0] + RATE_WINDOW_SECONDS - now))
            window.append(now)
        return None

    # --- counters

    @property
    def request_count(self) -> int:
        """API requests received, whatever their answer (control requests not counted)."""
        return self._request_count

    @property
    def request_counts(self) -> dict[str, int]:
        """API requests per kind: listing, beta_detail, v2_detail, unknown."""
        with self._lock:
            return dict(self._request_counts)

    @property
    def request_log(self) -> list[LoggedRequest]:
        """The last REQUEST_LOG_SIZE API requests, oldest first."""
        with self._lock:
            return list(self._log)

    def reset_counters(self) -> None:
        with self._lock:
            self._request_count = 0
            self._request_counts.clear()
            self._log.clear()

    def state(self) -> dict[str, Any]:
        """What GET /_simulator/state answers."""
        with self._lock:
            return {
                "tick": self.tick,
                "tick_seconds": self.tick_seconds,
                "epoch": self.epoch.isoformat(),
                "numbers": {sid: len(a.visible()) for sid, a in self._accounts.items()},
                "latency": self.latency,
                "rate_limit_per_minute": self.rate_limit_per_minute,
                "pending_faults": sum(f.remaining for f in self._faults),
                "held_requests": self._held,
                "request_count": self._request_count,
                "request_counts": dict(self._request_counts),
            }

    def _count_request(self, kind: str) -> None:
        with self._lock:
            self._request_count += 1
            self._request_counts[kind] += 1

    def _log_request(self, request: LoggedRequest) -> None:
        with self._lock:
            self._log.append(request)
