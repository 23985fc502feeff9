"""The load test's short variant (benchmarks/load.py; make bench runs the full
minute): 20 users on every page while syncs run, against gunicorn on
PostgreSQL and against `make run`, with no error and no sync lost. Timings
are the benchmark's business, not asserted here."""

import os
import sys
from dataclasses import replace

import pytest

from benchmarks.load import (
    LoadResult,
    SyncReport,
    gunicorn_on_postgresql,
    loaded,
    make_run,
    run_load,
)

USERS = 20
SECONDS = 12.0
PAGES = {"overview", "list", "number", "costs", "flows", "outages", "numbers"}

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="stops make run's children through /proc"
)


def assert_served_without_error(result: LoadResult, syncs: SyncReport) -> None:
    assert result.errors == []
    assert result.seconds >= SECONDS
    assert set(result.pages) == PAGES
    assert {page for page, figures in result.pages.items() if figures.requests == 0} == set()
    # Every sync that ran meanwhile ended in success, none skipped or failed.
    assert syncs.commands >= 1
    assert syncs.problems == []


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs a PostgreSQL server (DATABASE_URL)",
)
def test_twenty_users_on_gunicorn_and_postgresql_during_a_sync_meet_no_error() -> None:
    # A short Exotel latency: several syncs run back to back in the window.
    with gunicorn_on_postgresql(os.environ["DATABASE_URL"], exotel_latency=0.05) as target:
        result, syncs = loaded(target, users=USERS, seconds=SECONDS)
        assert_served_without_error(result, syncs)

        # What would be an error is counted as one: a login that fails.
        refused = run_load(replace(target, password="not-the-password"), users=2, seconds=1)
        assert refused.errors == ["login: login answered 200, not the overview"] * 2


def test_twenty_users_on_make_run_during_a_sync_meet_no_error() -> None:
    with make_run() as target:
        result, syncs = loaded(target, users=USERS, seconds=SECONDS)
    assert_served_without_error(result, syncs)
