"""Measuring and reporting: timings with query counts, the figures with their
targets, peak memory, Markdown tables, progress lines.

Queries are counted with an execute wrapper rather than
CaptureQueriesContext: that keeps at most 9,000 queries (the naive baseline
runs more) and stores every statement's text, which would be timed too.
"""

import math
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
from django.db import connection

from exoinventory.numbers.models import Account

# A case is repeated only while its runs so far took less than this: a
# minute-long case is measured once, and the whole run stays within budget.
REPEAT_WITHIN_SECONDS = 10.0
STARTED = time.perf_counter()


@dataclass(frozen=True)
class Measurement:
    seconds: float  # the best run's wall time
    sql_seconds: float  # of which waiting for the database (inside execute)
    queries: int  # SQL statements of the best run
    runs: int


@dataclass(frozen=True)
class Figure:
    """One row of the issue's table: a value, its target, whether it is met.

    `value` is None when the figure could not be measured; `detail` then
    says why, and otherwise holds the measurements the value comes from."""

    figure: str
    value: float | None
    target: str
    met: bool
    detail: str = ""


def at_most(figure: str, value: float | None, limit: float, detail: str) -> Figure:
    met = value is not None and value <= limit
    return Figure(figure, value, f"≤ {limit:g}", met, detail)


def at_least(figure: str, value: float | None, limit: float, detail: str) -> Figure:
    met = value is not None and value >= limit
    return Figure(figure, value, f"≥ {limit:g}", met, detail)


def exactly(figure: str, value: float | None, wanted: float, detail: str) -> Figure:
    # Ratios of counts: equal, not merely close.
    met = value is not None and math.isclose(value, wanted)
    return Figure(figure, value, f"= {wanted:g}", met, detail)


class QueryCounter:
    """Counts the statements sent on this thread's connection while installed,
    and the time spent executing them."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start


@contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


def timed(action: Callable[[], object]) -> Measurement:
    """One run of `action`: its time, its SQL time and its queries."""
    with counting_queries() as counter:
        start = time.perf_counter()
        action()
        elapsed = time.perf_counter() - start
    return Measurement(elapsed, counter.seconds, counter.count, 1)


def best_of(actions: Sequence[Callable[[], object]], *, repeats: int) -> list[Measurement]:
    """Run the actions in turn, up to `repeats` rounds (fewer once the rounds
    so far took REPEAT_WITHIN_SECONDS), and keep each one's best run: noise
    only ever adds time, and taking turns exposes them to the same noise."""
    best: list[Measurement | None] = [None] * len(actions)
    spent = 0.0
    rounds = 0
    while rounds < repeats and (rounds == 0 or spent < REPEAT_WITHIN_SECONDS):
        for i, action in enumerate(actions):
            run = timed(action)
            spent += run.seconds
            kept = best[i]
            if kept is None or run.seconds < kept.seconds:
                best[i] = Measurement(run.seconds, run.sql_seconds, run.queries, rounds + 1)
        rounds += 1
    return [Measurement(m.seconds, m.sql_seconds, m.queries, rounds) for m in best if m]


def inventory_emptied() -> None:
    """Empty the inventory: accounts and everything that refers to them
    (circles and users stay)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {connection.ops.quote_name(Account._meta.db_table)} RESTART IDENTITY CASCADE"
        )


def database_url() -> str:
    """The database this process uses, as a DATABASE_URL for a child process
    (under pytest that is the test database, not the configured one)."""
    config = connection.settings_dict
    credentials = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    port = f":{config['PORT']}" if config["PORT"] else ""
    return f"postgres://{credentials}@{config['HOST']}{port}/{config['NAME']}"


# --- Memory (Linux: /proc)

_STATUS = Path("/proc/self/status")


def _status_mb(field: str) -> float:
    match = re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"/proc/self/status has no {field}")
    return int(match[1]) / 1024


@contextmanager
def peak_rss_growth() -> Iterator[list[float]]:
    """The growth of this process's peak resident memory (MB) over the block,
    appended to the yielded list on the way out. The kernel's peak (VmHWM)
    is reset first (clear_refs 5), so memory the process held earlier does
    not hide what the block takes."""
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_mb("VmRSS")
    growth: list[float] = []
    yield growth
    growth.append(_status_mb("VmHWM") - before)


# --- Printing


def progress(message: str) -> None:
    """A line on stderr with the time since the start: the run is long."""
    minutes, seconds = divmod(round(time.perf_counter() - STARTED), 60)
    print(f"[{minutes:3}:{seconds:02}] {message}", file=sys.stderr, flush=True)


def table(
    title: str, header: Sequence[str], rows: Sequence[Sequence[object]], *, text_columns: int = 1
) -> str:
    """A Markdown table under a bold title, the first `text_columns` columns
    left-aligned and the figures right: readable in a terminal, and pasted as
    is into docs/benchmarks.md."""
    cells = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    left = [i < text_columns for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if is_left else cell.rjust(width)
            for cell, width, is_left in zip(row, widths, left, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|".join(
        "-" * (width + 2) if is_left else "-" * (width + 1) + ":"
        for width, is_left in zip(widths, left, strict=True)
    )
    return "\n".join([f"**{title}**", "", line(cells[0]), f"|{rule}|", *map(line, cells[1:]), ""])


def environment_line() -> str:
    """The machine and versions a run was made on."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgres,) = cursor.fetchone()
    return (
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"Django {django.get_version()}, PostgreSQL {postgres} "
        f"(database {connection.settings_dict['NAME']})"
    )
