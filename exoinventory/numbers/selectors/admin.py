"""Reads behind the ExoPhone admin pages. Each runs a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from exoinventory.numbers.models import Circle, Direction, ExoPhone, ExoPhoneChange
from exoinventory.numbers.selectors.alternates import Alternate, AlternateBook, alternate_book
from exoinventory.numbers.selectors.freshness import Freshness

# The change page shows the latest of these; the full lists are in their own admin.
CHANGES_SHOWN = 100
RUNS_SHOWN_PER_DIRECTION = 50
# The number page's timeline covers this many days back from now.
TIMELINE_DAYS = 30


def with_circle_name(queryset: QuerySet[ExoPhone]) -> QuerySet[ExoPhone]:
    """Annotate `circle_name` (None for a code not in the Circle table) in the
    same query, rather than one lookup per row."""
    name = Circle.objects.filter(code=OuterRef("region")).values("name")[:1]
    return queryset.annotate(circle_name=Subquery(name))


def exophone_changes(*, exophone: ExoPhone, limit: int = CHANGES_SHOWN) -> list[ExoPhoneChange]:
    """The number's latest changes, the sync's and local edits, newest first."""
    return list(exophone.changes.order_by("-observed_at", "-id")[:limit])


@dataclass(frozen=True)
class TimelineRow:
    """A run of identical observations, or a stretch with none ("no data")."""

    status: str  # Exotel's word; "" for no data
    start: datetime
    end: datetime
    alternates: Any = None
    current: bool = False

    @property
    def no_data(self) -> bool:
        return not self.status

    @property
    def seen_once(self) -> bool:
        """A run of one observation: it has no length of its own."""
        return not self.no_data and self.start == self.end


def exophone_timeline(
    *,
    exophone: ExoPhone,
    now: datetime,
    fresh_for: timedelta,
    since: datetime | None = None,
    limit: int = RUNS_SHOWN_PER_DIRECTION,
) -> dict[Direction, list[TimelineRow]]:
    """Per direction, newest first: the latest connectivity runs observed
    since `since`, with a "no data" row wherever no observation was made for
    longer than `fresh_for` (the account's freshness window,
    selectors.freshness: such a stretch is never assumed up or down)."""
    longest_silence = fresh_for
    timeline: dict[Direction, list[TimelineRow]] = {}
    for direction in Direction:
        runs = exophone.connectivity_runs.filter(direction=direction)
        if since is not None:
            runs = runs.filter(last_observed_at__gte=since)
        runs = runs.order_by("-first_observed_at")[:limit]
        rows: list[TimelineRow] = []
        later = now
        for run in runs:
            if later - run.last_observed_at > longest_silence:
                rows.append(TimelineRow(status="", start=run.last_observed_at, end=later))
            rows.append(
                TimelineRow(
                    status=run.status,
                    start=run.first_observed_at,
                    end=run.last_observed_at,
                    alternates=run.alternates,
                    current=run.is_current,
                )
            )
            later = run.first_observed_at
        timeline[direction] = rows
    return timeline


@dataclass(frozen=True)
class NumberPage:
    """What a number's page shows above its form. `timeline` and `changes`
    are None when the page leaves them out (the user may not read them)."""

    exophone: ExoPhone
    freshness: Freshness
    # The alternates of the number and of its timeline, as our own numbers.
    book: AlternateBook
    timeline: dict[Direction, list[TimelineRow]] | None
    changes: list[ExoPhoneChange] | None

    @property
    def fresh_for(self) -> timedelta:
        return self.freshness.cadence(self.exophone.account_id).fresh_for

    def alternates_now(self, direction: str) -> list[Alternate]:
        """What Exotel offers instead of the number in `direction`, while its
        status there is fresh; each with its own status now."""
        if not self.freshness.status_now(self.exophone, direction):
            return []
        return self.book.of(getattr(self.exophone, f"{direction}_alternates"), direction)


def exophone_page(
    *, exophone: ExoPhone, now: datetime, with_timeline: bool, with_changes: bool
) -> NumberPage:
    """The number page's reads, the same few queries however many numbers,
    runs and changes there are: the freshness windows, the timeline of the
    last TIMELINE_DAYS (one query per direction), the latest changes, and
    every alternate named on the page among our numbers (one query)."""
    freshness = Freshness.at(now)
    fresh_for = freshness.cadence(exophone.account_id).fresh_for
    timeline = (
        exophone_timeline(
            exophone=exophone,
            now=now,
            fresh_for=fresh_for,
            since=now - timedelta(days=TIMELINE_DAYS),
        )
        if with_timeline
        else None
    )
    alternate_lists = [getattr(exophone, f"{direction}_alternates") for direction in Direction]
    if timeline is not None:
        alternate_lists += [row.alternates for rows in timeline.values() for row in rows]
    return NumberPage(
        exophone=exophone,
        freshness=freshness,
        book=alternate_book(alternate_lists, freshness=freshness),
        timeline=timeline,
        changes=exophone_changes(exophone=exophone) if with_changes else None,
    )
