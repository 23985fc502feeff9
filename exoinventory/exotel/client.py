"""HTTP to Exotel: the v2_beta listing and the v2 detail (connectivity).

No ORM here. Credentials go only into requests' basic auth, never into a
URL, a log line or an exception; errors are one line naming the account and
the path. Every request passes the account's request budget, has a timeout,
and is retried with backoff on connection errors, 429 (after Retry-After)
and 5xx.
"""

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests

from exoinventory.exotel.accounts import ExotelAccount
from exoinventory.exotel.budget import RequestBudget
from exoinventory.exotel.records import (
    ConnectivityReport,
    ExoPhoneNotFound,
    ExoPhoneRecord,
    RecordError,
    SkippedRecord,
    parse_detail_envelope,
    parse_exophone,
)

logger = logging.getLogger(__name__)

# Exotel's documented example pages by 50; asking for more risks a server that
# silently caps the page, which would end the listing early.
PAGE_SIZE = 50
# (connect, read) seconds: Exotel answers a page in well under a second.
TIMEOUT = (5.0, 30.0)
MAX_RETRIES = 4
BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0
# A 429 asking for a longer wait than this fails the request instead: a sync
# is better failed and retried by the next tick than stalled for an hour.
MAX_RETRY_AFTER_SECONDS = 300.0
DETAIL_WORKERS = 4
# A listing that has not ended after this many pages is not trusted.
MAX_PAGES = 20_000


# progress(stage, done, total): stage "listing" (pages, total unknown) or
# "connectivity" (numbers checked of total).
Progress = Callable[[str, int, int | None], None]


class ExotelError(Exception):
    """A request to Exotel failed for good. The message is one line and holds
    no credential."""


@dataclass
class ClientStats:
    """What the client did, for the sync run record. Thread-safe counters."""

    requests: int = 0
    retries: int = 0
    pages: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, requests: int = 0, retries: int = 0, pages: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.pages += pages


@dataclass
class Listing:
    """A complete listing: every number once, and the items that were skipped."""

    records: list[ExoPhoneRecord]
    skipped: list[SkippedRecord]


@dataclass
class ConnectivityBatch:
    reports: list[ConnectivityReport]
    skipped: list[SkippedRecord]
    # Numbers Exotel answered 404 for (no longer in the account): when the
    # answer arrived, by sid.
    gone: dict[str, datetime]


@dataclass(frozen=True)
class _Gone:
    sid: str
    answered_at: datetime


def _json(response: requests.Response) -> Any:
    """The body as JSON, with its non-integral numbers as Decimal: the seeds
    type prices and the pulse as "Double", and a float would lose paise
    before parse_money could refuse it."""
    return response.json(parse_float=Decimal)


def _retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds, given as seconds or as an HTTP date; None if absent."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


