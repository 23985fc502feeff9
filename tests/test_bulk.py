"""bulk_update_rows writes every field type the sync updates, exactly, in a fixed
number of statements."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exoinventory.numbers.models import Account, ExoPhone
from exoinventory.numbers.services.bulk import bulk_update_rows

NOW = datetime(2026, 11, 22, 10, 30, 15, 123456, tzinfo=UTC)


def phones(count: int) -> list[ExoPhone]:
    account = Account.objects.create(sid="Acme", api_host="api.exotel.com")
    return ExoPhone.objects.bulk_create(
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
    reason="SQLite uses Django's bulk_update, batched by SQLite's variable limit",
)
@pytest.mark.django_db
def test_on_postgresql_it_sends_one_statement_for_a_few_rows_or_a_thousand():
    for count in (3, 1000):
        ExoPhone.objects.all().delete()
        Account.objects.all().delete()
        rows = phones(count)
        for row in rows:
            row.connectivity_observed_at = NOW

        with CaptureQueriesContext(connection) as queries:
            bulk_update_rows(rows, ["connectivity_observed_at"])

        assert len(queries.captured_queries) == 1
        assert ExoPhone.objects.filter(connectivity_observed_at=NOW).count() == count


@pytest.mark.django_db
def test_nothing_to_write_sends_nothing():
    with CaptureQueriesContext(connection) as queries:
        bulk_update_rows([], ["incoming_status"])

    assert queries.captured_queries == []
