"""`make bench` at tiny sizes: every figure of issue 11 is computed, each with
its target, on the test database. The values are not asserted (a smoke run
measures nothing worth a threshold); the benchmark itself is docs/benchmarks.md."""

import pytest
from django.db import connection

from benchmarks.figures import SMOKE, measured_figures

FIGURES = {
    "sync time / floor",
    "requests / minimum",
    "write phase / bare read",
    "write phase, 1 % changed / unchanged",
    "naive / ours, every number changed",
    "naive / ours, 1 % changed",
    "history rows per unchanged re-sync",
    "queries 100k / 1k, listing",
    "queries 100k / 1k, sweep",
    *(
        f"{measure}: {page}"
        for measure in ("page time / stock changelist", "queries per page")
        for page in (
            "overview", "ExoPhone list", "costs, HTML", "costs, JSON", "flows, HTML",
            "flows, JSON", "outages 7 d, HTML", "outages 7 d, JSON", "outages 90 d, HTML",
            "outages 90 d, JSON",
        )
    ),
    "CSV export / bare fetch (rate)",
    "CSV export peak RSS growth (MB)",
    "peak RSS of a 100,000-number listing sync (MB)",
    "load: p95 at 20 users / one user",
    "load: errors",
}  # fmt: skip


# Committed data: the listing and the sync run in processes of their own.
# The benchmark seeds and measures PostgreSQL (generate_series, unnest).
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_every_figure_is_measured_with_its_target(settings) -> None:
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 100_000

    figures = measured_figures(SMOKE)

    assert [figure.figure for figure in figures if figure.figure not in FIGURES] == []
    assert {figure.figure for figure in figures} == FIGURES
    measured = [figure for figure in figures if not figure.figure.startswith("load")]
    assert [figure.figure for figure in measured if figure.value is None] == []
    assert all(figure.target and figure.detail for figure in figures)
