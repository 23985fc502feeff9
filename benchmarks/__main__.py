"""python -m benchmarks (make bench): every figure of issue 11 in one run,
printed as one table and written to bench/results.json.

Sets its own environment before Django reads its settings, makes the
benchmark database anew (the seed is rebuilt every run anyway, and a new
database never meets a migration history from another branch), migrates
it, and measures (benchmarks.figures).
"""

import json
import os
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import django
import environ
import psycopg
from psycopg import sql

RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results.json"
# Kept if the environment already says otherwise.
ENV_DEFAULTS = {
    "DJANGO_SETTINGS_MODULE": "exoinventory.settings",
    "DJANGO_SECRET_KEY": "bench-only-throwaway-key-not-for-any-real-site",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/exoinventory_bench",
}
# Always: production's code paths without DEBUG's query log, and a request
# budget so high that one sweep checks every number (the settings' maximum),
# kept by this process alone (no Redis).
ENV_FORCED = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "EXOTEL_RATE_LIMIT_PER_MINUTE": "100000",
    "REDIS_URL": "",
    "SYNC_INTERVAL_MINUTES": "5",
    "EXOTEL_ACCOUNTS": "",
}


def fresh_benchmark_database(url: str) -> str:
    """Drop and create the benchmark database; return its name.

    Only a database whose name ends in _bench: never a real inventory."""
    config = environ.Env.db_url_config(url)
    name = str(config["NAME"])
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("benchmarks: DATABASE_URL must be a PostgreSQL database (postgres://…)")
    if not name.endswith("_bench"):
        sys.exit(
            f"benchmarks: they drop their database, so its name must end in _bench, not {name}"
        )
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def main() -> None:
    for name, value in ENV_DEFAULTS.items():
        os.environ.setdefault(name, value)
    os.environ.update(ENV_FORCED)
    fresh_benchmark_database(os.environ["DATABASE_URL"])
    django.setup()

    # Django and the app are importable only now.
    from django.core.management import call_command

    from benchmarks.figures import FULL, measured_figures
    from benchmarks.harness import environment_line, progress, table

    started = time.perf_counter()
    progress("migrating the benchmark database")
    call_command("migrate", verbosity=0, interactive=False)
    header = (
        f"exoinventory benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {environment_line()}"
    )
    print(header + "\n", flush=True)
    figures = measured_figures(FULL)
    elapsed = time.perf_counter() - started

    rows = [
        (
            figure.figure,
            "—" if figure.value is None else f"{figure.value:,.2f}",
            figure.target,
            "met" if figure.met else "MISSED",
        )
        for figure in figures
    ]
    print(table("Figures", ("figure", "value", "target", "met"), rows))
    print("**What each value was measured from**\n")
    for figure in figures:
        print(f"- {figure.figure}: {figure.detail}")
    print(
        f"\n{sum(f.met for f in figures)} of {len(figures)} targets met; wall time {elapsed:.0f} s"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps([asdict(figure) for figure in figures], indent=2) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
