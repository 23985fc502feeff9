"""Outages: what each number's status was over a window, for support: the
reads. One code path for the report's page, its CSV and JSON, and one
number's page (DESIGN.md "Sync semantics" 3 and 5; issue 9). A run's *span*
is selectors.outage_spans'; what spans make (incidents, uptime, lanes),
selectors.outage_rules'.

*Down now*: the status now, by the freshness rule, is neither active nor
unknown. Released numbers are never down now.

Spans are read in one query for any set of numbers: a page of the report,
every number of the export (read a chunk at a time), or one number. The
numbers' order (those with an incident first), the status filter and the
uptime per circle are SQL too, so no query count depends on how many
numbers or runs exist.
"""

import operator
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from itertools import groupby
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet

from exoinventory.numbers.models import Circle, Direction, ExoPhone
from exoinventory.numbers.selectors.admin import with_circle_name
from exoinventory.numbers.selectors.alternates import AlternateBook, alternate_book
from exoinventory.numbers.selectors.freshness import Freshness, with_status_since
from exoinventory.numbers.selectors.outage_rules import (
    ACTIVE,
    NumberOutages,
    OutageWindow,
    Span,
    Uptime,
)
from exoinventory.numbers.selectors.outage_spans import (
    Dialect,
    Sql,
    dialect,
    numbers_with_incident,
    spans_sql,
)

DIRECTIONS = tuple(Direction.values)  # read once: an enum's values are built on each access
PAGE_SIZE = 50
DOWN_NOW_SHOWN = 50
ROWS_PER_FETCH = 2000

CIRCLES = Circle._meta.db_table


@dataclass(frozen=True)
class OutageFilters:
    account_sid: str | None = None
    region: str | None = None  # circle code
    direction: str | None = None  # None: both
    status: str | None = None  # numbers with an incident of this status in the window
    down_now: bool = False

    @property
    def directions(self) -> list[str]:
        return [self.direction] if self.direction else list(DIRECTIONS)


# --- SQL


def _down_now_q(freshness: Freshness, directions: list[str]) -> Q:
    """Fresh (so not released), and neither active nor never observed."""
    down = (~Q(**{f"{direction}_status__in": [ACTIVE, ""]}) for direction in directions)
    return freshness.fresh_q() & reduce(operator.or_, down)


def _numbers(
    *, filters: OutageFilters, window: OutageWindow, freshness: Freshness
) -> QuerySet[ExoPhone]:
    """The numbers the report is about: known before the window's end and not
    released before its start, narrowed by the filters."""
    numbers = ExoPhone.objects.filter(
        Q(released_at__isnull=True) | Q(released_at__gt=window.since),
        first_seen__lt=window.until,
    )
    if filters.account_sid is not None:
        numbers = numbers.filter(account__sid=filters.account_sid)
    if filters.region is not None:
        numbers = numbers.filter(region=filters.region)
    if filters.status is not None:
        with_status = numbers_with_incident(
            window=window,
            freshness=freshness,
            directions=filters.directions,
            status=filters.status,
        )
        numbers = numbers.filter(pk__in=with_status)
    if filters.down_now:
        numbers = numbers.filter(_down_now_q(freshness, filters.directions))
    return numbers


class _Row(NamedTuple):
    """A number and one of its spans (all None when it has none)."""

    id: int
    account_sid: str
    sid: str
    phone_number: str
    friendly_name: str
    region: str
    circle_name: str | None
    incoming_now: str
    outgoing_now: str
    connectivity_observed_at: datetime | None
    released_at: datetime | None
    direction: str | None
    status: str | None
    is_current: bool | None
    first_observed_at: datetime | None
    last_observed_at: datetime | None
    ends_at: datetime | None
    starts: datetime | None
    ends: datetime | None


_NUMBER_COLUMNS = _Row._fields[:11]
_SPAN_COLUMNS = _Row._fields[11:]
_NUMBER_TIMES = ("connectivity_observed_at", "released_at")
_TIMES = (*_NUMBER_TIMES, "first_observed_at", "last_observed_at", "ends_at", "starts", "ends")


def _number_values(numbers: QuerySet[ExoPhone], freshness: Freshness) -> QuerySet:
    """The numbers' columns of _Row, their status now by the freshness rule."""
    annotated = freshness.annotate(numbers.annotate(account_sid=F("account__sid")))
    return with_circle_name(annotated).values(*_NUMBER_COLUMNS)


