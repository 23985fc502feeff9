"""Outages: what each number's status was over a window, for support.

The rules (DESIGN.md "Sync semantics" 3 and 5; issue 9), one code path for
the report's page, its CSV and JSON, and one number's page:

- The window is [since, until), never past now.
- A run's status holds from its first observation until the next observation
  of that number and direction, but never longer than the account's
  `fresh_for` after its last observation (selectors.freshness: later, the
  number's status was already "no data"), never past now, and never past the
  number's release: that is the run's *span*. A run observed once therefore
  lasts until the next observation when that came within `fresh_for`.
  Whatever of the window no span covers is "no data", never assumed up or
  down. `fresh_for` is the account's as of now.
- An *incident* is a span whose status is not `active` (any word Exotel
  sends counts), together with the spans of the same status that follow it
  without a gap (a run ends when only the alternates changed). It is clipped
  to the window and says so; it is *ongoing* while its last run is current
  and still fresh at now (then it has no end); it is followed by active, no
  data, or another status. One made of a single observation says when that
  was (`seen_once_at`: "seen once at 14:05"), never "0 minutes".
- *Uptime* per number and direction = active seconds ÷ observed seconds in
  the window (observed = covered by a span), beside the observed share of
  the window; None when nothing was observed. Down seconds = observed −
  active. Per circle and direction they are sums over its numbers.
- *Down now*: the status now, by the freshness rule, is neither active nor
  unknown. Released numbers are never down now.

Spans are computed by the database from the runs that overlap the window
(`LEAD` over each number and direction, `fresh_for` per account by `CASE`),
in one query for any set of numbers: a page of the report, every number of
the export (read a chunk at a time), or one number. The numbers' order
(those with an incident first), the status filter and the uptime per circle
are SQL too, so no query count depends on how many numbers or runs exist.
"""

import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property, reduce
from itertools import groupby
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.expressions import RawSQL

from exoinventory.numbers.models import (
    Circle,
    ConnectivityRun,
    ConnectivityStatus,
    Direction,
    ExoPhone,
)
from exoinventory.numbers.selectors.admin import with_circle_name
from exoinventory.numbers.selectors.alternates import AlternateBook, alternate_book
from exoinventory.numbers.selectors.freshness import Freshness, with_status_since

ACTIVE = ConnectivityStatus.ACTIVE.value
DIRECTIONS = tuple(Direction.values)  # read once: an enum's values are built on each access
PAGE_SIZE = 50
DOWN_NOW_SHOWN = 50
ROWS_PER_FETCH = 2000

RUNS = ConnectivityRun._meta.db_table
PHONES = ExoPhone._meta.db_table
CIRCLES = Circle._meta.db_table

# SQL_NOTE: the SQL below is put together from this module's own text, table
# names and the ORM's compiled SQL (with its parameters kept apart); every
# value is a query parameter, never part of the text.
Sql = tuple[str, list[Any]]


@dataclass(frozen=True)
class OutageWindow:
    """[since, until), until never past now."""

    since: datetime
    until: datetime
    now: datetime

    @classmethod
    def ending(cls, *, since: datetime, until: datetime, now: datetime) -> "OutageWindow":
        return cls(since=since, until=min(until, now), now=now)

    @property
    def seconds(self) -> int:
        return int((self.until - self.since).total_seconds())


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


# --- Spans, incidents, uptime: pure, from the rows of one number


@dataclass(frozen=True)
class Span:
    """A run's status over its span (`start`, `end`: clipped to the window)."""

    status: str
    start: datetime
    end: datetime
    first_observed_at: datetime
    last_observed_at: datetime
    ends_at: datetime  # the span's own end, unclipped
    is_current: bool


@dataclass(frozen=True)
class LanePiece:
    """A stretch of a timeline lane: a span, or no data (status "")."""

    status: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Incident:
    direction: str
    status: str
    started_at: datetime  # clipped to the window
    ended_at: datetime | None  # clipped to the window; None while ongoing
    end: datetime  # where it stops in the window (now or until while ongoing)
    began_before_window: bool
    lasted_past_window: bool
    followed_by: str | None  # a status, "" for no data; None: ongoing or past the window
    seen_once_at: datetime | None  # its only observation, when it had one

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None

    @property
    def duration_seconds(self) -> int:
        return int((self.end - self.started_at).total_seconds())


