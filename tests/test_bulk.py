"""bulk_insert_rows and bulk_update_rows write every field type the sync writes,
exactly, in one statement per table on PostgreSQL."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exoinventory.numbers.models import Account, ExoPhone
from exoinventory.numbers.services.bulk import bulk_insert_rows, bulk_update_rows

NOW = datetime(2026, 11, 22, 10, 30, 15, 123456, tzinfo=UTC)


def new_phones(count: int) -> list[ExoPhone]:
    account = Account.objects.create(sid="Acme", api_host="api.exotel.com")
    return [
        ExoPhone(
            account=account,
            sid=f"sid{i}",
            phone_number=f"+9111{i:08d}",
            one_time_price=0,
            rental_price=Decimal("499.000000"),
            incoming_rate=0,
            incoming_pulse=60,
            currency="INR",
            first_seen=NOW,
            last_seen=NOW,
        )
        for i in range(count)
    ]


def phones(count: int) -> list[ExoPhone]:
    return ExoPhone.objects.bulk_create(new_phones(count))


@pytest.mark.django_db
def test_inserted_rows_get_their_keys_in_order_and_every_value():
    rows = new_phones(3)
    rows[1].incoming_alternates, rows[2].sms_capable = ["+911139585476"], None

    bulk_insert_rows(rows)

    assert all(row.pk for row in rows) and not rows[0]._state.adding
    for row in rows:
        stored = ExoPhone.objects.get(pk=row.pk)
        assert (stored.sid, stored.rental_price, stored.first_seen) == (
            row.sid,
            row.rental_price,
            NOW,
        )
        assert (stored.incoming_alternates, stored.sms_capable) == (
            row.incoming_alternates,
            row.sms_capable,
        )


@pytest.mark.django_db
def test_it_writes_text_money_dates_json_and_nulls_exactly():
    rows = phones(3)
    rows[0].incoming_status, rows[0].incoming_alternates = "major_outage", ["+911139585476"]
    rows[1].rental_price, rows[1].voice_url = Decimal("1499.500001"), None
    rows[2].incoming_checked_at, rows[2].sms_capable = NOW, None
    rows[2].voice_url = "https://my.exotel.com/Acme/exoml/start_voice/1"
    fields = [
        "incoming_status", "incoming_alternates", "rental_price", "voice_url",
        "incoming_checked_at", "sms_capable",
    ]  # fmt: skip

    bulk_update_rows(rows, fields)

    stored = {p.sid: p for p in ExoPhone.objects.all()}
    for row in rows:
        assert [getattr(stored[row.sid], f) for f in fields] == [getattr(row, f) for f in fields]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite uses Django's bulk methods, batched by SQLite's variable limit",
)
@pytest.mark.django_db
def test_on_postgresql_a_few_rows_or_a_thousand_take_one_statement_each_way():
    for count in (3, 1000):
        ExoPhone.objects.all().delete()
        Account.objects.all().delete()
        rows = new_phones(count)

        with CaptureQueriesContext(connection) as inserts:
            bulk_insert_rows(rows)
        for row in rows:
            row.connectivity_observed_at = NOW
        with CaptureQueriesContext(connection) as updates:
            bulk_update_rows(rows, ["connectivity_observed_at"])

        assert (len(inserts.captured_queries), len(updates.captured_queries)) == (1, 1)
        assert ExoPhone.objects.filter(connectivity_observed_at=NOW).count() == count


@pytest.mark.django_db
def test_nothing_to_write_sends_nothing():
    with CaptureQueriesContext(connection) as queries:
        bulk_update_rows([], ["incoming_status"])
        bulk_insert_rows([])

    assert queries.captured_queries == []
