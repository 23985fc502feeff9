"""Two cadences, one budget: the arithmetic of numbers.cadence, and the paced
budget the scheduled listing spends it with (exotel.budget.PacedBudget)."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from exoinventory.exotel.budget import LocalRequestBudget, PacedBudget
from exoinventory.numbers.cadence import account_cadence, cadence_for, listing_pages

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def cadence(numbers: int, rate: int, *, interval: int = 5, listing_interval: int = 60):
    return cadence_for(
        numbers=numbers,
        rate_per_minute=rate,
        interval_minutes=interval,
        listing_interval_minutes=listing_interval,
    )


# Worked by hand, at a sweep every 5 minutes and a listing every hour:
# interval budget = rate x 5 x 0.8; listing pages = numbers // 50 + 1, spread
# over 45 of its 60 minutes, so its share is ceil(pages x 5 / 45), at most
# half the budget; the allotment is the rest.
@pytest.mark.parametrize(
    ("numbers", "rate", "budget", "listing_share", "allotment", "sweeps", "recheck_minutes"),
    [
        (1_000, 50, 200, 3, 197, 6, 30),
        (10_000, 50, 200, 23, 177, 57, 285),
        # 2,001 pages would want 223 a sweep: capped at half the budget.
        (100_000, 50, 200, 100, 100, 1_000, 5_000),
        (1_000, 200, 800, 3, 797, 2, 10),
        (10_000, 200, 800, 23, 777, 13, 65),
        (100_000, 200, 800, 223, 577, 174, 870),
    ],
)
def test_the_budget_is_shared_between_listing_and_sweep_as_worked_by_hand(
    numbers: int,
    rate: int,
    budget: int,
    listing_share: int,
    allotment: int,
    sweeps: int,
    recheck_minutes: int,
) -> None:
    worked = cadence(numbers, rate)

    assert worked.interval == timedelta(minutes=5)
    assert (worked.interval_budget, worked.listing_share, worked.allotment) == (
        budget,
        listing_share,
        allotment,
    )
    assert worked.sweeps_per_round == sweeps
    assert worked.recheck_period == timedelta(minutes=recheck_minutes)
    assert worked.fresh_for == timedelta(minutes=2 * recheck_minutes)


def test_the_sweep_always_gets_at_least_half_of_each_interval_budget() -> None:
    for numbers, rate, interval, listing_interval in itertools.product(
        [1, 49, 50, 999, 5_000, 100_000, 1_000_000], [1, 7, 50, 200], [1, 5, 15], [1, 60, 1440]
    ):
        worked = cadence(numbers, rate, interval=interval, listing_interval=listing_interval)
        case = f"{numbers} numbers at {rate}/min, every {interval} and {listing_interval} min"

        assert worked.allotment >= worked.interval_budget / 2, case
        assert 1 <= worked.listing_share <= worked.interval_budget // 2, case
        assert worked.listing_share + worked.allotment == worked.interval_budget, case
        assert worked.fresh_for >= 2 * worked.interval, case


def test_an_account_never_listed_lets_the_listing_take_half_the_budget() -> None:
    never_listed = cadence(0, 50)

    assert never_listed.listing_share == 100 == never_listed.interval_budget // 2
    assert never_listed.allotment == 100
    assert never_listed.sweeps_per_round == 1
    assert never_listed.fresh_for == timedelta(minutes=10)


def test_a_tiny_rate_limit_still_leaves_one_request_to_each() -> None:
    tiny = cadence(10, 1, interval=1)

    assert (tiny.interval_budget, tiny.listing_share, tiny.allotment) == (2, 1, 1)
    assert tiny.recheck_period == timedelta(minutes=10)


def test_a_listing_ends_with_a_short_page() -> None:
    assert [listing_pages(n) for n in (0, 1, 49, 50, 51, 100, 100_000)] == [1, 1, 1, 2, 2, 3, 2001]


def test_the_scheduled_listing_spaces_its_pages_across_the_interval() -> None:
    # 1,000 numbers at 50 a minute: 3 pages per 5-minute interval.
    assert cadence(1_000, 50).listing_page_spacing == 100.0
    # Never listed: half of the 200 requests of a 300-second interval.
    assert cadence(0, 50).listing_page_spacing == 3.0


def test_a_status_is_fresh_up_to_fresh_for_and_not_a_moment_longer() -> None:
    worked = cadence(1_000, 50)  # fresh for an hour

    assert worked.is_fresh(NOW - timedelta(hours=1), now=NOW)
    assert not worked.is_fresh(NOW - timedelta(hours=1, microseconds=1), now=NOW)
    assert worked.is_fresh(NOW, now=NOW)
    assert not worked.is_fresh(None, now=NOW)


def test_the_deployments_cadence_follows_its_settings(settings) -> None:
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 200
    settings.SYNC_INTERVAL_MINUTES = 5
    settings.LISTING_INTERVAL_MINUTES = 60
    at_200 = account_cadence(10_000)
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 50
    at_50 = account_cadence(10_000)

    assert at_200 == cadence(10_000, 200)
    assert at_50 == cadence(10_000, 50)
    assert at_50.fresh_for > at_200.fresh_for


class FakeClock:
    """A clock that moves only when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def paced(clock: FakeClock, *, spacing: float, limit: int = 1_000) -> PacedBudget:
    inner = LocalRequestBudget(limit, clock=clock, sleep=clock.sleep)
    return PacedBudget(inner, spacing=spacing, clock=clock, sleep=clock.sleep)


def test_a_paced_budget_spaces_requests_sent_back_to_back() -> None:
    clock = FakeClock()
    budget = paced(clock, spacing=10.0)

    sent = []
    for _ in range(4):
        waited = budget.acquire()
        sent.append((clock.now, waited))

    assert sent == [(0.0, 0.0), (10.0, 10.0), (20.0, 10.0), (30.0, 10.0)]


def test_a_paced_budget_does_not_wait_after_a_pause_longer_than_its_spacing() -> None:
    clock = FakeClock()
    budget = paced(clock, spacing=10.0)
    budget.acquire()
    clock.now += 25.0

    assert budget.acquire() == 0.0
    assert clock.now == 25.0
    # The next slot counts from the last request, not from the first.
    assert budget.acquire() == 10.0
    assert clock.now == 35.0


def test_a_paced_budget_also_waits_for_the_account_budget_it_wraps() -> None:
    clock = FakeClock()
    # Two requests a minute: the third waits for the first to leave the window.
    budget = paced(clock, spacing=10.0, limit=2)

    waits = [budget.acquire() for _ in range(3)]

    assert waits == [0.0, 10.0, 50.0]
    assert clock.now == 60.0
    assert clock.slept == [10.0, 10.0, 40.0]
