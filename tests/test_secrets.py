"""The Exotel key and token are found nowhere but in the environment: after
syncs with faults, the admin, every report and export, the logs, the
command's output, every row of the database and the Celery messages are
searched for them, and hold none."""

import base64
import io
import json
import logging
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from exoinventory.numbers.tasks import list_all_accounts, sweep_all_accounts
from exoinventory.simulator import ExotelSimulator
from tests.factories import make_user
from tests.test_access import URLS

# Distinctive, so a hit is never a coincidence.
KEY = "keyQ3v-DISTINCT-8812"
TOKEN = "tokZ9x-NEVERSHOWN-4471"
SECRETS = (KEY, TOKEN)
REPORTS = ("/reports/costs/", "/reports/flows/", "/reports/numbers/", "/reports/outages/")

pytestmark = pytest.mark.django_db


@pytest.fixture
def simulator(settings) -> Iterator[ExotelSimulator]:
    with ExotelSimulator(numbers=12, seed=9, accounts=["Acme"], key=KEY, token=TOKEN) as sim:
        settings.EXOTEL_ACCOUNTS = sim.exotel_accounts
        settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 100_000
        settings.REDIS_URL = ""
        yield sim


def found_in(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def sync_with_faults(simulator: ExotelSimulator) -> str:
    """Syncs that fail in each way the client reports, then a clean one:
    what the command printed."""
    out, err = io.StringIO(), io.StringIO()
    faults = (
        lambda: simulator.fail_next(3, status=503),
        lambda: simulator.fail_next(1, status=401),
        lambda: simulator.fail_next(1, status=403),
        lambda: simulator.malformed_body_next(3),
        lambda: simulator.fail_listing_at_page(1),
        lambda: None,
    )
    for fault in faults:
        fault()
        try:
            call_command("sync_exophones", stdout=out, stderr=err)
        except CommandError as error:  # a failed account: exit status 1, one line
            err.write(str(error))
        simulator.reset_faults()
    return out.getvalue() + err.getvalue()


def database_text() -> str:
    """Every row of every table, as JSON text."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" t')  # noqa: S608
            rows += [row for (row,) in cursor.fetchall()]
    return "\n".join(rows)


def test_the_key_and_token_are_nowhere_after_syncs_with_faults(
    simulator: ExotelSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    printed = sync_with_faults(simulator)

    assert "failed" in printed.lower() or "503" in printed  # the faults were met
    assert found_in(printed) == []
    assert found_in(caplog.text) == []
    assert found_in(database_text()) == []

    client = Client()
    client.force_login(make_user("root", is_superuser=True))
    pages = [*URLS, *REPORTS]
    pages += [f"{report}?format={fmt}" for report in REPORTS for fmt in ("csv", "json")]
    for url in pages:
        response = client.get(url)
        body = b"".join(response) if response.streaming else response.content
        assert found_in(body.decode(errors="replace")) == [], url
    assert found_in(caplog.text) == []


def test_celery_messages_carry_account_sids_never_credentials(
    simulator: ExotelSimulator,
) -> None:
    broker_url = settings.CELERY_BROKER_URL
    if not broker_url.startswith("redis://"):
        pytest.skip(f"CELERY_BROKER_URL is {broker_url}, not Redis")
    broker = redis.Redis.from_url(broker_url)
    try:
        broker.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {broker_url} (.ci/run starts one)")
    broker.flushdb()
    try:
        # The fan-out queues one task per account, as beat's ticks do.
        list_all_accounts()
        sweep_all_accounts()
        messages = [raw for queue in ("celery", "listing") for raw in broker.lrange(queue, 0, -1)]
        assert messages  # both fan-outs queued their tasks
        for raw in messages:
            text = raw.decode()
            body = base64.b64decode(json.loads(text)["body"]).decode()
            assert found_in(text + body) == []
            assert "Acme" in body
    finally:
        broker.flushdb()
