"""/reports/costs/ (numbers.reports.costs over selectors.costs): the rows,
totals per currency, the charts, the exports. The sums themselves are
tested with the selector; here, that the view shows and exports them."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from exoinventory.numbers.models import Circle, ExoPhone
from tests.factories import T0, make_account, make_exophone, make_user
from tests.test_reports_base import body, bulk_exophones, csv_table

pytestmark = pytest.mark.django_db

COSTS = "/reports/costs/"
ROW_KEYS = [
    "account_sid",
    "region",
    "region_name",
    "currency",
    "numbers",
    "monthly_rental",
    "one_time",
    "idle_numbers",
    "idle_monthly_rental",
]
TOTAL_KEYS = [
    "currency",
    "numbers",
    "monthly_rental",
    "one_time",
    "idle_numbers",
    "idle_monthly_rental",
]


@pytest.fixture(autouse=True)
def _frozen_time(settings) -> Iterator[None]:
    settings.TIME_ZONE = "Asia/Kolkata"
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def finance(client: Client) -> Client:
    client.force_login(make_user("fiona", groups=("Finance",)))
    return client


def an_inventory() -> None:
    """Acme: two Delhi numbers in INR (one idle), one Mumbai in INR, one
    Delhi in USD, and a released Delhi number that costs nothing now."""
    for code, name in (("DL", "Delhi"), ("MU", "Mumbai")):
        Circle.objects.update_or_create(code=code, defaults={"name": name})
    acme = make_account(sid="acme")
    make_exophone(account=acme, rental_price=Decimal("499.000000"), cost_centre="sales")
    make_exophone(
        account=acme,
        rental_price=Decimal("1000.500000"),
        one_time_price=Decimal("250.000000"),
        voice_url=None,
        sms_url=None,
    )
    make_exophone(account=acme, region="MU", rental_price=Decimal("1499.500000"))
    make_exophone(account=acme, currency="USD", rental_price=Decimal("10.000000"))
    make_exophone(account=acme, rental_price=Decimal("9999.000000"), released_at=T0)


def by_key(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: tuple(str(row[key]) for key in keys))


def test_the_json_has_a_row_per_account_circle_and_currency_and_totals_per_currency(
    finance: Client,
) -> None:
    an_inventory()

    document = finance.get(COSTS, {"format": "json"}).json()

    assert list(document) == ["rows", "totals"]
    assert all(list(row) == ROW_KEYS for row in document["rows"])
    assert by_key(document["rows"], "region", "currency") == [
        {
            "account_sid": "acme",
            "region": "DL",
            "region_name": "Delhi",
            "currency": "INR",
            "numbers": 2,
            "monthly_rental": "1499.50",
            "one_time": "250.00",
            "idle_numbers": 1,
            "idle_monthly_rental": "1000.50",
        },
        {
            "account_sid": "acme",
            "region": "DL",
            "region_name": "Delhi",
            "currency": "USD",
            "numbers": 1,
            "monthly_rental": "10.00",
            "one_time": "0.00",
            "idle_numbers": 0,
            "idle_monthly_rental": "0.00",
        },
        {
            "account_sid": "acme",
            "region": "MU",
            "region_name": "Mumbai",
            "currency": "INR",
            "numbers": 1,
            "monthly_rental": "1499.50",
            "one_time": "0.00",
            "idle_numbers": 0,
            "idle_monthly_rental": "0.00",
        },
    ]
    assert all(list(total) == TOTAL_KEYS for total in document["totals"])
    assert by_key(document["totals"], "currency") == [
        {
            "currency": "INR",
            "numbers": 3,
            "monthly_rental": "2999.00",
            "one_time": "250.00",
            "idle_numbers": 1,
            "idle_monthly_rental": "1000.50",
        },
        {
            "currency": "USD",
            "numbers": 1,
            "monthly_rental": "10.00",
            "one_time": "0.00",
            "idle_numbers": 0,
            "idle_monthly_rental": "0.00",
        },
    ]


def test_by_cost_centre_the_rows_are_keyed_by_cost_centre(finance: Client) -> None:
    an_inventory()

    rows = finance.get(COSTS, {"format": "json", "by": "cost_centre"}).json()["rows"]

    assert all("region" not in row and "region_name" not in row for row in rows)
    assert all(list(row)[:2] == ["account_sid", "cost_centre"] for row in rows)
    inr = {row["cost_centre"]: row["monthly_rental"] for row in rows if row["currency"] == "INR"}
    assert inr["sales"] == "499.00"
    assert sum(Decimal(value) for value in inr.values()) == Decimal("2999.00")


def test_the_filters_narrow_the_rows(finance: Client) -> None:
    an_inventory()

    def regions(**query: str) -> list[tuple[str, str]]:
        rows = finance.get(COSTS, {"format": "json", **query}).json()["rows"]
        return sorted((row["region"], row["currency"]) for row in rows)

    assert regions(region="MU") == [("MU", "INR")]
    assert regions(currency="USD") == [("DL", "USD")]
    assert regions(account="globex") == []


def test_as_of_a_day_before_the_numbers_were_first_seen_there_is_nothing(
    finance: Client,
) -> None:
    an_inventory()

    document = finance.get(COSTS, {"format": "json", "as_of": "2026-01-01"}).json()

    assert document == {"rows": [], "totals": []}


def test_the_page_shows_rows_totals_per_currency_and_both_charts(finance: Client) -> None:
    an_inventory()

    page = finance.get(COSTS).content.decode()

    totals = page[page.index('id="cost-totals"') : page.index('id="cost-by-type"')]
    assert "INR 2,999.00" in totals
    assert "USD 10.00" in totals
    assert "3,009" not in page  # never one total across currencies
    assert "Delhi (DL)" in page
    start = page.index('<svg id="rental-per-key"')
    bars = page[start : page.index("</svg>", start)]
    assert bars.count('<rect class="bar"') == 3  # Delhi INR, Mumbai INR, Delhi USD
    assert bars.count('fill="#417690"') >= 3  # INR: legend and two bars
    assert "Monthly rental in INR" in bars
    assert "Monthly rental in USD" in bars
    assert '<svg id="rental-history"' in page
    assert '<polyline class="line"' in page
    assert "Times in Asia/Kolkata." in page
    assert "<script" not in page.split("</head>", 1)[1]


def test_the_csv_is_streamed_with_plain_money(finance: Client) -> None:
    an_inventory()

    response = finance.get(COSTS, {"format": "csv"})

    assert isinstance(response, StreamingHttpResponse)
    table = csv_table(response)
    assert table[0] == [*ROW_KEYS, "unreadable_prices"]
    rows = {(row[1], row[3]): row for row in table[1:]}
    assert rows[("DL", "INR")][5:9] == ["1499.50", "250.00", "1", "1000.50"]


def test_the_cost_centre_filter_asks_for_numbers_without_one_by_none(finance: Client) -> None:
    an_inventory()

    rows = finance.get(
        COSTS, {"format": "json", "by": "cost_centre", "cost_centre": "(none)"}
    ).json()["rows"]

    assert rows
    # The issue: rows keyed by cost centre, "(none)" for numbers without one.
    assert {row["cost_centre"] for row in rows} == {"(none)"}


@pytest.mark.parametrize("fmt", ["html", "csv", "json"])
def test_the_query_count_does_not_grow_with_the_numbers(finance: Client, fmt: str) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = finance.get(COSTS, {"format": fmt})
            assert response.status_code == 200
            body(response)
        return len(captured)

    acme = make_account()
    bulk_exophones(10, account=acme)
    few = queries()
    bulk_exophones(490, account=acme, first_seen=T0 - timedelta(days=100))
    many = queries()

    assert ExoPhone.objects.count() == 500
    assert few == many
