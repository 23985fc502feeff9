"""/reports/outages/: each number's status over a window, its incidents and
uptime, and the numbers down now with their alternates.

For support (numbers.view_outage_report): the query's form and the view,
its HTML, CSV and JSON. The window the query asks for is
reports.outage_window's; the reads are selectors.outages', the rules
selectors.outage_rules'. The page shows 50 numbers at a time, those with an
incident first, each with a timeline (reports.timeline), in the words of
reports.outage_display; the CSV and JSON have every number.
"""

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.http import HttpResponseBase, StreamingHttpResponse
from django.utils import timezone

from exoinventory.numbers.admin.display import (
    circle_label,
    duration_text,
    local_time_text,
    status_label,
)
from exoinventory.numbers.models import Circle, ConnectivityStatus, Direction
from exoinventory.numbers.reports.base import (
    Cell,
    FilterGroup,
    ReportForm,
    ReportQuery,
    ReportView,
    account_choices,
    json_value,
    text_filter,
)
from exoinventory.numbers.reports.outage_display import (
    circle_table,
    shown_down_now,
    shown_incident,
    shown_number,
)
from exoinventory.numbers.reports.outage_window import (
    DEFAULT_PICK,
    LONGEST_WINDOW,
    QUICK_PICKS,
    MomentField,
    window_of,
)
from exoinventory.numbers.reports.timeline import timeline
from exoinventory.numbers.selectors.freshness import Freshness
from exoinventory.numbers.selectors.outage_rules import (
    ACTIVE,
    Incident,
    NumberOutages,
    OutageWindow,
    Uptime,
)
from exoinventory.numbers.selectors.outages import (
    OutageFilters,
    circle_uptimes,
    numbers_down_now,
    outage_page,
    outage_rows,
)

DOWN_NOW = "yes"
OUTAGE_STATUSES = [status for status in ConnectivityStatus.values if status != ACTIVE]


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
            "down_now": shown_down_now(
                numbers_down_now(filters=filters, window=window, freshness=freshness),
                directions=filters.directions,
                now=query.now,
            ),
            "down_now_link": query.link(down_now=DOWN_NOW),
            "page": page,
            "numbers": [shown_number(number) for number in page.object_list],
            "incidents": [
                shown_incident(number, incident)
                for number in page.object_list
                for incident in number.incidents
            ],
            "axis": timeline({}, window=window, labelled=True),
            "circles": circle_table(circles, filters.directions),
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
