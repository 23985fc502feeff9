"""The inventory export: every number with its mirrored and local fields and
its status now (by the freshness rule), as plain rows.

One query for the accounts' freshness cut-offs (Freshness.at), then one for
the numbers, read in chunks: a 100,000-number export holds one chunk at a
time, and its query count does not depend on how many numbers there are.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet

from exoinventory.numbers.models import MIRRORED_FIELDS, ExoPhone
from exoinventory.numbers.selectors.admin import with_circle_name
from exoinventory.numbers.selectors.freshness import Freshness

# DESIGN.md's numbers shape: account and sid, every mirrored field (the phone
# number first), the local fields finance sets, the status now, released.
INVENTORY_COLUMNS = (
    "account_sid",
    "sid",
    *MIRRORED_FIELDS,
    "owner",
    "cost_centre",
    "incoming_status",
    "outgoing_status",
    "released_at",
)
EXPORT_CHUNK_SIZE = 2000
PAGE_SIZE = 100


@dataclass(frozen=True)
class InventoryFilters:
    account_sid: str | None = None
    released: bool | None = None  # None: current and released numbers alike


def _numbers(*, filters: InventoryFilters, freshness: Freshness) -> QuerySet[ExoPhone]:
    """Values of every column, with `incoming_now`/`outgoing_now` by the freshness rule."""
    queryset = ExoPhone.objects.all()
    if filters.account_sid is not None:
        queryset = queryset.filter(account__sid=filters.account_sid)
    if filters.released is not None:
        queryset = queryset.filter(released_at__isnull=not filters.released)
    return freshness.annotate(queryset.annotate(account_sid=F("account__sid"))).order_by(
        "phone_number", "id"
    )


_STORED = ("account_sid", "sid", *MIRRORED_FIELDS, "owner", "cost_centre", "released_at")


def _row(values: dict[str, Any]) -> dict[str, Any]:
    """The stored values in INVENTORY_COLUMNS' order; "" status (no data) is None."""
    row = {column: values.get(column) for column in INVENTORY_COLUMNS}
    row["incoming_status"] = values["incoming_now"] or None
    row["outgoing_status"] = values["outgoing_now"] or None
    return row


def inventory_rows(*, filters: InventoryFilters, now: datetime) -> Iterator[dict[str, Any]]:
    """Every number as a row of INVENTORY_COLUMNS, ordered by phone number,
    read EXPORT_CHUNK_SIZE at a time."""
    numbers = _numbers(filters=filters, freshness=Freshness.at(now))
    values = numbers.values(*_STORED, "incoming_now", "outgoing_now")
    for stored in values.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield _row(stored)


def inventory_page(*, filters: InventoryFilters, now: datetime, page: int) -> Page:
    """One page of PAGE_SIZE rows (the last one when `page` is past it), each
    with `region_name` and the number's `pk` besides the columns."""
    numbers = with_circle_name(_numbers(filters=filters, freshness=Freshness.at(now)))
    values = numbers.values(*_STORED, "incoming_now", "outgoing_now", "pk", "circle_name")
    current = Paginator(values, PAGE_SIZE).get_page(page)
    current.object_list = [
        {**_row(stored), "pk": stored["pk"], "region_name": stored["circle_name"]}
        for stored in current.object_list
    ]
    return current
