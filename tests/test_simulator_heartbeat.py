"""The simulator's Exotel Heartbeat (simulator.heartbeat): the body it builds
from its connectivity, and its POSTs over real HTTP to the web app's webhook."""

import json
from collections.abc import Iterator

import pytest

from exoinventory.exotel.heartbeat import parse_heartbeat
from exoinventory.numbers.models import ConnectivityRun, ExoPhone, Heartbeat, SyncRun
from exoinventory.numbers.services.listing import exophones_list
from exoinventory.simulator import ExotelSimulator
from exoinventory.simulator.heartbeat import HeartbeatSender, heartbeat_body
from tests.test_sync import ACCOUNT, account, fast_client  # noqa: F401 - the account fixture

SECRET = "sim-Hb2Lq9Wd4Xr7Kp1Nv6Tz3Bc8Mf5Gj0Ys"


@pytest.fixture
def simulator() -> Iterator[ExotelSimulator]:
    with ExotelSimulator(numbers=6, seed=3, accounts=[ACCOUNT], evolve=False) as sim:
        for item in sim.numbers(ACCOUNT):
            for direction in ("incoming", "outgoing"):
                sim.set_connectivity(ACCOUNT, item["sid"], direction, status="active")
        yield sim


def test_all_active_is_ok_and_the_body_is_a_heartbeat_as_exotel_documents_it(simulator) -> None:
    body = heartbeat_body(simulator, ACCOUNT)
    report = parse_heartbeat(json.dumps(body).encode())

    assert report.status_type == "OK"
    assert (body["incoming_affected"], body["outgoing_affected"]) == ([], [])
    assert body["data"] == {
        item["sid"]: {"phone_number": item["phone_number"]} for item in simulator.numbers(ACCOUNT)
    }


def test_numbers_not_active_are_affected_in_their_direction(simulator) -> None:
    first, second = (item["sid"] for item in simulator.numbers(ACCOUNT)[:2])
    simulator.set_connectivity(ACCOUNT, first, "incoming", status="major_outage")
    simulator.set_connectivity(ACCOUNT, second, "outgoing", status="partial_network_outage")

    body = heartbeat_body(simulator, ACCOUNT)

    assert body["status_type"] == "WARNING"
    assert (body["incoming_affected"], body["outgoing_affected"]) == ([first], [second])


def test_every_number_down_both_ways_is_critical(simulator) -> None:
    for item in simulator.numbers(ACCOUNT):
        for direction in ("incoming", "outgoing"):
            simulator.set_connectivity(ACCOUNT, item["sid"], direction, status="major_outage")

    assert heartbeat_body(simulator, ACCOUNT)["status_type"] == "CRITICAL"


def test_a_period_of_zero_is_refused(simulator) -> None:
    with pytest.raises(ValueError, match="above 0 seconds"):
        HeartbeatSender(simulator, account_sid=ACCOUNT, url="http://127.0.0.1:9/", every=0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")
def test_the_sender_posts_to_the_webhook_and_the_numbers_are_observed(
    simulator,
    account,  # noqa: F811 - the fixture imported above
    live_server,
    settings,
) -> None:
    settings.EXOTEL_HEARTBEAT_TOKENS = {ACCOUNT: SECRET}
    exophones_list(account=account, trigger=SyncRun.Trigger.COMMAND, client=fast_client(account))
    down = simulator.numbers(ACCOUNT)[0]["sid"]
    simulator.set_connectivity(ACCOUNT, down, "incoming", status="major_outage")
    url = f"{live_server.url}/webhooks/exotel/heartbeat/{SECRET}/"

    sent = HeartbeatSender(simulator, account_sid=ACCOUNT, url=url).send()
    refused = HeartbeatSender(simulator, account_sid=ACCOUNT, url=url.replace("sim-", "")).send()

    assert (sent, refused) == (200, 404)
    heartbeat = Heartbeat.objects.get()
    assert (heartbeat.status_type, heartbeat.numbers_observed, heartbeat.unknown_sids) == (
        "WARNING",
        6,
        0,
    )
    assert ExoPhone.objects.get(sid=down).incoming_status == "major_outage"
    assert set(ConnectivityRun.objects.values_list("sources", flat=True)) == {"heartbeat"}
    assert ConnectivityRun.objects.count() == 12
