"""What every report shares: one view class answering HTML, CSV and JSON.

A report module subclasses ReportView: it names its permission and its
filters (a form), calls its selector, and says how its rows become a page,
CSV rows and a JSON document. This module does the rest: login and
permission (anonymous → the admin login, no permission → a 403 page naming
the permission), a 400 page for a bad filter or format (never a 500), the
filter sidebar's links, and the CSV and JSON forms of a cell.

CSV is streamed, UTF-8 with a BOM (so a spreadsheet reads it as UTF-8), and a
text cell that a spreadsheet would read as a formula is made inert.
"""

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.views import redirect_to_login
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views import View

from exoinventory.exotel.dates import format_rfc3339
from exoinventory.exotel.money import shown_places
from exoinventory.numbers.models import Account

FORMATS = ("html", "csv", "json")

# A spreadsheet runs a cell starting with one of these as a formula (OWASP's
# "CSV injection"); tab and carriage return can hide one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_ROWS_PER_CHUNK = 500

Cell = str | int | Decimal | bool | datetime | date | None


# --- Cells


def plain_decimal(amount: Decimal) -> str:
    """'1499.50': no exponent, no separators, at least two places and every
    non-zero one (Exotel stores six)."""
    return f"{amount:.{shown_places(amount)}f}"


def inert(text: str) -> str:
    """A text cell a spreadsheet shows as text: a leading quote before
    anything it would read as a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Cell) -> str:
    """A value as a CSV cell: money plain, times RFC 3339 UTC, text inert."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, datetime):
        return format_rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return inert(value)


def json_value(value: Cell) -> Any:
    """A value as DESIGN.md's JSON has it: money as a decimal string, times
    RFC 3339 UTC, dates YYYY-MM-DD."""
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, datetime):
        return format_rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Echo:
    """csv.writer's file: hands each formatted line back instead of storing it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """The BOM and the header, then the rows, a few hundred lines a chunk."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([csv_cell(value) for value in row]))
        if len(chunk) == CSV_ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def streamed_csv(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> HttpResponseBase:
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def json_array_chunks(key: str, items: Iterable[dict[str, Any]]) -> Iterator[str]:
    """'{"key": [item, …]}' a piece at a time, for a list too long to hold."""
    yield json.dumps(key).join(("{", ": ["))
    separator = ""
    for item in items:
        yield separator + json.dumps(item)
        separator = ", "
    yield "]}"


# --- Filters


class ReportForm(forms.Form):
    """The query string of a report: its filters, and `format`."""

    format = forms.ChoiceField(choices=[(f, f) for f in FORMATS], required=False)

    def clean_format(self) -> str:
        return self.cleaned_data["format"] or "html"


def text_filter(label: str) -> forms.CharField:
    """A filter value chosen from links: any text but a NUL byte (the field refuses those)."""
    return forms.CharField(label=label, required=False, max_length=1024)


# Days a page can show in any time zone: far from datetime's limits, which a
# day converted to UTC could cross (a 500 instead of an answer).
EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(9998, 12, 31)


class DayField(forms.DateField):
    """A day as YYYY-MM-DD, and only that form."""

    input_formats: ClassVar[list[str]] = ["%Y-%m-%d"]
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": "Enter a real day as YYYY-MM-DD.",
    }

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
            raise forms.ValidationError(
                f"Enter a day between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}."
            )


def day_filter(label: str) -> DayField:
    return DayField(label=label, required=False)


def account_choices() -> list[tuple[str, str]]:
    """(sid, name) of every account, for an account filter: one query."""
    accounts = Account.objects.values_list("sid", "display_name")
    return [(sid, name or sid) for sid, name in accounts]


@dataclass(frozen=True)
class FilterChoice:
    """One link of the filter sidebar: admin/filter.html reads these names."""

    display: str
    query_string: str
    selected: bool


@dataclass(frozen=True)
class FilterGroup:
    title: str
    choices: list[FilterChoice]


@dataclass(frozen=True)
class ReportQuery:
    """A valid request for a report: its filters, the query string they came
    in, and the moment the report is answered for."""

    data: dict[str, Any]
    params: QueryDict
    now: datetime

    @property
    def format(self) -> str:
        return self.data["format"]

    def link(self, **changes: str) -> str:
        """The current query string with some parameters set (empty: removed),
        always back to the first page and the HTML format."""
        params = self.params.copy()
        for name in ("format", "page", *changes):
            params.pop(name, None)
        for name, value in changes.items():
            if value:
                params[name] = value
        return "?" + params.urlencode() if params else "?"

    def filter_group(
        self, name: str, title: str, choices: Iterable[tuple[str, str]]
    ) -> FilterGroup:
        """A sidebar group: "All", then a link per choice, the current one selected."""
        current = self.params.get(name, "")
        links = [FilterChoice("All", self.link(**{name: ""}), current == "")]
        links += [
            FilterChoice(label, self.link(**{name: value}), value == current)
            for value, label in choices
        ]
        return FilterGroup(title, links)


