"""Exotel's Heartbeat over HTTP (views.heartbeat, services.heartbeat): bodies
shaped as Exotel's developer docs give them, each with its written outcome.

Time stands at T0 (06:00 UTC) unless a test moves it; the account "acme" has
three numbers observed active at T0 by a sweep."""

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from exoinventory.exotel.heartbeat import MAX_BODY_BYTES
from exoinventory.numbers.cadence import HEARTBEAT_FRESH_PERIODS, account_cadence
from exoinventory.numbers.models import (
    ConnectivityRun,
    Direction,
    ExoPhone,
    Heartbeat,
)
from exoinventory.numbers.selectors.freshness import Freshness
from exoinventory.numbers.selectors.outages import number_outages
from exoinventory.numbers.services.observations import RunChanges, observe
from exoinventory.numbers.services.sweep import sweep_targets
from tests.factories import T0, make_account, make_connectivity_run, make_exophone, make_user
from tests.test_tasks import broker, queued_tasks  # noqa: F401 - the Redis broker fixture

pytestmark = pytest.mark.django_db

SECRET = "hb-Zq4RkT9wXy2Lm8Np3Vb6Cd1Ef5Gh7Jk0"  # distinctive, so a leak is easy to find
URL = f"/webhooks/exotel/heartbeat/{SECRET}/"
IN, OUT = Direction.INCOMING, Direction.OUTGOING


@pytest.fixture(autouse=True)
def _configured(settings) -> Iterator[None]:
    settings.EXOTEL_ACCOUNTS = "https://key:token@api.exotel.com/acme"
    settings.EXOTEL_HEARTBEAT_TOKENS = {"acme": SECRET}
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 50
    settings.SYNC_INTERVAL_MINUTES = 5
    settings.LISTING_INTERVAL_MINUTES = 60
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def numbers() -> list[ExoPhone]:
    account = make_account(sid="acme")
    phones = [make_exophone(account=account) for _ in range(3)]
    for phone in phones:
        for direction in (IN, OUT):
            make_connectivity_run(
                exophone=phone,
                status="active",
                first=T0 - timedelta(minutes=30),
                last=T0 - timedelta(minutes=1),
                direction=direction,
                is_current=True,
                sources="sweep",
            )
    return phones


def body(
    status_type: str = "OK",
    *,
    at: datetime = T0,
    incoming: list[str] = (),
    outgoing: list[str] = (),
    phones: list[ExoPhone] = (),
    extra: dict[str, str] | None = None,
) -> dict:
    """A heartbeat as Exotel documents it: `data` has every number, sids as keys."""
    data = {phone.sid: {"phone_number": phone.phone_number} for phone in phones}
    data.update({sid: {"phone_number": number} for sid, number in (extra or {}).items()})
    return {
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "status_type": status_type,
        "incoming_affected": list(incoming),
        "outgoing_affected": list(outgoing),
        "data": data,
    }


def post(payload: dict | bytes, url: str = URL):
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return Client().post(url, data=raw, content_type="application/json")


def statuses(phone: ExoPhone) -> tuple[str, str]:
    phone.refresh_from_db()
    return phone.incoming_status, phone.outgoing_status


def current_run(phone: ExoPhone, direction: str) -> ConnectivityRun:
    return ConnectivityRun.objects.get(exophone=phone, direction=direction, is_current=True)


def test_ok_observes_every_number_active_and_extends_their_runs(numbers) -> None:
    at = T0 + timedelta(seconds=30)
    with time_machine.travel(at + timedelta(seconds=2), tick=False):
        response = post(body("OK", at=at, phones=numbers))

    assert response.status_code == 200
    assert response.json() == {
        "recorded": True,
        "numbers_observed": 3,
        "unknown_sids": 0,
        "sweep_started": False,
    }
    for phone in numbers:
        assert statuses(phone) == ("active", "active")
        assert phone.connectivity_observed_at == at
        run = current_run(phone, IN)
        assert (run.first_observed_at, run.last_observed_at) == (T0 - timedelta(minutes=30), at)
        assert run.sources == "heartbeat,sweep"
    assert ConnectivityRun.objects.count() == 6
    heartbeat = Heartbeat.objects.get()
    assert (heartbeat.timestamp, heartbeat.status_type, heartbeat.numbers_observed) == (
        at,
        "OK",
        3,
    )


