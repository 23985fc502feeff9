"""/reports/outages/: each number's status over a window, its incidents and
uptime, and the numbers down now with their alternates.

For support (numbers.view_outage_report). The window is `since`/`until` (a
day YYYY-MM-DD, midnight in TIME_ZONE, `until`'s day included; or an ISO
8601 moment) or a quick pick `last` (24h, 7d, 30d, 90d), by default the last
7 days; at most LONGEST_WINDOW. The rules are selectors.outages'. The page
shows 50 numbers at a time, those with an incident first, each with a
timeline (reports.timeline); the CSV and JSON have every number.
"""

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any, ClassVar

from django import forms
from django.http import HttpResponseBase, StreamingHttpResponse
from django.utils import timezone

from exoinventory.numbers.admin.display import (
    circle_label,
    duration_text,
    local_time_text,
    status_badge,
    status_label,
)
from exoinventory.numbers.models import Circle, ConnectivityStatus, Direction
from exoinventory.numbers.reports.base import (
    EARLIEST_DAY,
    LATEST_DAY,
    Cell,
    FilterGroup,
    ReportForm,
    ReportQuery,
    ReportView,
    account_choices,
    json_value,
    text_filter,
)
from exoinventory.numbers.reports.timeline import timeline
from exoinventory.numbers.selectors.freshness import Freshness
from exoinventory.numbers.selectors.outages import (
    ACTIVE,
    CircleUptime,
    Incident,
    NumberOutages,
    OutageFilters,
    OutageWindow,
    Uptime,
    circle_uptimes,
    numbers_down_now,
    outage_page,
    outage_rows,
)

QUICK_PICKS = {
    "24h": ("24 h", timedelta(hours=24)),
    "7d": ("7 d", timedelta(days=7)),
    "30d": ("30 d", timedelta(days=30)),
    "90d": ("90 d", timedelta(days=90)),
}
DEFAULT_PICK = "7d"
LONGEST_WINDOW = timedelta(days=366)
DOWN_NOW = "yes"
OUTAGE_STATUSES = [status for status in ConnectivityStatus.values if status != ACTIVE]

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT_HELP = "Enter a day as YYYY-MM-DD or a moment in ISO 8601, e.g. 2026-11-22T14:05+05:30."


class MomentField(forms.CharField):
    """A day (YYYY-MM-DD) or an ISO 8601 moment; one without a zone is in TIME_ZONE."""

    def __init__(self, label: str) -> None:
        super().__init__(label=label, required=False, max_length=64)

    def clean(self, value: Any) -> date | datetime | None:
        text = super().clean(value)  # NUL bytes and over-long values are refused here
        if not text:
            return None
        try:
            moment = (
                date.fromisoformat(text) if _DAY.fullmatch(text) else datetime.fromisoformat(text)
            )
        except ValueError:
            raise forms.ValidationError(_MOMENT_HELP) from None
        day = moment.date() if isinstance(moment, datetime) else moment
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise forms.ValidationError(
                f"Enter a moment between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}."
            )
        if isinstance(moment, datetime) and timezone.is_naive(moment):
            return timezone.make_aware(moment)
        return moment


def _start(moment: date | datetime, *, next_day: bool = False) -> datetime:
    """A moment as is; a day as its midnight in TIME_ZONE (with `next_day`,
    the next midnight: an `until` day is included)."""
    if isinstance(moment, datetime):
        return moment
    day = moment + timedelta(days=1) if next_day else moment
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def window_of(data: dict[str, Any], now: datetime) -> OutageWindow:
    """The window a valid query asks for: since/until, else the quick pick
    (by default DEFAULT_PICK) ending now. until is never past now; a lone
    until goes back the default length, a lone since runs to now."""
    pick = QUICK_PICKS[data.get("last") or DEFAULT_PICK][1]
    until = min(_start(data["until"], next_day=True), now) if data.get("until") else now
    since = _start(data["since"]) if data.get("since") else until - pick
    return OutageWindow.ending(since=since, until=until, now=now)


