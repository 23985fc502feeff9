"""Outage rules: what one number's spans over a window make. Pure: no
database (selectors.outages reads the spans and builds NumberOutages).

The rules (DESIGN.md "Sync semantics" 3 and 5; issue 9) on a number's spans
(a span: selectors.outage_spans):

- The window is [since, until), never past now.
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
- A number's *lane* per direction covers the whole window: its spans, and
  "no data" between them.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property

from exoinventory.numbers.models import ConnectivityStatus

ACTIVE = ConnectivityStatus.ACTIVE.value


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