def test_warning_downs_each_number_only_in_its_affected_directions(numbers) -> None:
    a, b, c = numbers

    post(body("WARNING", incoming=[a.sid, b.sid], outgoing=[b.sid], phones=numbers))

    assert statuses(a) == ("major_outage", "active")
    assert statuses(b) == ("major_outage", "major_outage")
    assert statuses(c) == ("active", "active")
    opened = current_run(a, IN)
    assert (opened.status, opened.first_observed_at, opened.sources) == (
        "major_outage",
        T0,
        "heartbeat",
    )
    closed = ConnectivityRun.objects.get(exophone=a, direction=IN, is_current=False)
    assert closed.last_observed_at == T0 - timedelta(minutes=1)
    heartbeat = Heartbeat.objects.get()
    assert (heartbeat.incoming_affected, heartbeat.outgoing_affected) == (2, 1)


def test_critical_downs_every_number_in_both_directions_whatever_the_lists_say(numbers) -> None:
    post(body("CRITICAL", incoming=[numbers[0].sid], phones=numbers))

    assert [statuses(phone) for phone in numbers] == [("major_outage", "major_outage")] * 3
    heartbeat = Heartbeat.objects.get()
    assert (heartbeat.incoming_affected, heartbeat.outgoing_affected) == (3, 3)


def test_a_number_affected_keeps_the_outage_word_and_alternates_the_sweep_saw(numbers) -> None:
    phone = numbers[0]
    ExoPhone.objects.filter(pk=phone.pk).update(
        incoming_status="partial_network_outage", incoming_alternates=["+911139585476"]
    )
    ConnectivityRun.objects.filter(exophone=phone, direction=IN).update(
        status="partial_network_outage", alternates=["+911139585476"]
    )

    post(body("WARNING", incoming=[phone.sid], phones=numbers))

    run = current_run(phone, IN)
    assert (run.status, run.alternates, run.last_observed_at) == (
        "partial_network_outage",
        ["+911139585476"],
        T0,
    )
    assert ConnectivityRun.objects.filter(exophone=phone, direction=IN).count() == 1


def test_payload_too_large_is_recorded_and_starts_a_sweep(
    numbers,
    broker,  # noqa: F811 - the fixture imported above
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post({"timestamp": "2026-11-22T06:00:00Z", "status_type": "PAYLOAD_TOO_LARGE"})

    assert response.status_code == 200
    assert response.json()["sweep_started"] is True
    assert [(name, args) for name, args, _ in queued_tasks(broker, "celery")] == [
        ("numbers.sweep_account", ["acme"])
    ]
    heartbeat = Heartbeat.objects.get()
    assert (heartbeat.status_type, heartbeat.observed_at) == ("PAYLOAD_TOO_LARGE", None)
    # It observed nothing: the runs are as the sweep left them.
    assert current_run(numbers[0], IN).last_observed_at == T0 - timedelta(minutes=1)


def test_an_unknown_sid_is_counted_and_shown_on_the_overview(numbers, client) -> None:
    response = post(
        body("WARNING", incoming=["09999999999"], phones=numbers, extra={"0888": "+918888"})
    )

    assert response.json()["unknown_sids"] == 2
    assert Heartbeat.objects.get().unknown_sids == 2
    assert [statuses(phone) for phone in numbers] == [("active", "active")] * 3
    client.force_login(make_user("root", is_superuser=True))
    page = client.get("/admin/").content.decode()
    assert "2 sids named that are none of our numbers" in page
    assert "Last Exotel heartbeat" in page


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"timestamp": "2026-11-22T06:00:00Z", "status_type": "OK"', "the body is not JSON"),
        (b"[]", "the body must be a JSON object, not list"),
        (b'{"status_type": "OK"}', "timestamp: expected an RFC 3339 date string"),
        (b'{"timestamp": "yesterday", "status_type": "OK"}', "timestamp: "),
        (b'{"timestamp": "2026-11-22T06:00:00Z", "status_type": "FINE"}', "status_type must be"),
        (
            b'{"timestamp": "2026-11-22T06:00:00Z", "status_type": "WARNING",'
            b' "incoming_affected": [1]}',
            "incoming_affected must hold sids as strings",
        ),
        (
            b'{"timestamp": "2026-11-22T06:00:00Z", "status_type": "OK", "data": {"01": 5}}',
            "must be an object with a phone_number",
        ),
    ],
)
def test_a_body_that_is_not_a_heartbeat_is_refused_with_one_line(numbers, raw, reason) -> None:
    response = post(raw)

    assert response.status_code == 400
    assert reason in response.json()["reason"]
    assert "\n" not in response.json()["reason"]
    assert not Heartbeat.objects.exists()