def _floor_percent(part: int, whole: int) -> Decimal:
    """part ÷ whole in percent, two places, rounded down: 100 means all of it."""
    return Decimal(part * 10000 // whole) / 100


@dataclass(frozen=True)
class Uptime:
    observed_seconds: int
    active_seconds: int
    window_seconds: int

    @property
    def down_seconds(self) -> int:
        return self.observed_seconds - self.active_seconds

    @property
    def uptime_percent(self) -> Decimal | None:
        if not self.observed_seconds:
            return None
        return _floor_percent(self.active_seconds, self.observed_seconds)

    @property
    def observed_percent(self) -> Decimal:
        return _floor_percent(self.observed_seconds, self.window_seconds)

    def __add__(self, other: "Uptime") -> "Uptime":
        return Uptime(
            observed_seconds=self.observed_seconds + other.observed_seconds,
            active_seconds=self.active_seconds + other.active_seconds,
            window_seconds=self.window_seconds + other.window_seconds,
        )


def _seconds(spans: Iterable[Span]) -> int:
    return int(sum((span.end - span.start for span in spans), timedelta()).total_seconds())


def _chains(spans: list[Span]) -> Iterator[list[Span]]:
    """Spans of the same status that follow each other without a gap."""
    chain: list[Span] = []
    for span in spans:
        if chain and (
            span.status != chain[-1].status or span.first_observed_at != chain[-1].ends_at
        ):
            yield chain
            chain = []
        chain.append(span)
    if chain:
        yield chain


def incidents_of(spans: list[Span], *, direction: str, window: OutageWindow) -> list[Incident]:
    """The incidents of one direction's spans (in time order)."""
    chains = list(_chains(spans))
    incidents = []
    for index, chain in enumerate(chains):
        following = chains[index + 1] if index + 1 < len(chains) else None
        first, last = chain[0], chain[-1]
        if first.status == ACTIVE:
            continue
        ongoing = last.is_current and last.ends_at >= window.now
        past = last.ends_at > window.until
        if ongoing or past:
            followed_by = None
        elif following is not None and following[0].first_observed_at == last.ends_at:
            followed_by = following[0].status
        else:
            followed_by = ""
        once = len(chain) == 1 and first.first_observed_at == first.last_observed_at
        incidents.append(
            Incident(
                direction=direction,
                status=first.status,
                started_at=first.start,
                ended_at=None if ongoing else last.end,
                end=last.end,
                began_before_window=first.first_observed_at < window.since,
                lasted_past_window=past,
                followed_by=followed_by,
                seen_once_at=first.first_observed_at if once else None,
            )
        )
    return incidents


def lane_of(spans: list[Span], *, window: OutageWindow) -> list[LanePiece]:
    """The whole window, in order: the spans, and no data between them."""
    pieces, reached = [], window.since
    for span in spans:
        if span.start > reached:
            pieces.append(LanePiece("", reached, span.start))
        pieces.append(LanePiece(span.status, span.start, span.end))
        reached = span.end
    if reached < window.until:
        pieces.append(LanePiece("", reached, window.until))
    return pieces


@dataclass(frozen=True)
class NumberOutages:
    """One number over the window: its spans per direction, and what they make."""

    pk: int
    account_sid: str
    sid: str
    phone_number: str
    friendly_name: str
    region: str
    circle_name: str | None
    status_now: dict[str, str | None]  # Exotel's word; None: no data or released
    last_observed_at: datetime | None
    released_at: datetime | None
    window: OutageWindow
    spans: dict[str, list[Span]]  # per direction shown

    @cached_property
    def incidents(self) -> list[Incident]:
        return [
            incident
            for direction, spans in self.spans.items()
            for incident in incidents_of(spans, direction=direction, window=self.window)
        ]

    @cached_property
    def uptime(self) -> dict[str, Uptime]:
        return {
            direction: Uptime(
                observed_seconds=_seconds(spans),
                active_seconds=_seconds(span for span in spans if span.status == ACTIVE),
                window_seconds=self.window.seconds,
            )
            for direction, spans in self.spans.items()
        }

    @cached_property
    def lanes(self) -> dict[str, list[LanePiece]]:
        return {
            direction: lane_of(spans, window=self.window) for direction, spans in self.spans.items()
        }


# --- SQL


def _fresh_for_sql(freshness: Freshness) -> Sql:
    """Each account's fresh_for, for the run's number `e`."""
    default = freshness.cadence(None).fresh_for
    if not freshness.cadences:
        return "%s", [default]
    whens = " ".join("WHEN %s THEN %s" for _ in freshness.cadences)
    params = [
        value for pk, cadence in freshness.cadences.items() for value in (pk, cadence.fresh_for)
    ]
    return f"CASE e.account_id {whens} ELSE %s END", [*params, default]


def _spans_sql(
    *, window: OutageWindow, freshness: Freshness, directions: list[str], of_numbers: str = ""
) -> Sql:
    """The spans that overlap the window, of the numbers whose ids the SQL
    `of_numbers` selects (all numbers without it): each run with `ends_at`,
    its span's end, and `starts`/`ends`, its span clipped to the window.

    A run ends its span by `fresh_for` at the latest, so older runs cannot
    reach the window; the next run of one that does is in the same set, or
    starts after the window, where it no longer matters.
    """
    fresh_for, fresh_params = _fresh_for_sql(freshness)
    longest = max(
        [freshness.cadence(None).fresh_for, *(c.fresh_for for c in freshness.cadences.values())]
    )
    numbers = f"r.exophone_id IN ({of_numbers}) AND" if of_numbers else ""
    sql = f"""
        SELECT s.*, GREATEST(s.first_observed_at, %s) AS starts, LEAST(s.ends_at, %s) AS ends
        FROM (
            SELECT r.exophone_id, r.direction, r.status, r.is_current,
                   r.first_observed_at, r.last_observed_at,
                   LEAST(
                       LEAD(r.first_observed_at) OVER (
                           PARTITION BY r.exophone_id, r.direction ORDER BY r.first_observed_at
                       ),
                       r.last_observed_at + {fresh_for},
                       %s,
                       e.released_at
                   ) AS ends_at
            FROM {RUNS} r JOIN {PHONES} e ON e.id = r.exophone_id
            WHERE {numbers} r.direction = ANY(%s)
              AND r.last_observed_at > %s AND r.first_observed_at < %s
        ) s
        WHERE s.ends_at > %s
    """  # noqa: S608 - see SQL_NOTE
    params = [
        window.since,
        window.until,
        *fresh_params,
        window.now,
        directions,
        window.since - longest,
        window.until,
        window.since,
    ]
    return sql, params


def _numbers_with_incident(
    *, window: OutageWindow, freshness: Freshness, directions: list[str], status: str | None
) -> RawSQL:
    """Ids of the numbers with an incident (of `status`) in the window."""
    spans, params = _spans_sql(window=window, freshness=freshness, directions=directions)
    sql = f"SELECT spans.exophone_id FROM ({spans}) spans WHERE spans.status <> %s"  # noqa: S608
    params.append(ACTIVE)
    if status is not None:
        sql += " AND spans.status = %s"
        params.append(status)
    return RawSQL(sql, params)  # noqa: S611 - see SQL_NOTE


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
        with_status = _numbers_with_incident(
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


def _fetched(sql: str, params: list[Any]) -> Iterator[_Row]:
    """The rows a chunk at a time (a server-side cursor where the database has one)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(ROWS_PER_FETCH):
            yield from (_Row._make(row) for row in rows)


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
    spans, span_params = _spans_sql(
        window=window,
        freshness=freshness,
        directions=directions,
        of_numbers="SELECT id FROM chosen" if few else "",
    )
    columns = ", ".join(
        [*(f"c.{name}" for name in _NUMBER_COLUMNS), *(f"s.{name}" for name in _SPAN_COLUMNS)]
    )
    sql = f"""
        WITH chosen AS ({chosen})
        SELECT {columns}
        FROM chosen c LEFT JOIN ({spans}) s ON s.exophone_id = c.id
        ORDER BY c.phone_number, c.id, s.direction, s.first_observed_at
    """  # noqa: S608 - see SQL_NOTE
    rows = _fetched(sql, [*params, *span_params])
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
                    is_current=row.is_current,
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
    with_incident = _numbers_with_incident(
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
        with_incident = _numbers_with_incident(
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
    spans, span_params = _spans_sql(
        window=window, freshness=freshness, directions=filters.directions
    )
    sql = f"""
        WITH chosen AS ({chosen})
        SELECT per_circle.region, circle.name, per_circle.direction, per_circle.numbers,
               per_circle.observed, per_circle.active
        FROM (
            SELECT c.region, d.direction, COUNT(*) AS numbers,
                   COALESCE(SUM(x.observed), 0) AS observed, COALESCE(SUM(x.active), 0) AS active
            FROM chosen c
            CROSS JOIN UNNEST(%s::text[]) AS d(direction)
            LEFT JOIN (
                SELECT spans.exophone_id, spans.direction,
                       SUM(EXTRACT(EPOCH FROM spans.ends - spans.starts)) AS observed,
                       SUM(EXTRACT(EPOCH FROM spans.ends - spans.starts))
                           FILTER (WHERE spans.status = %s) AS active
                FROM ({spans}) spans
                GROUP BY spans.exophone_id, spans.direction
            ) x ON x.exophone_id = c.id AND x.direction = d.direction
            GROUP BY c.region, d.direction
        ) per_circle
        LEFT JOIN {CIRCLES} circle ON circle.code = per_circle.region
        ORDER BY per_circle.region, per_circle.direction
    """  # noqa: S608 - see SQL_NOTE
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, filters.directions, ACTIVE, *span_params])
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
