"""How the outages report says it: the selectors' outages as texts and the
rows of its page's tables (reports.outages fetches them; the page's
template, templates/reports/outages.html, lays them out)."""

from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.utils import timezone

from exoinventory.numbers.admin.display import (
    circle_label,
    duration_text,
    local_time_text,
    status_badge,
)
from exoinventory.numbers.models import Direction
from exoinventory.numbers.reports.timeline import timeline
from exoinventory.numbers.selectors.outage_rules import ACTIVE, Incident, NumberOutages, Uptime
from exoinventory.numbers.selectors.outages import CircleUptime, DownNow


def percent_text(value: Decimal | None) -> str:
    """'99.9 %', rounded down (100 % is all of it); '—' for nothing to divide."""
    if value is None:
        return "—"
    if value == 100:
        return "100 %"
    shown = value.quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    return "< 0.1 %" if value and not shown else f"{shown} %"


def uptime_text(uptime: Uptime) -> str:
    """'99.9 % of 40 % observed': uptime over observed time only, and how much was observed."""
    if uptime.uptime_percent is None:
        return "nothing observed"
    return (
        f"{percent_text(uptime.uptime_percent)} of {percent_text(uptime.observed_percent)} observed"
    )


def _ends_text(incident: Incident) -> str:
    if incident.ongoing:
        return "ongoing, past the window" if incident.lasted_past_window else "ongoing"
    text = local_time_text(incident.end)
    return f"{text} (after the window)" if incident.lasted_past_window else text


def _followed_by(incident: Incident) -> Any:
    if incident.followed_by is None:
        return "—" if incident.ongoing else "after the window"
    return status_badge(incident.followed_by)


def shown_incident(number: NumberOutages, incident: Incident) -> dict[str, Any]:
    started = local_time_text(incident.started_at)
    seen_once = incident.seen_once_at
    return {
        "number": number,
        "incident": incident,
        "direction": Direction(incident.direction).label,
        "status": status_badge(incident.status),
        "started": f"{started} (before the window)" if incident.began_before_window else started,
        "ended": _ends_text(incident),
        # A single observation: when, rather than a duration it may not have.
        "duration": duration_text(incident.duration_seconds) if incident.duration_seconds else "",
        "seen_once": f"seen once at {timezone.localtime(seen_once):%H:%M}" if seen_once else "",
        "followed_by": _followed_by(incident),
    }


def shown_number(number: NumberOutages) -> dict[str, Any]:
    return {
        "number": number,
        "circle": circle_label(number.region, number.circle_name),
        "timeline": timeline(number.lanes, window=number.window),
        "directions": [
            {
                "label": Direction(direction).label,
                "status_now": status_badge(number.status_now[direction] or ""),
                "uptime": uptime_text(uptime),
                "down": duration_text(uptime.down_seconds) if uptime.down_seconds else "",
            }
            for direction, uptime in number.uptime.items()
        ],
    }


def shown_down_now(down: DownNow, *, directions: list[str], now: datetime) -> dict[str, Any]:
    """A row per number and direction down now, with its alternates' own status."""
    rows = []
    for number in down.numbers:
        for direction in directions:
            status = getattr(number, f"{direction}_now")
            if status in ("", ACTIVE):
                continue
            since = getattr(number, f"{direction}_since")
            alternates = down.alternates.of(getattr(number, f"{direction}_alternates"), direction)
            rows.append(
                {
                    "number": number,
                    "circle": circle_label(number.region, number.circle_name),
                    "direction": Direction(direction).label,
                    "status": status_badge(status),
                    "since": local_time_text(since) if since else "",
                    "for": duration_text(now - since) if since else "",
                    "alternates": [
                        {"alternate": alternate, "status": status_badge(alternate.status_now or "")}
                        for alternate in alternates
                    ],
                }
            )
    return {"count": down.count, "rows": rows, "shown": len(down.numbers)}


def circle_table(circles: list[CircleUptime], directions: list[str]) -> dict[str, Any]:
    """A row per circle with its uptime per direction, and the total per direction."""
    per_circle: dict[str, dict[str, Any]] = {}
    totals: dict[str, Uptime] = {}
    for circle in circles:
        row = per_circle.setdefault(
            circle.region,
            {"circle": circle_label(circle.region, circle.circle_name), "numbers": circle.numbers},
        )
        row[circle.direction] = uptime_text(circle.uptime)
        totals[circle.direction] = (
            totals[circle.direction] + circle.uptime
            if circle.direction in totals
            else circle.uptime
        )
    return {
        "headings": [Direction(direction).label for direction in directions],
        "rows": [
            {**row, "uptimes": [row.get(direction, "") for direction in directions]}
            for row in per_circle.values()
        ],
        "totals": [uptime_text(totals[d]) if d in totals else "" for d in directions],
        "numbers": sum(row["numbers"] for row in per_circle.values()),
    }
