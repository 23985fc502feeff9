"""/reports/costs/: what the numbers cost, per account × circle × currency.

For finance (numbers.view_cost_report). Totals are per currency, never one
across currencies; released numbers are left out; `?by=cost_centre` keys the
rows by cost centre, `?as_of=YYYY-MM-DD` answers for a past day. The page
draws monthly rental per circle as bars and the last 12 months as lines
(reports.charts).
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpResponseBase, JsonResponse

from exoinventory.numbers.admin.display import money
from exoinventory.numbers.reports.base import (
    Cell,
    FilterGroup,
    ReportForm,
    ReportQuery,
    ReportView,
    day_filter,
    json_value,
    text_filter,
)
from exoinventory.numbers.reports.charts import bar_chart, currency_colours, line_chart
from exoinventory.numbers.selectors.costs import (
    CostFilters,
    CostReport,
    CostRow,
    CostTotal,
    cost_filter_choices,
    cost_report,
    monthly_rental_history,
)

BY_CHOICES = {"region": "circle", "cost_centre": "cost centre"}
# The query string cannot tell "no cost centre" from "any": numbers without
# one are asked for by this word, as the filter's link says.
NO_COST_CENTRE = "(none)"
HISTORY_MONTHS = 12


class CostsForm(ReportForm):
    account = text_filter("account")
    region = text_filter("circle")
    currency = text_filter("currency")
    number_type = text_filter("type")
    cost_centre = text_filter("cost centre")
    by = forms.ChoiceField(choices=list(BY_CHOICES.items()), required=False)
    as_of = day_filter("as of")

    def clean_by(self) -> str:
        return self.cleaned_data["by"] or "region"


def _filters(query: ReportQuery) -> CostFilters:
    data = query.data
    cost_centre = data["cost_centre"]
    return CostFilters(
        account_sid=data["account"] or None,
        region=data["region"] or None,
        currency=data["currency"] or None,
        number_type=data["number_type"] or None,
        cost_centre="" if cost_centre == NO_COST_CENTRE else cost_centre or None,
    )


def _report(query: ReportQuery) -> CostReport:
    return cost_report(
        filters=_filters(query), by=query.data["by"], as_of=query.data["as_of"], now=query.now
    )


def _amount(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal(0)


MONEY_COLUMNS = ("monthly_rental", "one_time", "idle_monthly_rental")


class CostsReport(ReportView):
    title = "Costs"
    permission = "numbers.view_cost_report"
    form_class = CostsForm
    template_name = "reports/costs.html"
    filename = "costs"

    def filter_groups(self, query: ReportQuery) -> list[FilterGroup]:
        choices = cost_filter_choices()
        centres = [
            (value or NO_COST_CENTRE, label) for value, label in choices.get("cost_centre", [])
        ]
        return [
            query.filter_group("account", "account", choices.get("account", [])),
            query.filter_group("region", "circle", choices.get("region", [])),
            query.filter_group("currency", "currency", choices.get("currency", [])),
            query.filter_group("number_type", "type", choices.get("number_type", [])),
            query.filter_group("cost_centre", "cost centre", centres),
        ]

    def html_context(self, query: ReportQuery) -> dict[str, Any]:
        report = _report(query)
        history = monthly_rental_history(
            filters=_filters(query), months=HISTORY_MONTHS, now=query.now
        )
        colours = currency_colours(
            [row.currency for row in report.rows] + [point.currency for point in history]
        )
        # Bars per circle (or cost centre) and currency, across accounts.
        per_key: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for row in report.rows:
            per_key[(row.key_name or row.key, row.currency)] += _amount(row.monthly_rental)
        return {
            "report": report,
            "by": query.data["by"],
            "key_title": BY_CHOICES[query.data["by"]],
            "today_link": query.link(as_of=""),
            "by_links": [
                (label, query.link(by="" if by == "region" else by), by == query.data["by"])
                for by, label in BY_CHOICES.items()
            ],
            "rows": [_shown(row) for row in report.rows],
            "totals": [_shown(total) for total in report.totals],
            "by_type": [
                {"row": row, "monthly_rental": money(row.monthly_rental, row.currency)}
                for row in report.by_type
            ],
            "bars": bar_chart(
                [(label, currency, amount) for (label, currency), amount in per_key.items()],
                colours,
            ),
            "history": line_chart(
                [(p.month, p.currency, _amount(p.monthly_rental)) for p in history], colours
            ),
        }

    def csv_header(self, query: ReportQuery) -> Sequence[str]:
        # The key is named by what it is, as in the JSON.
        key = ("region", "region_name") if query.data["by"] == "region" else ("cost_centre",)
        return (
            "account_sid",
            *key,
            "currency",
            "numbers",
            "monthly_rental",
            "one_time",
            "idle_numbers",
            "idle_monthly_rental",
            "unreadable_prices",
        )

    def csv_rows(self, query: ReportQuery) -> Iterator[Sequence[Cell]]:
        by_region = query.data["by"] == "region"
        for row in _report(query).rows:
            yield (
                row.account_sid,
                # Per cost centre, "(none)" names the numbers without one.
                *((row.key, row.key_name) if by_region else (row.key_name,)),
                row.currency,
                row.numbers,
                row.monthly_rental,
                row.one_time,
                row.idle_numbers,
                row.idle_monthly_rental,
                row.unreadable_prices,
            )

    def json_response(self, query: ReportQuery) -> HttpResponseBase:
        report = _report(query)
        return JsonResponse(
            {
                "rows": [_json_row(row, report.by) for row in report.rows],
                "totals": [_json_total(total) for total in report.totals],
            }
        )


def _json_row(row: CostRow, by: str) -> dict[str, Any]:
    key = (
        {"region": row.key, "region_name": row.key_name}
        if by == "region"
        else {"cost_centre": row.key_name}
    )
    return {
        "account_sid": row.account_sid,
        **key,
        "currency": row.currency,
        "numbers": row.numbers,
        "monthly_rental": json_value(row.monthly_rental),
        "one_time": json_value(row.one_time),
        "idle_numbers": row.idle_numbers,
        "idle_monthly_rental": json_value(row.idle_monthly_rental),
    }


def _json_total(total: CostTotal) -> dict[str, Any]:
    return {
        "currency": total.currency,
        "numbers": total.numbers,
        "monthly_rental": json_value(total.monthly_rental),
        "one_time": json_value(total.one_time),
        "idle_numbers": total.idle_numbers,
        "idle_monthly_rental": json_value(total.idle_monthly_rental),
    }


def _shown(row: CostRow | CostTotal) -> dict[str, Any]:
    """A row with its amounts as the admin shows money ("INR 1,499.50")."""
    return {
        "row": row,
        **{column: money(getattr(row, column), row.currency) for column in MONEY_COLUMNS},
    }
