"""Measuring and printing: best-of timings with query counts, Markdown tables,
and the database emptied between cases.

Queries are counted with an execute wrapper rather than
CaptureQueriesContext: that keeps at most 9,000 queries (the naive baseline
runs more) and stores every statement's text, which would be timed too.
"""

import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection

from exoinventory.numbers.models import Account, ConnectivityRun, ExoPhone, ExoPhoneChange, SyncRun

REPEATS = 3
# A case is repeated only while its runs so far took less than this: a
# two-minute sync is measured once, and the run still ends within budget.
REPEAT_WITHIN_SECONDS = 10.0
# Children before parents, for the reader; TRUNCATE empties them together.
NUMBERS_TABLES = (ConnectivityRun, ExoPhoneChange, ExoPhone, SyncRun, Account)


@dataclass(frozen=True)
class Measurement:
    seconds: float  # the best run's wall time
    sql_seconds: float  # of which waiting for the database (inside execute)
    queries: int  # SQL statements of one run (the same in every run)
    runs: int


@dataclass(frozen=True)
class SummaryRow:
    benchmark: str
    measure: str
    value: str


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


def measure(
    action: Callable[[], object],
    *,
    repeats: int = REPEATS,
    before: Callable[[], object] | None = None,
) -> Measurement:
    """Run `action` up to `repeats` times (before() runs untimed ahead of each)
    and keep the best: noise only ever adds time. A run whose query count
    differs from the others did other work: that is an error."""
    best = math.inf
    best_sql = 0.0
    counts: set[int] = set()
    spent = 0.0
    runs = 0
    while runs < repeats and spent < REPEAT_WITHIN_SECONDS:
        if before is not None:
            before()
        with counting_queries() as counter:
            start = time.perf_counter()
            action()
            elapsed = time.perf_counter() - start
        runs += 1
        spent += elapsed
        counts.add(counter.count)
        if elapsed < best:
            best, best_sql = elapsed, counter.seconds
    if len(counts) != 1:
        raise RuntimeError(f"the runs sent different numbers of queries: {sorted(counts)}")
    return Measurement(seconds=best, sql_seconds=best_sql, queries=counts.pop(), runs=runs)


def numbers_tables_emptied() -> None:
    """Empty the numbers app's tables (circles and users stay)."""
    names = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in NUMBERS_TABLES)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY")


def seconds(value: float) -> str:
    return f"{value:.3f}"


def ratio(value: float) -> str:
    return f"{value:.2f}"


def percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %"


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
