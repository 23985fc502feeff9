"""A whole sync against its floors: `manage.py sync_exophones --all` over HTTP
against the simulator answering after Exotel-like latency under a rate limit.

The floor of a sync is what Exotel's rate limit R allows: the least requests
(every listing page and one detail per number) ÷ R. Both the client's budget
and the simulator's limit are sliding 60-second logs, so the first R
requests may go at once: the sync is sized at a whole number of windows
(k × R + 1 requests), where the floor and the least time a sliding log
allows agree to within 60/R seconds. The command runs in a process of its own, as an operator
runs it; its time includes that process's start.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import Figure, at_most, database_url, exactly, progress
from exoinventory.numbers.cadence import listing_pages
from exoinventory.numbers.models import SyncRun
from exoinventory.simulator import ExotelSimulator

REPO = Path(__file__).resolve().parent.parent
ACCOUNT = "BenchPaced"
SEED = 7
SYNC_TIMEOUT_SECONDS = 900


def least_requests(numbers: int) -> int:
    """Every listing page and one detail per number: a sync's minimum."""
    return listing_pages(numbers) + numbers


def numbers_for(requests: int) -> int:
    """The most numbers whose sync needs at most `requests` requests."""
    numbers = requests
    while least_requests(numbers) > requests:
        numbers -= 1
    return numbers


def sync_floor_figures(*, rate_per_minute: int, requests: int, latency: float) -> list[Figure]:
    """sync time / floor and requests / minimum of one whole sync of as many
    numbers as `requests` requests can sync."""
    numbers = numbers_for(requests)
    minimum = least_requests(numbers)
    floor = minimum / rate_per_minute * 60
    with ExotelSimulator(
        numbers=numbers, seed=SEED, accounts=[ACCOUNT], evolve=False, latency=latency,
        rate_limit_per_minute=rate_per_minute,
    ) as simulator:  # fmt: skip
        environ = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "EXOTEL_ACCOUNTS": simulator.account_url(ACCOUNT),
            "EXOTEL_RATE_LIMIT_PER_MINUTE": str(rate_per_minute),
            "REDIS_URL": "",
        }
        progress(
            f"sync_exophones --all of {numbers:,} numbers at {rate_per_minute}/min, "
            f"latency {latency} s: floor {floor:.0f} s"
        )
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "manage.py", "sync_exophones", "--all"],
            cwd=REPO, env=environ, capture_output=True, text=True,
            timeout=SYNC_TIMEOUT_SECONDS,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        received = simulator.request_counts
    if done.returncode != 0:
        raise RuntimeError(f"sync_exophones failed:\n{done.stderr[-3000:]}")
    runs = SyncRun.objects.filter(account__sid=ACCOUNT)
    sent = sum(run.requests for run in runs)
    retries = sum(run.retries for run in runs)
    progress(f"the sync took {seconds:.1f} s: {done.stdout.strip()}")
    return [
        at_most(
            "sync time / floor",
            seconds / floor,
            1.15,
            f"{seconds:.1f} s against {minimum} requests ÷ {rate_per_minute}/min = "
            f"{floor:.1f} s ({numbers:,} numbers, latency {latency} s)",
        ),
        exactly(
            "requests / minimum",
            (sent - retries) / minimum,
            1,
            f"{sent - retries} requests besides {retries} retries, minimum {minimum} "
            f"({listing_pages(numbers)} pages + {numbers:,} details); the simulator "
            f"received {sum(received.values())}: {received}",
        ),
    ]
