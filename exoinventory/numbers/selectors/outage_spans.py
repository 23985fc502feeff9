"""Outage spans in SQL, for selectors.outages' queries.

A run's status holds from its first observation until the next observation
of that number and direction, but never longer than the account's
`fresh_for` after its last observation (selectors.freshness: later, the
number's status was already "no data"), never past now, and never past the
number's release: that is the run's *span* (DESIGN.md "Sync semantics" 3
and 5; issue 9). A run observed once therefore lasts until the next
observation when that came within `fresh_for`. Whatever of the window no
span covers is "no data", never assumed up or down. `fresh_for` is the
account's as of now.

Spans are computed by the database from the runs that overlap the window
(`LEAD` over each number and direction, `fresh_for` per account by `CASE`).
The same SQL runs on PostgreSQL and on SQLite (make run): the time
arithmetic, where they differ, is written by the database's Dialect.
"""

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from django.db import connection
from django.db.models.expressions import RawSQL

from exoinventory.numbers.models import ConnectivityRun, ExoPhone
from exoinventory.numbers.selectors.freshness import Freshness
from exoinventory.numbers.selectors.outage_rules import ACTIVE, OutageWindow

RUNS = ConnectivityRun._meta.db_table
PHONES = ExoPhone._meta.db_table

# SQL_NOTE: the SQL here and in selectors.outages is put together from the
# modules' own text, table names and the ORM's compiled SQL (with its
# parameters kept apart); every value is a query parameter, never part of
# the text.
Sql = tuple[str, list[Any]]
Row = TypeVar("Row", bound=NamedTuple)


class Dialect:
    """The spans' time arithmetic in PostgreSQL's SQL: timestamps and
    intervals as they are, `+` and `-` between them, LEAST and GREATEST
    ignoring NULLs. SqliteDialect says the same for SQLite."""

    def time(self, column: str) -> str:
        """A stored datetime column as a time to compute with."""
        return column

    def moment(self, value: datetime) -> Any:
        """A datetime parameter to compare with or to compute times."""
        return value

    def duration(self, value: timedelta) -> Any:
        """A timedelta parameter to add to a time."""
        return value

    def least(self, *times: str) -> str:
        """The earliest of the times that are not NULL (NULL if none is)."""
        return f"LEAST({', '.join(times)})"

    def greatest(self, *times: str) -> str:
        """The latest of the times that are not NULL (NULL if none is)."""
        return f"GREATEST({', '.join(times)})"

    def seconds(self, duration: str) -> str:
        """A duration (a time minus a time, or a sum of them) in seconds,
        maybe with a fraction: the reader takes the whole seconds (int())."""
        return f"EXTRACT(EPOCH FROM {duration})"

    def datetimes(self, row: Row, names: tuple[str, ...]) -> Row:
        """The row a query read, its times `names` as aware datetimes."""
        return row


class SqliteDialect(Dialect):
    """SQLite (make run) stores a datetime as Django's text, naive UTC
    'YYYY-MM-DD HH:MM:SS[.ffffff]', and has no time arithmetic to the
    microsecond, and its MIN/MAX of several values are NULL when one is.
    Here a time is an integer of microseconds since the epoch and a duration
    one of microseconds: exact, so comparisons and ties are PostgreSQL's."""

    _EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
    _MICROSECOND = timedelta(microseconds=1)
    # Beyond any time stored: stands for NULL inside MIN and MAX.
    _BEYOND = 2**62

    def time(self, column: str) -> str:
        # Whole seconds from the first 19 characters (strftime would round
        # the fraction to milliseconds), then the six digits of the fraction
        # (none: 0). `%%` is `%` once Django has put the parameters in.
        return (
            f"(CAST(strftime('%%s', substr({column}, 1, 19)) AS INTEGER) * 1000000"
            f" + CAST(substr({column}, 21) AS INTEGER))"
        )

    def moment(self, value: datetime) -> int:
        return (value - self._EPOCH) // self._MICROSECOND

    def duration(self, value: timedelta) -> int:
        return value // self._MICROSECOND

    def _ignoring_nulls(self, function: str, times: tuple[str, ...], stand_in: int) -> str:
        present = ", ".join(f"COALESCE({time}, {stand_in})" for time in times)
        return f"NULLIF({function}({present}), {stand_in})"

    def least(self, *times: str) -> str:
        return self._ignoring_nulls("MIN", times, self._BEYOND)

    def greatest(self, *times: str) -> str:
        return self._ignoring_nulls("MAX", times, -self._BEYOND)

    def seconds(self, duration: str) -> str:
        return f"({duration}) / 1000000"

    def datetimes(self, row: Row, names: tuple[str, ...]) -> Row:
        return row._replace(**{name: self._datetime(getattr(row, name)) for name in names})

    def _datetime(self, microseconds: int | None) -> datetime | None:
        return None if microseconds is None else self._EPOCH + microseconds * self._MICROSECOND


