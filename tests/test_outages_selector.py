"""The outage rules and reads (selectors.outage_rules, outage_spans, outages)
against answers worked out by hand.

Time stands at T0 (06:00 UTC). At 50 requests a minute and a sweep every 5
minutes, a small account re-checks every number each sweep: its statuses
stay fresh for 10 minutes, so a run's span ends at most 10 minutes after its
last observation. The window is the two hours before T0 unless a test says
otherwise."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from exoinventory.numbers.models import Direction, ExoPhone
from exoinventory.numbers.selectors.freshness import Freshness
from exoinventory.numbers.selectors.outage_rules import Incident, LanePiece, OutageWindow, Uptime
from exoinventory.numbers.selectors.outages import (
    OutageFilters,
    circle_uptimes,
    number_outages,
    numbers_down_now,
    outage_page,
    outage_rows,
)
from tests.factories import T0, make_account, make_connectivity_run, make_exophone

pytestmark = pytest.mark.django_db

IN, OUT = Direction.INCOMING, Direction.OUTGOING
WINDOW = OutageWindow(since=T0 - timedelta(hours=2), until=T0, now=T0)
TWO_HOURS = 7200


@pytest.fixture(autouse=True)
def _frozen_time(settings) -> Iterator[None]:
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 50
    settings.SYNC_INTERVAL_MINUTES = 5
    settings.LISTING_INTERVAL_MINUTES = 60
    with time_machine.travel(T0, tick=False):
        yield


def at(minutes: int) -> datetime:
    """`minutes` before T0 (negative: after it)."""
    return T0 - timedelta(minutes=minutes)


def run(
    phone: ExoPhone,
    status: str,
    first: int,
    last: int | None = None,
    direction: str = IN,
    **fields: object,
) -> None:
    """A run observed from `first` to `last` minutes before T0."""
    make_connectivity_run(
        exophone=phone,
        status=status,
        first=at(first),
        last=at(first if last is None else last),
        direction=direction,
        is_current=fields.pop("is_current", False),
        **fields,
    )


def outages_of(phone: ExoPhone, window: OutageWindow = WINDOW):
    return number_outages(exophone=phone, since=window.since, until=window.until, now=window.now)


def incident(**fields: object) -> Incident:
    """An incident with the usual defaults: inside the window, ended, not seen once."""
    defaults: dict[str, object] = {
        "direction": IN,
        "status": "major_outage",
        "began_before_window": False,
        "lasted_past_window": False,
        "followed_by": "active",
        "seen_once_at": None,
    }
    defaults.update(fields)
    defaults.setdefault("end", defaults["ended_at"])
    return Incident(**defaults)


# --- Spans and uptime


def test_uptime_counts_observed_time_only_and_a_long_silence_is_no_data() -> None:
    phone = make_exophone()
    run(phone, "active", 120, 100)  # until the next observation, 5 minutes later: 25 min
    run(phone, "major_outage", 95)  # seen once; the next came 5 minutes later: 5 min
    run(phone, "active", 90, 70)  # nothing for 30 minutes: 10 minutes past its last, 30 min
    run(phone, "active", 40, 2, is_current=True)  # fresh now: up to now, 40 min

    outages = outages_of(phone)

    assert outages.lanes[IN] == [
        LanePiece("active", at(120), at(95)),
        LanePiece("major_outage", at(95), at(90)),
        LanePiece("active", at(90), at(60)),
        LanePiece("", at(60), at(40)),
        LanePiece("active", at(40), T0),
    ]
    assert outages.uptime[IN] == Uptime(
        observed_seconds=100 * 60, active_seconds=95 * 60, window_seconds=TWO_HOURS
    )
    assert outages.uptime[IN].uptime_percent == Decimal("95.00")
    assert outages.uptime[IN].down_seconds == 300
    assert outages.uptime[IN].observed_percent == Decimal("83.33")  # 100 of 120 minutes
    assert outages.incidents == [incident(started_at=at(95), ended_at=at(90), seen_once_at=at(95))]


def test_a_direction_never_observed_is_no_data_all_along_with_no_uptime() -> None:
    phone = make_exophone()
    run(phone, "active", 120, 2, is_current=True)

    outages = outages_of(phone)

    assert outages.lanes[OUT] == [LanePiece("", WINDOW.since, T0)]
    assert outages.uptime[OUT].uptime_percent is None
    assert outages.uptime[OUT].observed_percent == 0
    assert outages.uptime[IN].uptime_percent == 100


def test_a_run_seen_once_lasts_until_the_next_observation_within_fresh_for() -> None:
    phone = make_exophone()
    run(phone, "partial_network_outage", 60)
    run(phone, "active", 52, 2, is_current=True)

    (only,) = outages_of(phone).incidents

    assert (only.started_at, only.ended_at, only.duration_seconds) == (at(60), at(52), 480)
    assert only.seen_once_at == at(60)


def test_a_run_seen_once_with_nothing_after_it_says_so_and_lasts_while_fresh() -> None:
    phone = make_exophone()
    run(phone, "major_outage", 4, is_current=True)

    (ongoing,) = outages_of(phone).incidents

    assert ongoing.seen_once_at == at(4)
    assert ongoing.ended_at is None
    assert ongoing.duration_seconds == 240


def test_a_current_run_observed_too_long_ago_ends_fresh_for_after_it_then_no_data() -> None:
    phone = make_exophone()
    run(phone, "major_outage", 50, 30, is_current=True)

    outages = outages_of(phone)

    assert outages.incidents == [incident(started_at=at(50), ended_at=at(20), followed_by="")]
    assert outages.lanes[IN][-1] == LanePiece("", at(20), T0)


def test_a_released_numbers_status_ends_at_its_release() -> None:
    phone = make_exophone(released_at=at(25), incoming_status="", outgoing_status="")
    run(phone, "major_outage", 40, 30)

    outages = outages_of(phone)

    assert outages.incidents == [incident(started_at=at(40), ended_at=at(25), followed_by="")]
    assert outages.status_now == {IN: None, OUT: None}


# --- Incidents


def test_an_incident_crossing_the_windows_start_is_clipped_and_says_so() -> None:
    phone = make_exophone()
    run(phone, "major_outage", 180, 100)
    run(phone, "active", 95, 2, is_current=True)

    assert outages_of(phone).incidents == [
        incident(started_at=WINDOW.since, ended_at=at(95), began_before_window=True)
    ]


def test_an_incident_crossing_the_windows_end_is_clipped_and_says_so() -> None:
    phone = make_exophone()
    run(phone, "major_outage", 70, 50)
    run(phone, "active", 45, 2, is_current=True)
    earlier = OutageWindow(since=at(120), until=at(60), now=T0)

    assert outages_of(phone, earlier).incidents == [
        incident(started_at=at(70), ended_at=at(60), lasted_past_window=True, followed_by=None)
    ]


def test_an_ongoing_incident_has_no_end_and_lasts_until_now() -> None:
    phone = make_exophone(incoming_status="partial_network_outage", connectivity_observed_at=at(3))
    run(phone, "active", 120, 35)
    run(phone, "partial_network_outage", 30, 3, is_current=True)

    outages = outages_of(phone)

    assert outages.incidents == [
        incident(
            status="partial_network_outage",
            started_at=at(30),
            ended_at=None,
            end=T0,
            followed_by=None,
        )
    ]
    assert outages.incidents[0].duration_seconds == 1800
    assert outages.status_now[IN] == "partial_network_outage"


def test_an_ongoing_incident_in_a_past_window_is_still_ongoing_and_clipped() -> None:
    phone = make_exophone(incoming_status="major_outage", connectivity_observed_at=at(1))
    run(phone, "major_outage", 90, 1, is_current=True)
    earlier = OutageWindow(since=at(120), until=at(60), now=T0)

    (ongoing,) = outages_of(phone, earlier).incidents

    assert (ongoing.started_at, ongoing.ended_at, ongoing.end) == (at(90), None, at(60))
    assert ongoing.lasted_past_window
    assert ongoing.duration_seconds == 1800


def test_adjacent_runs_of_the_same_status_are_one_incident() -> None:
    phone = make_exophone()
    run(phone, "major_outage", 60, 50, alternates=["+911100000001"])
    run(phone, "major_outage", 45, 30, alternates=["+911100000002"])  # only alternates changed
    run(phone, "active", 25, 2, is_current=True)

    assert outages_of(phone).incidents == [incident(started_at=at(60), ended_at=at(25))]


def test_the_same_status_after_a_silence_is_another_incident() -> None:
    phone = make_exophone()
    run(phone, "major_outage", 100, 90)
    run(phone, "major_outage", 60, 50)  # 30 minutes without an observation in between
    run(phone, "active", 45, 2, is_current=True)

    assert outages_of(phone).incidents == [
        incident(started_at=at(100), ended_at=at(80), followed_by=""),
        incident(started_at=at(60), ended_at=at(45)),
    ]


def test_one_outage_status_after_another_is_two_incidents() -> None:
    phone = make_exophone()
    run(phone, "partial_network_outage", 60, 50)
    run(phone, "major_outage", 45, 30)
    run(phone, "active", 25, 2, is_current=True)

    assert outages_of(phone).incidents == [
        incident(
            status="partial_network_outage",
            started_at=at(60),
            ended_at=at(45),
            followed_by="major_outage",
        ),
        incident(started_at=at(45), ended_at=at(25)),
    ]


def test_a_status_word_we_do_not_know_is_an_incident_as_sent() -> None:
    phone = make_exophone(incoming_status="network_degraded", connectivity_observed_at=at(1))
    run(phone, "active", 60, 25)
    run(phone, "network_degraded", 20, 1, is_current=True)
    freshness = Freshness.at(T0)

    outages = outages_of(phone)
    down = numbers_down_now(filters=OutageFilters(), window=WINDOW, freshness=freshness)
    filtered = outage_page(
        filters=OutageFilters(status="network_degraded"),
        window=WINDOW,
        freshness=freshness,
        page=1,
    )

    assert [i.status for i in outages.incidents] == ["network_degraded"]
    assert outages.uptime[IN].down_seconds == 20 * 60
    assert [number.pk for number in down.numbers] == [phone.pk]
    assert [number.pk for number in filtered.object_list] == [phone.pk]


# --- The report's numbers


def test_numbers_with_an_incident_come_first_then_by_phone_number() -> None:
    quiet_a = make_exophone(phone_number="+911100000001")
    troubled = make_exophone(phone_number="+911100000009")
    quiet_b = make_exophone(phone_number="+911100000005")
    for phone in (quiet_a, quiet_b):
        run(phone, "active", 120, 2, is_current=True)
    run(troubled, "active", 120, 40)
    run(troubled, "major_outage", 35, 30, direction=OUT)
    old = make_exophone(phone_number="+911100000000")
    run(old, "major_outage", 300, 200)  # long before the window: not in it

    page = outage_page(filters=OutageFilters(), window=WINDOW, freshness=Freshness.at(T0), page=1)

    assert [n.phone_number for n in page.object_list] == [
        "+911100000009",
        "+911100000000",
        "+911100000001",
        "+911100000005",
    ]


def test_the_direction_filter_keeps_that_direction_only() -> None:
    phone = make_exophone()
    run(phone, "major_outage", 35, 30, direction=OUT)
    run(phone, "active", 120, 2, is_current=True)
    filters = OutageFilters(direction=IN)

    page = outage_page(filters=filters, window=WINDOW, freshness=Freshness.at(T0), page=1)

    (number,) = page.object_list
    assert list(number.uptime) == [IN]
    assert number.incidents == []


def test_the_status_filter_keeps_numbers_with_an_incident_of_that_status() -> None:
    partial = make_exophone(phone_number="+911100000001")
    major = make_exophone(phone_number="+911100000002")
    ended_before = make_exophone(phone_number="+911100000003")
    run(partial, "partial_network_outage", 60, 50)
    run(major, "major_outage", 60, 50)
    run(ended_before, "major_outage", 200, 140)
    run(ended_before, "active", 135, 2, is_current=True)
    filters = OutageFilters(status="major_outage")

    page = outage_page(filters=filters, window=WINDOW, freshness=Freshness.at(T0), page=1)

    assert [n.phone_number for n in page.object_list] == ["+911100000002"]


def test_down_now_is_the_status_now_by_the_freshness_rule_and_never_a_released_number() -> None:
    down = make_exophone(phone_number="+911100000001", incoming_status="major_outage")
    make_exophone(phone_number="+911100000002")  # active
    make_exophone(  # down, but observed too long ago: no data
        phone_number="+911100000003",
        outgoing_status="major_outage",
        connectivity_observed_at=at(11),
    )
    make_exophone(  # released
        phone_number="+911100000004",
        incoming_status="major_outage",
        released_at=at(1),
    )
    freshness = Freshness.at(T0)

    shown = numbers_down_now(filters=OutageFilters(), window=WINDOW, freshness=freshness)
    only_down = outage_page(
        filters=OutageFilters(down_now=True), window=WINDOW, freshness=freshness, page=1
    )
    outgoing = numbers_down_now(
        filters=OutageFilters(direction=OUT), window=WINDOW, freshness=freshness
    )

    assert shown.count == 1
    assert [n.pk for n in shown.numbers] == [down.pk]
    assert [n.pk for n in only_down.object_list] == [down.pk]
    assert outgoing.count == 0


def test_down_now_shows_the_alternates_as_our_own_numbers_with_their_status() -> None:
    make_exophone(
        phone_number="+911100000001",
        incoming_status="major_outage",
        incoming_alternates=["01100000002", "+919999999999"],
    )
    alternate = make_exophone(phone_number="+911100000002")
    freshness = Freshness.at(T0)

    shown = numbers_down_now(filters=OutageFilters(), window=WINDOW, freshness=freshness)

    (number,) = shown.numbers
    first, stranger = shown.alternates.of(number.incoming_alternates, IN)
    assert (first.pk, first.status_now) == (alternate.pk, "active")
    assert not stranger.ours


def test_a_number_released_before_the_window_or_first_seen_after_it_is_not_in_the_report() -> None:
    make_exophone(phone_number="+911100000001", released_at=at(121))
    make_exophone(phone_number="+911100000002", first_seen=at(-1))
    kept = make_exophone(phone_number="+911100000003", released_at=at(119))

    rows = list(outage_rows(filters=OutageFilters(), window=WINDOW, freshness=Freshness.at(T0)))

    assert [number.pk for number in rows] == [kept.pk]


# --- Per circle


def test_the_uptime_per_circle_is_the_sum_over_its_numbers() -> None:
    acme = make_account()
    delhi_a = make_exophone(account=acme, region="DL")
    delhi_b = make_exophone(account=acme, region="DL")
    mumbai = make_exophone(account=acme, region="MU")
    run(delhi_a, "active", 120, 70)  # 60 min, then 50 min of no data
    run(delhi_a, "major_outage", 10, 2, is_current=True)  # 10 min, ongoing
    run(delhi_b, "active", 120, 2, is_current=True)  # 120 min
    run(delhi_b, "partial_network_outage", 90, 85, direction=OUT)  # alone: 5 + 10 min
    run(mumbai, "active", 60, 2, is_current=True, direction=OUT)  # 60 min
    freshness = Freshness.at(T0)

    circles = circle_uptimes(filters=OutageFilters(), window=WINDOW, freshness=freshness)
    rows = outage_rows(filters=OutageFilters(), window=WINDOW, freshness=freshness)

    assert [(c.region, c.direction, c.numbers, c.uptime) for c in circles] == [
        ("DL", IN, 2, Uptime(190 * 60, 180 * 60, 2 * TWO_HOURS)),
        ("DL", OUT, 2, Uptime(15 * 60, 0, 2 * TWO_HOURS)),
        ("MU", IN, 1, Uptime(0, 0, TWO_HOURS)),
        ("MU", OUT, 1, Uptime(60 * 60, 60 * 60, TWO_HOURS)),
    ]
    per_number: dict[tuple[str, str], Uptime] = {}
    for number in rows:
        for direction, uptime in number.uptime.items():
            key = (number.region, direction)
            per_number[key] = per_number[key] + uptime if key in per_number else uptime
    assert per_number == {(c.region, c.direction): c.uptime for c in circles}