class OutagesForm(ReportForm):
    account = text_filter("account")
    circle = text_filter("circle")
    direction = forms.ChoiceField(choices=Direction.choices, required=False)
    status = text_filter("status")
    down_now = forms.ChoiceField(choices=[(DOWN_NOW, "down now")], required=False)
    last = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in QUICK_PICKS.items()], required=False
    )
    since = MomentField("since")
    until = MomentField("until")
    page = forms.IntegerField(min_value=1, required=False)

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        if status == ACTIVE:
            raise forms.ValidationError("active is not an outage: choose an outage status.")
        return status

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if any(name in self.errors for name in ("last", "since", "until")):
            return data
        if data.get("last") and (data.get("since") or data.get("until")):
            self.add_error("last", "Choose a quick pick or since/until, not both.")
            return data
        now = timezone.now()
        window = window_of(data, now)
        if window.since >= window.until:
            self.add_error(
                "since",
                "since must be before now."
                if window.since >= now
                else "since must be before until.",
            )
        elif window.until - window.since > LONGEST_WINDOW:
            self.add_error("since", f"The window is at most {LONGEST_WINDOW.days} days.")
        return data


def _filters(query: ReportQuery) -> OutageFilters:
    data = query.data
    return OutageFilters(
        account_sid=data["account"] or None,
        region=data["circle"] or None,
        direction=data["direction"] or None,
        status=data["status"] or None,
        down_now=data["down_now"] == DOWN_NOW,
    )


def _window(query: ReportQuery) -> OutageWindow:
    return window_of(query.data, query.now)


# --- How the page says it


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


def _shown_incident(number: NumberOutages, incident: Incident) -> dict[str, Any]:
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


def _shown_number(number: NumberOutages) -> dict[str, Any]:
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


def _shown_down_now(query: ReportQuery, freshness: Freshness) -> dict[str, Any]:
    filters = _filters(query)
    down = numbers_down_now(filters=filters, window=_window(query), freshness=freshness)
    rows = []
    for number in down.numbers:
        for direction in filters.directions:
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
                    "for": duration_text(query.now - since) if since else "",
                    "alternates": [
                        {"alternate": alternate, "status": status_badge(alternate.status_now or "")}
                        for alternate in alternates
                    ],
                }
            )
    return {"count": down.count, "rows": rows, "shown": len(down.numbers)}


def _circle_table(circles: list[CircleUptime], directions: list[str]) -> dict[str, Any]:
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


def _json_chunks(
    scalars: dict[str, Any], arrays: dict[str, Iterable[dict[str, Any]]]
) -> Iterator[str]:
    """'{"key": value, …, "list": [item, …], …}' a piece at a time."""
    yield "{" + ", ".join(
        f"{json.dumps(key)}: {json.dumps(value)}" for key, value in scalars.items()
    )
    for key, items in arrays.items():
        yield f", {json.dumps(key)}: ["
        separator = ""
        for item in items:
            yield separator + json.dumps(item)
            separator = ", "
        yield "]"
    yield "}"


