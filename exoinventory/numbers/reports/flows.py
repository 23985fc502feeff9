"""/reports/flows/: which flow each number is wired to, the numbers with no
flow, and the flow changes noticed in a window (default the last 30 days).

For auditors (numbers.view_flow_report). A flow is shown by its id
("voice 229"), its full URL on hover and in the CSV and JSON.
"""

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from django import forms
from django.http import HttpResponseBase, JsonResponse
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
    FlowFilters,
    FlowReport,
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


def _report(query: ReportQuery) -> FlowReport:
    since, until = _window(query)
    filters = FlowFilters(
        account_sid=query.data["account"] or None, kind=query.data["kind"] or None
    )
    return flow_report(
        filters=filters, since=_start_of(since), until=_start_of(until + timedelta(days=1))
    )


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
        return {"report": _report(query), "since": since, "until": until}

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
