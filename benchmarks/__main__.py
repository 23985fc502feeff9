"""python -m benchmarks (make bench): every benchmark in one run, then the totals.

Sets its own environment before Django reads its settings, makes sure the
benchmark database exists, migrates it, and stops by itself within
BUDGET_SECONDS (the largest case runs only if it fits).
"""

import datetime
import os
import platform
import sys
import time

import django
import environ
import psycopg
from psycopg import sql

# Kept if the environment already says otherwise.
ENV_DEFAULTS = {
    "DJANGO_SETTINGS_MODULE": "exoinventory.settings",
    "DJANGO_SECRET_KEY": "bench-only-throwaway-key-not-for-any-real-site",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/exoinventory_bench",
}
# Always: production's code paths without DEBUG's query log, and a request
# budget so high that every number's connectivity is checked, kept by this
# process alone (no Redis).
ENV_FORCED = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "EXOTEL_RATE_LIMIT_PER_MINUTE": "100000000",
    "REDIS_URL": "",
    "SYNC_INTERVAL_MINUTES": "5",
}
# The whole run stops within ten minutes on a 2-core machine: the optional
# largest case of benchmark 1 runs only if it fits before the time kept for
# the later benchmarks (they take under two minutes here).
BUDGET_SECONDS = 540.0
LATER_BENCHMARKS_SECONDS = 180.0


def benchmark_database(url: str) -> str:
    """Create the benchmark database if it is missing; return its name.

    The benchmarks empty the numbers tables, so they refuse any database
    whose name does not end in _bench: never a real inventory.
    """
    config = environ.Env.db_url_config(url)
    name = str(config["NAME"])
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("benchmarks: DATABASE_URL must be a PostgreSQL database (postgres://…)")
    if not name.endswith("_bench"):
        sys.exit(
            f"benchmarks: they empty tables, so the database name must end in _bench, not {name}"
        )
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def main() -> None:
    started = time.perf_counter()
    for name, value in ENV_DEFAULTS.items():
        os.environ.setdefault(name, value)
    os.environ.update(ENV_FORCED)
    database = benchmark_database(os.environ["DATABASE_URL"])
    django.setup()

    # Django and the app are importable only now.
    from django.core.management import call_command
    from django.db import connection

    from benchmarks import admin_changelist, bulk_vs_naive, end_to_end, sync_scaling
    from benchmarks.dataset import simulated_dataset
    from benchmarks.harness import table

    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgres,) = cursor.fetchone()
    print(
        f"exoinventory benchmarks, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC: "
        f"{os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {postgres} (database {database})\n",
        flush=True,
    )
    dataset = simulated_dataset(max(sync_scaling.SIZES[-1], admin_changelist.SIZES[-1]))
    summary = [
        *sync_scaling.run(dataset, deadline=started + BUDGET_SECONDS - LATER_BENCHMARKS_SECONDS),
        *bulk_vs_naive.run(dataset),
        *end_to_end.run(),
        *admin_changelist.run(dataset),
    ]
    elapsed = time.perf_counter() - started
    rows = [(row.benchmark, row.measure, row.value) for row in summary]
    rows.append(("all", "wall time of this run", f"{elapsed:.0f} s"))
    print(table("Totals", ("benchmark", "measure", "value"), rows, text_columns=2))


if __name__ == "__main__":
    main()