def _percent(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class OutagesReport(ReportView):
    title = "Outages"
    permission = "numbers.view_outage_report"
    form_class = OutagesForm
    template_name = "reports/outages.html"
    filename = "outages"

    def filter_groups(self, query: ReportQuery) -> list[FilterGroup]:
        circles = Circle.objects.values_list("code", "name")
        return [
            query.filter_group("down_now", "down now", [(DOWN_NOW, "down now only")]),
            query.filter_group("account", "account", account_choices()),
            query.filter_group(
                "circle", "circle", [(code, circle_label(code, name)) for code, name in circles]
            ),
            query.filter_group("direction", "direction", Direction.choices),
            query.filter_group(
                "status", "status", [(status, status_label(status)) for status in OUTAGE_STATUSES]
            ),
        ]

    def html_context(self, query: ReportQuery) -> dict[str, Any]:
        window, filters = _window(query), _filters(query)
        freshness = Freshness.at(query.now)
        page = outage_page(
            filters=filters, window=window, freshness=freshness, page=query.data["page"] or 1
        )
        circles = circle_uptimes(filters=filters, window=window, freshness=freshness)
        picked = query.data["last"] or (
            "" if query.data["since"] or query.data["until"] else DEFAULT_PICK
        )
        return {
            "window": window,
            "window_text": (
                f"{local_time_text(window.since)} to {local_time_text(window.until)}"
                f" ({duration_text(window.until - window.since)})"
            ),
            "window_picks": [
                (label, query.link(last=key, since="", until=""), key == picked)
                for key, (label, _) in QUICK_PICKS.items()
            ],
            "since_day": timezone.localtime(window.since).date(),
            "until_day": timezone.localtime(window.until - timedelta(microseconds=1)).date(),
            "down_now": _shown_down_now(query, freshness),
            "down_now_link": query.link(down_now=DOWN_NOW),
            "page": page,
            "numbers": [_shown_number(number) for number in page.object_list],
            "incidents": [
                _shown_incident(number, incident)
                for number in page.object_list
                for incident in number.incidents
            ],
            "axis": timeline({}, window=window, labelled=True),
            "circles": _circle_table(circles, filters.directions),
            "previous_link": query.link(page=str(page.number - 1)) if page.has_previous() else "",
            "next_link": query.link(page=str(page.number + 1)) if page.has_next() else "",
        }

    CSV_HEADER: ClassVar[tuple[str, ...]] = (
        "section",
        "account_sid",
        "sid",
        "phone_number",
        "region",
        "direction",
        "status",
        "started_at",
        "ended_at",
        "duration_seconds",
        "followed_by",
        "uptime_percent",
        "observed_seconds",
        "down_seconds",
        "observed_percent",
        "status_now",
        "last_observed_at",
        "numbers",
    )

    def csv_header(self, query: ReportQuery) -> Sequence[str]:
        return self.CSV_HEADER

    def csv_rows(self, query: ReportQuery) -> Iterator[Sequence[Cell]]:
        """One table of three sections: the incidents, each number's uptime
        per direction, each circle's."""
        freshness = Freshness.at(query.now)
        for number, incident in _incidents(query, freshness):
            yield (
                "incident",
                number.account_sid,
                number.sid,
                number.phone_number,
                number.region,
                incident.direction,
                incident.status,
                incident.started_at,
                incident.ended_at,
                incident.duration_seconds,
                incident.followed_by,
            )
        for number, direction, uptime in _uptimes(query, freshness):
            yield (
                "number",
                number.account_sid,
                number.sid,
                number.phone_number,
                number.region,
                direction,
                "",
                None,
                None,
                None,
                None,
                *_uptime_cells(uptime),
                number.status_now[direction],
                number.last_observed_at,
            )
        circles = circle_uptimes(
            filters=_filters(query), window=_window(query), freshness=freshness
        )
        for circle in circles:
            yield (
                "circle",
                "",
                "",
                "",
                circle.region,
                circle.direction,
                "",
                None,
                None,
                None,
                None,
                *_uptime_cells(circle.uptime),
                None,
                None,
                circle.numbers,
            )

    def json_response(self, query: ReportQuery) -> HttpResponseBase:
        window, freshness = _window(query), Freshness.at(query.now)
        incidents = (
            {
                "account_sid": number.account_sid,
                "sid": number.sid,
                "phone_number": number.phone_number,
                "direction": incident.direction,
                "status": incident.status,
                "started_at": json_value(incident.started_at),
                "ended_at": json_value(incident.ended_at),
                "duration_seconds": incident.duration_seconds,
            }
            for number, incident in _incidents(query, freshness)
        )
        numbers = (
            {
                "account_sid": number.account_sid,
                "sid": number.sid,
                "phone_number": number.phone_number,
                "direction": direction,
                "uptime_percent": _percent(uptime.uptime_percent),
                "observed_seconds": uptime.observed_seconds,
                "down_seconds": uptime.down_seconds,
                "status_now": number.status_now[direction],
                "last_observed_at": json_value(number.last_observed_at),
            }
            for number, direction, uptime in _uptimes(query, freshness)
        )
        chunks = _json_chunks(
            {"since": json_value(window.since), "until": json_value(window.until)},
            {"incidents": incidents, "numbers": numbers},
        )
        return StreamingHttpResponse(chunks, content_type="application/json")


def _incidents(
    query: ReportQuery, freshness: Freshness
) -> Iterator[tuple[NumberOutages, Incident]]:
    """Every incident of the report's numbers, a number at a time (one query)."""
    numbers = outage_rows(
        filters=_filters(query),
        window=_window(query),
        freshness=freshness,
        with_incident_only=True,
    )
    return ((number, incident) for number in numbers for incident in number.incidents)


def _uptimes(
    query: ReportQuery, freshness: Freshness
) -> Iterator[tuple[NumberOutages, str, Uptime]]:
    """Every number's uptime per direction, a number at a time (one query)."""
    numbers = outage_rows(filters=_filters(query), window=_window(query), freshness=freshness)
    return (
        (number, direction, uptime)
        for number in numbers
        for direction, uptime in number.uptime.items()
    )


def _uptime_cells(uptime: Uptime) -> tuple[Cell, ...]:
    return (
        uptime.uptime_percent,
        uptime.observed_seconds,
        uptime.down_seconds,
        uptime.observed_percent,
    )
