"""One listing of an account over HTTP, in a process of its own
(`python -m benchmarks.listing_sync ACCOUNT_URL`), printed as JSON.

A process of its own, so that its peak resident memory (ru_maxrss) is the
listing's and not the benchmark's, which holds simulators and snapshots.
The parent (benchmarks.writes) serves the account from its simulator and
passes DATABASE_URL and the settings in the environment.
"""

import json
import resource
import sys
import time
from typing import Any

import django


def listing(account_url: str) -> dict[str, Any]:
    """Run the listing service once; its phases, queries and peak memory."""
    django.setup()
    from django.conf import settings

    from benchmarks.harness import counting_queries
    from exoinventory.exotel.accounts import parse_accounts
    from exoinventory.exotel.budget import LocalRequestBudget
    from exoinventory.exotel.client import ExotelClient, Listing, Progress
    from exoinventory.numbers.models import SyncRun
    from exoinventory.numbers.services.listing import exophones_list

    class FetchTimedClient(ExotelClient):
        """The real client, timing the fetch of the pages."""

        fetch_seconds = 0.0

        def list_exophones(self, *, progress: Progress | None = None) -> Listing:
            start = time.perf_counter()
            try:
                return super().list_exophones(progress=progress)
            finally:
                self.fetch_seconds = time.perf_counter() - start

    account = parse_accounts(account_url)[0]
    client = FetchTimedClient(
        account,
        budget=LocalRequestBudget(settings.EXOTEL_RATE_LIMIT_PER_MINUTE),
        listing_zone=settings.EXOTEL_LISTING_TIME_ZONE,
    )
    with counting_queries() as counter:
        start = time.perf_counter()
        run = exophones_list(account=account, trigger=SyncRun.Trigger.COMMAND, client=client)
        seconds = time.perf_counter() - start
    if run.outcome != SyncRun.Outcome.SUCCESS:
        raise RuntimeError(f"the listing did not succeed: {run.outcome} {run.error}")
    return {
        "seconds": seconds,
        "fetch_seconds": client.fetch_seconds,
        "queries": counter.count,
        "sql_seconds": counter.seconds,
        "numbers_seen": run.numbers_seen,
        "numbers_updated": run.numbers_updated,
        "sync_run": run.pk,
        # Linux gives ru_maxrss in kB.
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    print(json.dumps(listing(sys.argv[1])))
