"""The number's page as support reads it: the summary of its status now,
its connectivity timeline and its change history, shown above the form
(templates/admin/numbers/exophone/change_form.html). The reads are
selectors.admin.exophone_page."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
from exoinventory.numbers.reports.outage_display import shown_incident, uptime_text
from exoinventory.numbers.reports.timeline import timeline
from exoinventory.numbers.selectors.admin import CHANGES_SHOWN, NumberPage
from exoinventory.numbers.selectors.alternates import Alternate
from exoinventory.numbers.selectors.outage_rules import NumberOutages

# The number page's timeline covers this many days back from now.
TIMELINE_DAYS = 30


@dataclass(frozen=True)
class StatusLine:
    """A direction's status in the number page's summary."""

    direction: Direction
    badge: SafeString  # with since when, or what was last seen
    lasted: str  # "for 3 h 12 min" while fresh
    alternates: list[Alternate]


def number_page_context(
    page: NumberPage, *, now: datetime, outages: NumberOutages | None
) -> dict[str, Any]:
    """The number page's summary, timeline and history, ready to show. The
    timeline is the outages report's for this number over the last
    TIMELINE_DAYS (`outages`; None: the user may not read it), drawn and
    worded as the report does."""
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
    return {
        "statuses": statuses,
        "circle": circle_label(phone.region, getattr(phone, "circle_name", None)),
        "rental": money(phone.rental_price, phone.currency),
        "checked": f"{timesince(observed, now, depth=1)} ago" if observed else "",
        "checked_at": local_time_text(observed) if observed else "",
        # "10 minutes": the freshness window the timeline's help text names.
        "fresh_for": timesince(now - page.fresh_for, now),
        "timeline": None
        if outages is None
        else {
            "drawn": timeline(outages.lanes, window=outages.window, labelled=True),
            "incidents": [shown_incident(outages, incident) for incident in outages.incidents],
            "uptime": [
                (Direction(direction).label, uptime_text(uptime))
                for direction, uptime in outages.uptime.items()
            ],
        },
        "timeline_days": TIMELINE_DAYS,
        "changes": None
        if page.changes is None
        else [HistoryRow.of(change, currency=phone.currency) for change in page.changes],
        "changes_shown": CHANGES_SHOWN,
    }