def dialect() -> Dialect:
    """The database's dialect."""
    return SqliteDialect() if connection.vendor == "sqlite" else Dialect()


def _fresh_for_sql(freshness: Freshness, sql_of: Dialect) -> Sql:
    """Each account's fresh_for, for the run's number `e`."""
    default = sql_of.duration(freshness.cadence(None).fresh_for)
    if not freshness.cadences:
        return "%s", [default]
    whens = " ".join("WHEN %s THEN %s" for _ in freshness.cadences)
    params = [
        value
        for pk, cadence in freshness.cadences.items()
        for value in (pk, sql_of.duration(cadence.fresh_for))
    ]
    return f"CASE e.account_id {whens} ELSE %s END", [*params, default]


def spans_sql(
    *, window: OutageWindow, freshness: Freshness, directions: list[str], of_numbers: str = ""
) -> Sql:
    """The spans that overlap the window, of the numbers whose ids the SQL
    `of_numbers` selects (all numbers without it): each run with `ends_at`,
    its span's end, and `starts`/`ends`, its span clipped to the window;
    their times, and `first_observed_at` and `last_observed_at`, as the
    dialect computes with them.

    A run ends its span by `fresh_for` at the latest, so older runs cannot
    reach the window; the next run of one that does is in the same set, or
    starts after the window, where it no longer matters.
    """
    sql_of = dialect()
    stored = connection.ops.adapt_datetimefield_value  # compared with the columns as stored
    fresh_for, fresh_params = _fresh_for_sql(freshness, sql_of)
    longest = max(
        [freshness.cadence(None).fresh_for, *(c.fresh_for for c in freshness.cadences.values())]
    )
    numbers = f"r.exophone_id IN ({of_numbers}) AND" if of_numbers else ""
    first, last = sql_of.time("r.first_observed_at"), sql_of.time("r.last_observed_at")
    ends_at = sql_of.least(
        f"LEAD({first}) OVER ("
        "PARTITION BY r.exophone_id, r.direction ORDER BY r.first_observed_at)",
        f"{last} + {fresh_for}",
        "%s",
        sql_of.time("e.released_at"),
    )
    sql = f"""
        SELECT s.*, {sql_of.greatest("s.first_observed_at", "%s")} AS starts,
               {sql_of.least("s.ends_at", "%s")} AS ends
        FROM (
            SELECT r.exophone_id, r.direction, r.status, r.is_current,
                   {first} AS first_observed_at, {last} AS last_observed_at,
                   {ends_at} AS ends_at
            FROM {RUNS} r JOIN {PHONES} e ON e.id = r.exophone_id
            WHERE {numbers} r.direction IN ({", ".join("%s" for _ in directions)})
              AND r.last_observed_at > %s AND r.first_observed_at < %s
        ) s
        WHERE s.ends_at > %s
    """  # noqa: S608 - see SQL_NOTE
    params = [
        sql_of.moment(window.since),
        sql_of.moment(window.until),
        *fresh_params,
        sql_of.moment(window.now),
        *directions,
        stored(window.since - longest),
        stored(window.until),
        sql_of.moment(window.since),
    ]
    return sql, params


def numbers_with_incident(
    *, window: OutageWindow, freshness: Freshness, directions: list[str], status: str | None
) -> RawSQL:
    """Ids of the numbers with an incident (of `status`) in the window."""
    spans, params = spans_sql(window=window, freshness=freshness, directions=directions)
    sql = f"SELECT spans.exophone_id FROM ({spans}) spans WHERE spans.status <> %s"  # noqa: S608
    params.append(ACTIVE)
    if status is not None:
        sql += " AND spans.status = %s"
        params.append(status)
    return RawSQL(sql, params)  # noqa: S611 - see SQL_NOTE