def test_a_body_over_10_mb_is_refused_with_413_and_changes_nothing(numbers) -> None:
    payload = body("OK", phones=numbers)
    payload["padding"] = "x" * MAX_BODY_BYTES

    response = post(payload)

    assert response.status_code == 413
    assert not Heartbeat.objects.exists()
    assert current_run(numbers[0], IN).last_observed_at == T0 - timedelta(minutes=1)


@pytest.mark.parametrize("method", ["POST", "GET", "PUT"])
@pytest.mark.parametrize(
    "secret", ["wrong", SECRET[:-1], SECRET + "x", SECRET.upper(), "1"], ids=repr
)
def test_a_wrong_token_is_404_and_nothing_is_recorded(numbers, secret, method) -> None:
    response = Client().generic(
        method,
        f"/webhooks/exotel/heartbeat/{secret}/",
        json.dumps(body("CRITICAL", phones=numbers)),
        content_type="application/json",
    )

    assert response.status_code == 404
    assert not Heartbeat.objects.exists()
    assert statuses(numbers[0]) == ("active", "active")


def test_the_right_token_takes_only_post(numbers) -> None:
    response = Client().get(URL)

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_a_token_of_an_account_no_longer_configured_is_404(numbers, settings) -> None:
    settings.EXOTEL_ACCOUNTS = ""

    assert post(body("CRITICAL", phones=numbers)).status_code == 404
    assert not Heartbeat.objects.exists()


@pytest.mark.parametrize("second", [T0, T0 - timedelta(minutes=1)], ids=["replayed", "older"])
def test_a_replayed_or_older_timestamp_changes_nothing(numbers, second) -> None:
    post(body("OK", phones=numbers))
    before = list(ConnectivityRun.objects.order_by("pk").values())

    response = post(body("CRITICAL", at=second, phones=numbers))

    assert response.status_code == 200
    assert response.json()["recorded"] is False
    assert list(ConnectivityRun.objects.order_by("pk").values()) == before
    assert [statuses(phone) for phone in numbers] == [("active", "active")] * 3
    assert Heartbeat.objects.get().status_type == "OK"


def test_a_timestamp_ahead_of_our_clock_observes_at_arrival(numbers) -> None:
    post(body("OK", at=T0 + timedelta(hours=1), phones=numbers))

    assert current_run(numbers[0], IN).last_observed_at == T0
    assert Heartbeat.objects.get().timestamp == T0 + timedelta(hours=1)


def test_with_heartbeats_every_minute_a_three_minute_outage_lasts_three_minutes(numbers) -> None:
    phone = numbers[0]
    minute = timedelta(minutes=1)
    for n, affected in enumerate([False, False, True, True, True, False, False]):
        at = T0 + n * minute
        with time_machine.travel(at, tick=False):
            response = post(
                body("WARNING" if affected else "OK", at=at, incoming=[phone.sid] * affected)
            )
            assert response.json()["recorded"] is True

    now = T0 + 7 * minute
    outages = number_outages(exophone=phone, since=T0, until=now, now=now)

    [incident] = outages.incidents
    assert (incident.status, incident.started_at, incident.ended_at) == (
        "major_outage",
        T0 + 2 * minute,
        T0 + 5 * minute,
    )
    assert incident.duration_seconds == 180
    assert [(piece.status, piece.end - piece.start) for piece in outages.lanes[IN]] == [
        ("active", 2 * minute),
        ("major_outage", 3 * minute),
        ("active", 2 * minute),
    ]


