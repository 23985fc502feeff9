"""Reads behind the ExoPhone admin pages. Each runs a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from exoinventory.numbers.models import Circle, Direction, ExoPhone, ExoPhoneChange

# The change page shows the latest of these; the full lists are in their own admin.
CHANGES_SHOWN = 100
RUNS_SHOWN_PER_DIRECTION = 50


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


def exophone_timeline(
    *,
    exophone: ExoPhone,
    now: datetime,
    fresh_for: timedelta,
    limit: int = RUNS_SHOWN_PER_DIRECTION,
) -> dict[Direction, list[TimelineRow]]:
    """Per direction, newest first: the latest connectivity runs, with a "no
    data" row wherever no observation was made for longer than `fresh_for`
    (the account's freshness window, selectors.freshness: such a stretch is
    never assumed up or down)."""
    longest_silence = fresh_for
    timeline: dict[Direction, list[TimelineRow]] = {}
    for direction in Direction:
        runs = exophone.connectivity_runs.filter(direction=direction).order_by(
            "-first_observed_at"
        )[:limit]
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