# --- The view


class ReportView(View):
    """One report, answered as HTML (admin look), `?format=csv` or `?format=json`."""

    title: ClassVar[str]
    permission: ClassVar[str]  # "app_label.codename"
    form_class: ClassVar[type[ReportForm]] = ReportForm
    template_name: ClassVar[str]
    filename: ClassVar[str]  # the CSV's name, without the date and ".csv"
    http_method_names: ClassVar[list[str]] = ["get", "head"]

    # What a report module writes.

    def html_context(self, query: ReportQuery) -> dict[str, Any]:
        raise NotImplementedError

    def filter_groups(self, query: ReportQuery) -> list[FilterGroup]:
        return []

    def csv_header(self, query: ReportQuery) -> Sequence[str]:
        raise NotImplementedError

    def csv_rows(self, query: ReportQuery) -> Iterable[Sequence[Cell]]:
        raise NotImplementedError

    def json_response(self, query: ReportQuery) -> HttpResponseBase:
        raise NotImplementedError

    # The rest.

    def get(self, request: HttpRequest) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(self.permission):
            return permission_missing(request, self.permission)
        form = self.form_class(request.GET)
        if not form.is_valid():
            return bad_request(request, form, as_json=request.GET.get("format") == "json")
        query = ReportQuery(data=form.cleaned_data, params=request.GET, now=timezone.now())
        if query.format == "csv":
            filename = f"{self.filename}-{timezone.localdate(query.now).isoformat()}.csv"
            return streamed_csv(filename, self.csv_header(query), self.csv_rows(query))
        if query.format == "json":
            return self.json_response(query)
        context = {
            **report_context(request, self.title),
            "filter_groups": self.filter_groups(query),
            "has_filters": any(request.GET.get(name) for name in form.fields if name != "format"),
            "clear_filters": query.link(**dict.fromkeys(form.fields, "")),
            "csv_link": self._download_link(query, "csv"),
            "json_link": self._download_link(query, "json"),
            **self.html_context(query),
        }
        return TemplateResponse(request, self.template_name, context)

    @staticmethod
    def _download_link(query: ReportQuery, fmt: str) -> str:
        params = query.params.copy()
        params.pop("page", None)
        params["format"] = fmt
        return "?" + params.urlencode()


def report_context(request: HttpRequest, title: str) -> dict[str, Any]:
    """What the admin's templates expect (site header, user tools), and the title."""
    return {**admin.site.each_context(request), "title": title}


def permission_missing(request: HttpRequest, permission: str) -> HttpResponse:
    """403 in the admin's look, naming the permission and the groups that hold it.
    Rendered here rather than raised: Django logs a raised PermissionDenied
    with its traceback."""
    app_label, codename = permission.split(".")
    holders = Group.objects.filter(
        permissions__content_type__app_label=app_label, permissions__codename=codename
    ).order_by("name")
    described = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    context = {
        **report_context(request, "Permission denied"),
        "permission": permission,
        "permission_name": described.name if described else "",
        "groups": [group.name for group in holders],
        "exception": f"This page needs the permission {permission}.",
    }
    return TemplateResponse(request, "403.html", context, status=403)


def _printable(value: str, limit: int = 80) -> str:
    """A submitted value as a message may quote it: control characters escaped."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in value)
    return shown if len(shown) <= limit else shown[:limit] + "…"


def bad_request_messages(form: forms.Form) -> list[str]:
    messages = []
    for name, errors in form.errors.items():
        value = _printable(form.data.get(name, ""))
        for error in errors:
            messages.append(f"{name}={value}: {error}")
    return messages


def bad_request(request: HttpRequest, form: forms.Form, *, as_json: bool) -> HttpResponse:
    """400 with what was wrong with which parameter."""
    messages = bad_request_messages(form)
    if as_json:
        return JsonResponse({"errors": messages}, status=400)
    context = {**report_context(request, "Bad request"), "messages_400": messages}
    return TemplateResponse(request, "reports/bad_request.html", context, status=400)


def reports_index(request: HttpRequest) -> HttpResponseBase:
    """/reports/: the reports this user may open (templates/reports/links.html)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return TemplateResponse(request, "reports/index.html", report_context(request, "Reports"))