class ExotelClient:
    def __init__(
        self,
        account: ExotelAccount,
        *,
        budget: RequestBudget,
        listing_zone: str,
        page_size: int = PAGE_SIZE,
        timeout: tuple[float, float] = TIMEOUT,
        max_retries: int = MAX_RETRIES,
        backoff_seconds: float = BACKOFF_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.account = account
        self.budget = budget
        self.listing_zone = listing_zone
        self.page_size = page_size
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.stats = ClientStats()
        self._sleep = sleep
        self._local = threading.local()

    def _session(self) -> requests.Session:
        # requests.Session is not documented as thread-safe: one per thread.
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.auth = (self.account.key, self.account.token)
            session.headers["Accept"] = "application/json"
            self._local.session = session
        return session

    def _get(self, path: str, params: dict[str, Any] | None = None) -> requests.Response:
        """GET a path of this account's host, retrying what is worth retrying.

        Returns the last response (any status the caller must judge), or
        raises ExotelError when no response could be had.
        """
        url = self.account.base_url + path
        where = f"{self.account.sid}: GET {path}"
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.stats.add(retries=1)
            self.budget.acquire()
            self.stats.add(requests=1)
            try:
                response = self._session().get(
                    url, params=params, timeout=self.timeout, allow_redirects=False
                )
            except requests.RequestException as error:
                reason = type(error).__name__
                if attempt == self.max_retries:
                    raise ExotelError(f"{where}: {reason} after {attempt + 1} attempts") from None
                logger.warning("%s: %s, retrying", where, reason)
                self._sleep(self._backoff(attempt))
                continue
            if response.status_code == 429 or response.status_code >= 500:
                if attempt == self.max_retries:
                    return response
                wait = self._backoff(attempt)
                if response.status_code == 429:
                    asked = _retry_after(response)
                    if asked is not None and asked > MAX_RETRY_AFTER_SECONDS:
                        return response
                    # Never sooner than asked: an early retry only meets another 429.
                    wait = asked if asked is not None else wait
                logger.warning("%s: HTTP %s, retrying in %.1fs", where, response.status_code, wait)
                self._sleep(wait)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        # Exponential with jitter, so that parallel workers do not retry in step.
        base = min(self.backoff_seconds * 2**attempt, MAX_BACKOFF_SECONDS)
        return base * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not security

    def list_exophones(self, *, progress: Progress | None = None) -> Listing:
        """Every ExoPhone of the account, paging the v2_beta list until a short page.

        Raises ExotelError unless the listing is complete: a partial listing
        must never be mistaken for the whole (numbers would be released).
        """
        path = f"/v2_beta/Accounts/{self.account.sid}/IncomingPhoneNumbers"
        records: dict[str, ExoPhoneRecord] = {}
        skipped: list[SkippedRecord] = []
        for page in range(MAX_PAGES):
            # Page URLs are built from the configured account; next_page_uri
            # names another host in Exotel's own example and is not followed.
            response = self._get(path, {"Page": page, "PageSize": self.page_size})
            items, page_size = self._listing_page(response, page)
            self.stats.add(pages=1)
            if progress:
                progress("listing", page + 1, None)
            for item in items:
                try:
                    record = parse_exophone(item, zone=self.listing_zone)
                except RecordError as error:
                    sid = item.get("sid") if isinstance(item, dict) else None
                    skipped.append(
                        SkippedRecord(sid=sid if isinstance(sid, str) else None, reason=str(error))
                    )
                    continue
                records[record.sid] = record
            if len(items) < page_size:
                return Listing(records=list(records.values()), skipped=skipped)
        raise ExotelError(f"{self.account.sid}: the listing did not end within {MAX_PAGES} pages")

    def _listing_page(self, response: requests.Response, page: int) -> tuple[list[Any], int]:
        where = f"{self.account.sid}: listing page {page}"
        if response.status_code != 200:
            raise ExotelError(f"{where}: HTTP {response.status_code}")
        try:
            body = _json(response)
        except ValueError:
            raise ExotelError(f"{where}: the body is not JSON") from None
        items = body.get("incoming_phone_numbers") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise ExotelError(f"{where}: no incoming_phone_numbers list")
        # The server may cap PageSize; a page is short against what it says it
        # used (an int, or digits in a string as Exotel sends other numbers).
        page_size = body.get("page_size")
        if isinstance(page_size, str) and page_size.isdecimal():
            page_size = int(page_size)
        if not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1:
            page_size = self.page_size
        return items, min(page_size, self.page_size)

    def fetch_connectivity(
        self,
        sids: Sequence[str],
        *,
        workers: int = DETAIL_WORKERS,
        progress: Progress | None = None,
    ) -> ConnectivityBatch:
        """Connectivity of each number from the v2 detail endpoint, fetched by a
        small pool that shares the account's budget. A number whose detail
        fails is skipped (it keeps its last observation); the rest go on. A
        number Exotel answers 404 for is listed as gone."""
        results: list[ConnectivityReport | SkippedRecord | _Gone] = []
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="exotel-detail") as pool:
            for result in pool.map(self._connectivity, sids):
                results.append(result)
                if progress:
                    progress("connectivity", len(results), len(sids))
        reports = [r for r in results if isinstance(r, ConnectivityReport)]
        skipped = [r for r in results if isinstance(r, SkippedRecord)]
        gone = {r.sid: r.answered_at for r in results if isinstance(r, _Gone)}
        return ConnectivityBatch(reports=reports, skipped=skipped, gone=gone)

    def _connectivity(self, sid: str) -> ConnectivityReport | SkippedRecord | _Gone:
        """The number's connectivity, why it could not be had, or when Exotel
        said the number is not in the account."""
        # Quoted: a sid is one path segment, and no sid may name another resource.
        path = f"/v2/accounts/{self.account.sid}/incoming-phone-numbers/{quote(sid, safe='')}"
        try:
            response = self._get(path)
        except ExotelError as error:
            return SkippedRecord(sid=sid, reason=str(error))
        # Stamped as the answer arrived, before parsing: the observation is
        # of this moment, whatever Exotel's own last_check_time says.
        observed_at = datetime.now(UTC)
        try:
            body = _json(response)
        except ValueError:
            return SkippedRecord(sid=sid, reason=f"detail HTTP {response.status_code}: not JSON")
        try:
            return parse_detail_envelope(body, sid=sid, observed_at=observed_at)
        except ExoPhoneNotFound:
            return _Gone(sid, observed_at)
        except RecordError as error:
            return SkippedRecord(sid=sid, reason=f"detail HTTP {response.status_code}: {error}")
