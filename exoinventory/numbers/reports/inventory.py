"""/reports/numbers/: the inventory export, every mirrored field plus owner,
cost centre, status now (by the freshness rule) and released.

For finance and auditors (numbers.export_numbers). CSV and JSON are streamed
a chunk of numbers at a time, so 100,000 numbers take no more memory than
100; the page shows 100 numbers at a time.
"""

from collections.abc import Iterator, Sequence
from typing import Any

from django import forms
from django.http import HttpResponseBase, StreamingHttpResponse

from exoinventory.numbers.admin.display import money, status_label
from exoinventory.numbers.reports.base import (
    Cell,
    FilterGroup,
    ReportForm,
    ReportQuery,
    ReportView,
    account_choices,
    json_array_chunks,
    json_value,
    text_filter,
)
from exoinventory.numbers.selectors.inventory import (
    INVENTORY_COLUMNS,
    InventoryFilters,
    inventory_page,
    inventory_rows,
)

RELEASED_CHOICES = {"no": "current", "yes": "released"}


class NumbersForm(ReportForm):
    account = text_filter("account")
    released = forms.ChoiceField(choices=list(RELEASED_CHOICES.items()), required=False)
    page = forms.IntegerField(min_value=1, required=False)


def _filters(query: ReportQuery) -> InventoryFilters:
    released = query.data["released"]
    return InventoryFilters(
        account_sid=query.data["account"] or None,
        released=None if not released else released == "yes",
    )


class NumbersReport(ReportView):
    title = "Numbers"
    permission = "numbers.export_numbers"
    form_class = NumbersForm
    template_name = "reports/numbers.html"
    filename = "numbers"

    def filter_groups(self, query: ReportQuery) -> list[FilterGroup]:
        return [
            query.filter_group("account", "account", account_choices()),
            query.filter_group("released", "released", list(RELEASED_CHOICES.items())),
        ]

    def html_context(self, query: ReportQuery) -> dict[str, Any]:
        page = inventory_page(filters=_filters(query), now=query.now, page=query.data["page"] or 1)
        for row in page.object_list:
            row["rental"] = money(row["rental_price"], row["currency"])
            row["incoming_label"] = status_label(row["incoming_status"] or "")
            row["outgoing_label"] = status_label(row["outgoing_status"] or "")
        return {
            "page": page,
            "previous_link": query.link(page=str(page.number - 1)) if page.has_previous() else "",
            "next_link": query.link(page=str(page.number + 1)) if page.has_next() else "",
        }

    def csv_header(self, query: ReportQuery) -> Sequence[str]:
        return INVENTORY_COLUMNS

    def csv_rows(self, query: ReportQuery) -> Iterator[Sequence[Cell]]:
        for row in inventory_rows(filters=_filters(query), now=query.now):
            yield [row[column] for column in INVENTORY_COLUMNS]

    def json_response(self, query: ReportQuery) -> HttpResponseBase:
        rows = inventory_rows(filters=_filters(query), now=query.now)
        items = ({key: json_value(value) for key, value in row.items()} for row in rows)
        return StreamingHttpResponse(
            json_array_chunks("numbers", items), content_type="application/json"
        )
