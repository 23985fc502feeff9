"""Two cadences, one budget: how an account's request budget is shared between
the listing and the connectivity sweep, and how often each number is re-checked.

The listing (prices, flows, new and released numbers) runs every
LISTING_INTERVAL_MINUTES; the sweep (one v2 detail request per number) every
SYNC_INTERVAL_MINUTES. Both draw on the account's EXOTEL_RATE_LIMIT_PER_MINUTE.
Per sweep interval:

- the interval's budget is BUDGET_SHARE of the rate limit times the interval
  (the rest is room for retries and a late start);
- the listing's share is the pages it needs per sweep interval to finish
  within LISTING_SPREAD of its own interval, and never more than half;
- the sweep's allotment is the rest: at least half, so the listing can never
  starve the sweep.

A number is then re-checked every interval × ceil(numbers ÷ allotment): its
re-check period. docs/sync.md works these figures through. The freshness rule
built on the period is selectors.freshness.

While Exotel's Heartbeat arrives, every heartbeat observes every number of
the account: the period that matters is then the heartbeat's (measured
between two heartbeats), and an observation is fresh for
HEARTBEAT_FRESH_PERIODS of it.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings

from exoinventory.exotel.client import PAGE_SIZE

# Share of the rate limit a sync plans to spend, leaving room for retries.
BUDGET_SHARE = Decimal("0.8")
# The listing spreads its pages over this share of its interval, so that a
# listing is usually over before the next one is due.
LISTING_SPREAD = Decimal("0.75")
# Exotel sends its Heartbeat "every few minutes": this period is assumed
# until two heartbeats have measured it, and a measured one is held within
# the bounds (a gap of hours is heartbeats that stopped, not their period).
HEARTBEAT_PERIOD_ASSUMED = timedelta(minutes=5)
HEARTBEAT_PERIOD_BOUNDS = (timedelta(minutes=1), timedelta(minutes=15))
# An observation by heartbeat is fresh for this many periods: one missed
# heartbeat (Exotel retries twice, 15 s apart) is no gap; with none for
# that long, the heartbeats have stopped and the sweep's window applies.
HEARTBEAT_FRESH_PERIODS = 3


@dataclass(frozen=True)
class Cadence:
    """The budget arithmetic of one account with `numbers` current numbers."""

    numbers: int
    interval: timedelta
    # Requests per sweep interval that the listing and the sweep plan to spend.
    interval_budget: int
    # Listing pages per sweep interval (its share of interval_budget).
    listing_share: int
    # Detail requests per sweep: the rest of interval_budget.
    allotment: int
    # While Exotel's heartbeats arrive, how often (heartbeat_period_now); else None.
    heartbeat_period: timedelta | None = None

    @property
    def sweeps_per_round(self) -> int:
        """Sweeps it takes to check every number once."""
        return max(1, math.ceil(self.numbers / self.allotment))

    @property
    def recheck_period(self) -> timedelta:
        """How long a number waits between two checks."""
        return self.interval * self.sweeps_per_round

    @property
    def fresh_for(self) -> timedelta:
        """How long an observation stays fresh: twice the re-check period,
        which is at least twice the interval; while heartbeats arrive,
        HEARTBEAT_FRESH_PERIODS heartbeat periods."""
        if self.heartbeat_period is not None:
            return HEARTBEAT_FRESH_PERIODS * self.heartbeat_period
        return 2 * self.recheck_period

    def is_fresh(self, observed_at: datetime | None, *, now: datetime) -> bool:
        """THE freshness rule: an observation is fresh while it is at most
        `fresh_for` old. Everything that shows or extends a status asks this
        (through selectors.freshness for pages)."""
        return observed_at is not None and now - observed_at <= self.fresh_for

    @property
    def listing_page_spacing(self) -> float:
        """Seconds between two listing pages of a scheduled listing."""
        return self.interval.total_seconds() / self.listing_share


def heartbeat_period_now(
    *, observed_at: datetime | None, measured: timedelta | None, now: datetime
) -> timedelta | None:
    """The account's heartbeat period while its heartbeats arrive: the last
    one that observed the numbers (`observed_at`) is at most
    HEARTBEAT_FRESH_PERIODS periods old. None: no heartbeat covers it now."""
    if observed_at is None:
        return None
    period = heartbeat_period_expected(measured)
    return period if now - observed_at <= HEARTBEAT_FRESH_PERIODS * period else None


def heartbeat_period_expected(measured: timedelta | None) -> timedelta:
    """The period heartbeats are expected at: as measured, within the bounds."""
    shortest, longest = HEARTBEAT_PERIOD_BOUNDS
    return min(max(measured or HEARTBEAT_PERIOD_ASSUMED, shortest), longest)


def listing_pages(numbers: int) -> int:
    """Pages of a complete listing: it ends with a short (maybe empty) page."""
    return numbers // PAGE_SIZE + 1


def cadence_for(
    *,
    numbers: int,
    rate_per_minute: int,
    interval_minutes: int,
    listing_interval_minutes: int,
    heartbeat_period: timedelta | None = None,
) -> Cadence:
    """The arithmetic for an account of `numbers` current numbers, whose
    heartbeats arrive every `heartbeat_period` (None: none arrive).

    `numbers` 0 means "not listed yet": the listing may then take its whole
    share (half the budget), as nothing tells how long it will be.
    """
    interval_budget = max(2, int(rate_per_minute * interval_minutes * BUDGET_SHARE))
    half = interval_budget // 2
    if numbers:
        spread = listing_interval_minutes * LISTING_SPREAD
        needed = math.ceil(listing_pages(numbers) * interval_minutes / spread)
        listing_share = max(1, min(needed, half))
    else:
        listing_share = half
    return Cadence(
        numbers=numbers,
        interval=timedelta(minutes=interval_minutes),
        interval_budget=interval_budget,
        listing_share=listing_share,
        allotment=interval_budget - listing_share,
        heartbeat_period=heartbeat_period,
    )


def account_cadence(numbers: int, *, heartbeat_period: timedelta | None = None) -> Cadence:
    """cadence_for() with this deployment's settings."""
    return cadence_for(
        numbers=numbers,
        rate_per_minute=settings.EXOTEL_RATE_LIMIT_PER_MINUTE,
        interval_minutes=settings.SYNC_INTERVAL_MINUTES,
        listing_interval_minutes=settings.LISTING_INTERVAL_MINUTES,
        heartbeat_period=heartbeat_period,
    )
