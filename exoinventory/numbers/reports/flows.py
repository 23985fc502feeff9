"""/reports/flows/: which flow each number is wired to, the numbers with no
flow, and the flow changes noticed in a window (default the last 30 days).

For auditors (numbers.view_flow_report). A flow is shown by its id
("voice 229"), its full URL on hover and in the CSV and JSON.
"""

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponseBase, JsonResponse
from django.urls import reverse
from django.utils import timezone

from exoinventory.numbers.models import ExoPhoneChange
from exoinventory.numbers.reports.base import (
    Cell,
    FilterGroup,
    ReportForm,
    ReportQuery,
    ReportView,
    account_choices,
    day_filter,
    json_value,
    text_filter,
)
from exoinventory.numbers.selectors.flows import (
    FLOW_FIELDS,
    FlowChange,
    FlowCount,
    FlowFilters,
    FlowReport,
    flow_change_count,
    flow_changes,
    flow_counts,
    flow_report,
)

DEFAULT_WINDOW_DAYS = 30
KIND_LABELS = {"voice": "Voice", "sms": "SMS"}


class FlowsForm(ReportForm):
    account = text_filter("account")
    kind = forms.ChoiceField(choices=[(kind, kind) for kind in FLOW_FIELDS], required=False)
    since = day_filter("since")
    until = day_filter("until")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("since", "since must not be after until.")
        return data


def _start_of(day: date) -> datetime:
    """Midnight of `day` where the report is shown (TIME_ZONE)."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _window(query: ReportQuery) -> tuple[date, date]:
    """The days asked for, both included: by default the last 30 days and today."""
    until = query.data["until"] or timezone.localdate(query.now)
    since = query.data["since"] or until - timedelta(days=DEFAULT_WINDOW_DAYS)
    return since, until


def _filters(query: ReportQuery) -> FlowFilters:
    return FlowFilters(account_sid=query.data["account"] or None, kind=query.data["kind"] or None)


def _report(query: ReportQuery) -> FlowReport:
    since, until = _window(query)
    return flow_report(
        filters=_filters(query),
        since=_start_of(since),
        until=_start_of(until + timedelta(days=1)),
    )


# The page shows the newest flow changes of the window; the CSV and JSON all.
CHANGES_SHOWN = 100

# The ExoPhone list's "flow assigned" choice for the numbers with no flow of
# the kinds asked for (admin.filters.FlowFilter).
NO_FLOW_CHOICE = {None: "none", "voice": "no_voice", "sms": "no_sms"}


def _numbers_link(filters: FlowFilters, **lookups: str) -> str:
    """The ExoPhone list of the current numbers `lookups` select, in the
    report's account: there they are paged, with their status and flows."""
    params = {**lookups, "released": "current"}
    if filters.account_sid is not None:
        params["account__sid"] = filters.account_sid
    return f"{reverse('admin:numbers_exophone_changelist')}?{urlencode(params)}"


def _flow_rows(filters: FlowFilters) -> tuple[list[tuple[FlowCount, str]], int, str]:
    """Each flow with the link to its numbers; how many numbers have no flow,
    and the link to them."""
    counts, unassigned = flow_counts(filters=filters)
    rows = [(flow, _numbers_link(filters, **{FLOW_FIELDS[flow.kind]: flow.url})) for flow in counts]
    return rows, unassigned, _numbers_link(filters, flow=NO_FLOW_CHOICE[filters.kind])


def _changed_by(change: FlowChange) -> str:
    """'sync run 12', or for a local edit 'user alice'."""
    if change.source == ExoPhoneChange.Source.LOCAL:
        return f"user {change.user_name}" if change.user_name else "a local edit"
    return f"sync run {change.sync_run_pk}"


class FlowsReport(ReportView):
    title = "Flows"
    permission = "numbers.view_flow_report"
    form_class = FlowsForm
    template_name = "reports/flows.html"
    filename = "flows"

    def filter_groups(self, query: ReportQuery) -> list[FilterGroup]:
        return [
            query.filter_group("account", "account", account_choices()),
            query.filter_group("kind", "kind", list(KIND_LABELS.items())),
        ]

    def html_context(self, query: ReportQuery) -> dict[str, Any]:
        since, until = _window(query)
        filters = _filters(query)
        flows, unassigned, unassigned_link = _flow_rows(filters)
        window = {"since": _start_of(since), "until": _start_of(until + timedelta(days=1))}
        return {
            "flows": flows,
            "unassigned": unassigned,
            "unassigned_link": unassigned_link,
            "changes": flow_changes(filters=filters, limit=CHANGES_SHOWN, **window),
            "changes_count": flow_change_count(filters=filters, **window),
            "since": since,
            "until": until,
        }

    CSV_HEADER: ClassVar[tuple[str, ...]] = (
        "section",
        "kind",
        "flow_url",
        "account_sid",
        "phone_number",
        "old",
        "new",
        "observed_at",
        "changed_by",
    )

    def csv_header(self, query: ReportQuery) -> Sequence[str]:
        return self.CSV_HEADER

    def csv_rows(self, query: ReportQuery) -> Iterator[Sequence[Cell]]:
        """One table of three sections: numbers per flow, numbers with no
        flow, flow changes."""
        report = _report(query)
        for flow in report.flows:
            for number in flow.numbers:
                yield ("flow", flow.kind, flow.url, number.account_sid, number.phone_number)
        for number in report.unassigned:
            yield ("no flow", "", "", number.account_sid, number.phone_number)
        for change in report.changes:
            yield (
                "change",
                change.kind,
                "",
                change.account_sid,
                change.phone_number,
                change.old,
                change.new,
                change.observed_at,
                _changed_by(change),
            )

    def json_response(self, query: ReportQuery) -> HttpResponseBase:
        report = _report(query)
        return JsonResponse(
            {
                "flows": [
                    {
                        "kind": flow.kind,
                        "url": flow.url,
                        "numbers": [number.phone_number for number in flow.numbers],
                    }
                    for flow in report.flows
                ],
                "unassigned": [number.phone_number for number in report.unassigned],
                "changes": [
                    {
                        "phone_number": change.phone_number,
                        "field": change.field,
                        "old": change.old,
                        "new": change.new,
                        "observed_at": json_value(change.observed_at),
                    }
                    for change in report.changes
                ],
            }
        )