def test_freshness_follows_the_heartbeats_while_they_arrive_and_the_sweep_after(numbers) -> None:
    account_id = numbers[0].account_id
    sweep_window = account_cadence(3).fresh_for
    for n in range(2):
        at = T0 + timedelta(minutes=n)
        with time_machine.travel(at, tick=False):
            post(body("OK", at=at, phones=numbers))

    arriving = Freshness.at(T0 + timedelta(minutes=2)).cadence(account_id)
    stopped = Freshness.at(T0 + timedelta(minutes=5)).cadence(account_id)

    assert arriving.heartbeat_period == timedelta(minutes=1)
    assert arriving.fresh_for == HEARTBEAT_FRESH_PERIODS * timedelta(minutes=1)
    assert stopped.heartbeat_period is None
    assert stopped.fresh_for == sweep_window


def test_the_overview_warns_when_heartbeats_stop(numbers, client) -> None:
    for n in range(2):
        at = T0 + timedelta(minutes=n)
        with time_machine.travel(at, tick=False):
            post(body("OK", at=at, phones=numbers))
    client.force_login(make_user("root", is_superuser=True))

    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        arriving = client.get("/admin/").content.decode()
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        stopped = client.get("/admin/").content.decode()

    assert "Heartbeats have stopped" not in arriving
    assert "Heartbeats have stopped: none for 4" in stopped
    assert "one was expected every 1 min" in stopped


def test_the_statements_of_a_heartbeat_do_not_grow_with_the_number_of_numbers(numbers) -> None:
    def statements(at: datetime, affected: ExoPhone) -> int:
        """A heartbeat that closes, extends and opens runs: each kind of write."""
        phones = list(ExoPhone.objects.all())
        with CaptureQueriesContext(connection) as captured, time_machine.travel(at, tick=False):
            post(body("WARNING", at=at, incoming=[affected.sid], phones=phones))
        return len(captured.captured_queries)

    post(body("OK", phones=numbers))
    few = statements(T0 + timedelta(minutes=1), numbers[0])
    for _ in range(40):
        make_exophone(account=numbers[0].account)
    many = statements(T0 + timedelta(minutes=2), numbers[1])

    assert few == many
    assert ExoPhone.objects.filter(connectivity_observed_at=T0 + timedelta(minutes=2)).count() == 43


def test_the_secret_is_in_no_row_and_no_answer(numbers) -> None:
    answers = [post(body("OK", phones=numbers)), post(b"{"), post(b"x" * 10)]

    for answer in answers:
        assert SECRET not in answer.content.decode()
    for model_rows in (Heartbeat.objects.values(), ConnectivityRun.objects.values()):
        assert SECRET not in str(list(model_rows))


# --- The sweep while heartbeats arrive (services.sweep.sweep_targets)


def test_while_heartbeats_arrive_the_sweep_asks_only_what_they_cannot_tell(numbers) -> None:
    down = numbers[0]
    ExoPhone.objects.filter(pk=down.pk).update(outgoing_status="major_outage")
    new = make_exophone(account=down.account, connectivity_attempted_at=None)
    current = ExoPhone.objects.filter(released_at__isnull=True)

    covered = sweep_targets(current, allotment=10, listed_since=None, heartbeats=True)
    alone = sweep_targets(current, allotment=10, listed_since=None, heartbeats=False)

    assert [phone.pk for phone in covered] == [down.pk, new.pk]
    assert {phone.pk for phone in alone} == {phone.pk for phone in [*numbers, new]}


def test_an_observation_older_than_the_current_runs_latest_changes_nothing(numbers) -> None:
    phone = numbers[0]
    run = current_run(phone, IN)
    changes = RunChanges(cadence=account_cadence(3), source="sweep")

    applied = observe(
        changes,
        phone,
        IN,
        status="major_outage",
        alternates=None,
        checked_at=None,
        current=run,
        observed_at=run.last_observed_at - timedelta(seconds=1),
    )

    assert applied is False
    assert (changes.new_runs, changes.extended_runs, changes.closed_runs) == ([], [], [])
    assert phone.incoming_status == "active"
