"""The number's page as support reads it: the summary of its status now,
its connectivity timeline and its change history, shown above the form
(templates/admin/numbers/exophone/change_form.html). The reads are
selectors.admin.exophone_page."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from exoinventory.numbers.admin.display import (
    HistoryRow,
    circle_label,
    duration_text,
    local_time_text,
    money,
    status_now_badge,
)
from exoinventory.numbers.models import Direction
from exoinventory.numbers.selectors.admin import (
    CHANGES_SHOWN,
    TIMELINE_DAYS,
    NumberPage,
    TimelineRow,
)
from exoinventory.numbers.selectors.alternates import Alternate


@dataclass(frozen=True)
class StatusLine:
    """A direction's status in the number page's summary."""

    direction: Direction
    badge: SafeString  # with since when, or what was last seen
    lasted: str  # "for 3 h 12 min" while fresh
    alternates: list[Alternate]


@dataclass(frozen=True)
class TimelineLine:
    """A timeline row as the number page shows it."""

    row: TimelineRow
    lasted: str  # "3 h 12 min", or "seen once at 14:05"
    alternates: list[Alternate]


def _lasted(row: TimelineRow) -> str:
    if row.seen_once:
        return f"seen once at {timezone.localtime(row.start):%H:%M}"
    return duration_text(row.end - row.start)


def number_page_context(page: NumberPage, *, now: datetime) -> dict[str, Any]:
    """The number page's summary, timeline and history, ready to show."""
    phone = page.exophone
    observed = phone.connectivity_observed_at
    statuses = []
    for direction in Direction:
        since = getattr(phone, f"{direction}_since", None)
        fresh = bool(getattr(phone, f"{direction}_now"))
        statuses.append(
            StatusLine(
                direction=direction,
                badge=status_now_badge(phone, direction, now=now),
                lasted=f"for {duration_text(now - since)}" if fresh and since else "",
                alternates=page.alternates_now(direction),
            )
        )
    timeline = page.timeline
    return {
        "statuses": statuses,
        "circle": circle_label(phone.region, getattr(phone, "circle_name", None)),
        "rental": money(phone.rental_price, phone.currency),
        "checked": f"{timesince(observed, now, depth=1)} ago" if observed else "",
        "checked_at": local_time_text(observed) if observed else "",
        # "10 minutes": the window the timeline's help text names.
        "fresh_for": timesince(now - page.fresh_for, now),
        "timeline": None
        if timeline is None
        else {
            direction: [
                TimelineLine(
                    row=row, lasted=_lasted(row), alternates=page.book.of(row.alternates, direction)
                )
                for row in rows
            ]
            for direction, rows in timeline.items()
        },
        "timeline_days": TIMELINE_DAYS,
        "changes": None
        if page.changes is None
        else [HistoryRow.of(change, currency=phone.currency) for change in page.changes],
        "changes_shown": CHANGES_SHOWN,
    }