def _sql_of(numbers: QuerySet) -> Sql | None:
    """The SQL of a queryset to use inside another query; None when Django
    knows it selects nothing (an empty page, an empty filter) and would run
    no query at all."""
    try:
        sql, params = numbers.query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, list(params)


def _fetched(sql: str, params: list[Any], sql_of: Dialect) -> Iterator[_Row]:
    """The rows a chunk at a time (a server-side cursor where the database
    has one), their times as datetimes."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(ROWS_PER_FETCH):
            yield from (sql_of.datetimes(_Row._make(row), _TIMES) for row in rows)


def _outages(
    numbers: QuerySet,
    *,
    window: OutageWindow,
    freshness: Freshness,
    directions: list[str],
    few: bool,
) -> Iterator[NumberOutages]:
    """NumberOutages of `numbers` (_number_values, maybe a slice), by phone
    number: one query, however many numbers. With `few` (a page, one
    number), their runs are looked up number by number in the index; else
    the runs of the window are read once and joined."""
    numbers_sql = _sql_of(numbers)
    if numbers_sql is None:
        return
    chosen, params = numbers_sql
    sql_of = dialect()
    spans, span_params = spans_sql(
        window=window,
        freshness=freshness,
        directions=directions,
        of_numbers="SELECT id FROM chosen" if few else "",
    )
    numbers_columns = (
        sql_of.time(f"c.{name}") if name in _NUMBER_TIMES else f"c.{name}"
        for name in _NUMBER_COLUMNS
    )
    columns = ", ".join([*numbers_columns, *(f"s.{name}" for name in _SPAN_COLUMNS)])
    sql = f"""
        WITH chosen AS ({chosen})
        SELECT {columns}
        FROM chosen c LEFT JOIN ({spans}) s ON s.exophone_id = c.id
        ORDER BY c.phone_number, c.id, s.direction, s.first_observed_at
    """  # noqa: S608 - see outage_spans.SQL_NOTE
    rows = _fetched(sql, [*params, *span_params], sql_of)
    for _, number_rows in groupby(rows, key=operator.attrgetter("id")):
        yield _number_outages(list(number_rows), window=window, directions=directions)


def _number_outages(
    rows: list[_Row], *, window: OutageWindow, directions: list[str]
) -> NumberOutages:
    spans: dict[str, list[Span]] = {direction: [] for direction in directions}
    for row in rows:
        if row.direction is not None:
            spans[row.direction].append(
                Span(
                    status=row.status,
                    start=row.starts,
                    end=row.ends,
                    first_observed_at=row.first_observed_at,
                    last_observed_at=row.last_observed_at,
                    ends_at=row.ends_at,
                    is_current=bool(row.is_current),  # SQLite: 0 or 1
                )
            )
    number = rows[0]
    return NumberOutages(
        pk=number.id,
        account_sid=number.account_sid,
        sid=number.sid,
        phone_number=number.phone_number,
        friendly_name=number.friendly_name,
        region=number.region,
        circle_name=number.circle_name,
        status_now={
            direction: getattr(number, f"{direction}_now") or None for direction in DIRECTIONS
        },
        last_observed_at=number.connectivity_observed_at,
        released_at=number.released_at,
        window=window,
        spans=spans,
    )


# --- What the pages ask


def outage_page(
    *, filters: OutageFilters, window: OutageWindow, freshness: Freshness, page: int
) -> Page:
    """A page of PAGE_SIZE NumberOutages (the last one when `page` is past
    it): the numbers with an incident in the window first, then by phone
    number. Two queries."""
    with_incident = numbers_with_incident(
        window=window, freshness=freshness, directions=filters.directions, status=None
    )
    numbers = _numbers(filters=filters, window=window, freshness=freshness).annotate(
        has_incident=ExpressionWrapper(Q(pk__in=with_incident), output_field=BooleanField())
    )
    values = _number_values(numbers, freshness).order_by("-has_incident", "phone_number", "id")
    current = Paginator(values, PAGE_SIZE).get_page(page)
    shown = _outages(
        current.object_list,
        window=window,
        freshness=freshness,
        directions=filters.directions,
        few=True,
    )
    current.object_list = sorted(
        shown, key=lambda number: (not number.incidents, number.phone_number, number.pk)
    )
    return current


def outage_rows(
    *,
    filters: OutageFilters,
    window: OutageWindow,
    freshness: Freshness,
    with_incident_only: bool = False,
) -> Iterator[NumberOutages]:
    """Every number of the report (or only those with an incident in the
    window), by phone number, read a chunk at a time: one query."""
    numbers = _numbers(filters=filters, window=window, freshness=freshness)
    if with_incident_only:
        with_incident = numbers_with_incident(
            window=window, freshness=freshness, directions=filters.directions, status=None
        )
        numbers = numbers.filter(pk__in=with_incident)
    return _outages(
        _number_values(numbers, freshness).order_by(),
        window=window,
        freshness=freshness,
        directions=filters.directions,
        few=False,
    )


def number_outages(
    *, exophone: ExoPhone, since: datetime, until: datetime, now: datetime
) -> NumberOutages:
    """One number's lanes, incidents and uptime in both directions, by the
    report's rules (for the number's page). Two queries."""
    window = OutageWindow.ending(since=since, until=until, now=now)
    freshness = Freshness.at(now)
    numbers = _number_values(ExoPhone.objects.filter(pk=exophone.pk), freshness)
    return next(
        _outages(
            numbers,
            window=window,
            freshness=freshness,
            directions=list(DIRECTIONS),
            few=True,
        )
    )


@dataclass(frozen=True)
class CircleUptime:
    region: str
    circle_name: str | None
    direction: str
    numbers: int
    uptime: Uptime


def circle_uptimes(
    *, filters: OutageFilters, window: OutageWindow, freshness: Freshness
) -> list[CircleUptime]:
    """Uptime per circle and direction over the report's numbers, summed by
    the database: one query."""
    numbers = _numbers(filters=filters, window=window, freshness=freshness)
    numbers_sql = _sql_of(numbers.order_by().values("id", "region"))
    if numbers_sql is None:
        return []
    chosen, params = numbers_sql
    sql_of = dialect()
    spans, span_params = spans_sql(
        window=window, freshness=freshness, directions=filters.directions
    )
    directions = " UNION ALL ".join("SELECT %s AS direction" for _ in filters.directions)
    # Durations are summed as the dialect's and made seconds once, at the end.
    sql = f"""
        WITH chosen AS ({chosen})
        SELECT per_circle.region, circle.name, per_circle.direction, per_circle.numbers,
               COALESCE({sql_of.seconds("per_circle.observed")}, 0),
               COALESCE({sql_of.seconds("per_circle.active")}, 0)
        FROM (
            SELECT c.region, d.direction, COUNT(*) AS numbers,
                   SUM(x.observed) AS observed, SUM(x.active) AS active
            FROM chosen c
            CROSS JOIN ({directions}) d
            LEFT JOIN (
                SELECT spans.exophone_id, spans.direction,
                       SUM(spans.ends - spans.starts) AS observed,
                       SUM(spans.ends - spans.starts) FILTER (WHERE spans.status = %s) AS active
                FROM ({spans}) spans
                GROUP BY spans.exophone_id, spans.direction
            ) x ON x.exophone_id = c.id AND x.direction = d.direction
            GROUP BY c.region, d.direction
        ) per_circle
        LEFT JOIN {CIRCLES} circle ON circle.code = per_circle.region
        ORDER BY per_circle.region, per_circle.direction
    """  # noqa: S608 - see outage_spans.SQL_NOTE
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *filters.directions, ACTIVE, *span_params])
        rows = cursor.fetchall()
    return [
        CircleUptime(
            region=region,
            circle_name=name,
            direction=direction,
            numbers=count,
            uptime=Uptime(
                observed_seconds=int(observed),
                active_seconds=int(active),
                window_seconds=count * window.seconds,
            ),
        )
        for region, name, direction, count, observed, active in rows
    ]


@dataclass(frozen=True)
class DownNow:
    """The report's numbers down now: how many, the first DOWN_NOW_SHOWN
    (annotated `<direction>_now`, `<direction>_since`, `circle_name`,
    `account_sid`), and their alternates as our own numbers."""

    count: int
    numbers: list[ExoPhone]
    alternates: AlternateBook


def numbers_down_now(
    *, filters: OutageFilters, window: OutageWindow, freshness: Freshness
) -> DownNow:
    """Three queries: the count, the numbers, their alternates."""
    down = _numbers(filters=filters, window=window, freshness=freshness).filter(
        _down_now_q(freshness, filters.directions)
    )
    shown = with_status_since(with_circle_name(freshness.annotate(down))).annotate(
        account_sid=F("account__sid")
    )
    numbers = list(shown.order_by("phone_number", "id")[:DOWN_NOW_SHOWN])
    book = alternate_book(
        (getattr(number, f"{d}_alternates") for number in numbers for d in filters.directions),
        freshness=freshness,
    )
    return DownNow(count=down.count(), numbers=numbers, alternates=book)
