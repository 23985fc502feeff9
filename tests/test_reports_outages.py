"""/reports/outages/ (numbers.reports.outages): who may open it, the window
and filters it takes, its HTML, CSV and JSON, and its query count. The rules
themselves are tested in test_outages_selector.

Time stands at T0 (06:00 UTC, 11:30 in Asia/Kolkata); the factories' small
account keeps a status fresh for 10 minutes."""

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext

from exoinventory.numbers.models import Circle, ConnectivityRun, Direction, ExoPhone
from exoinventory.numbers.reports.timeline import timeline
from exoinventory.numbers.selectors.outage_rules import OutageWindow
from exoinventory.numbers.selectors.outages import number_outages
from tests.factories import T0, make_account, make_connectivity_run, make_exophone, make_user
from tests.test_reports_base import body, bulk_exophones, csv_table, json_of

pytestmark = pytest.mark.django_db

OUTAGES = "/reports/outages/"
IN, OUT = Direction.INCOMING, Direction.OUTGOING


@pytest.fixture(autouse=True)
def _frozen_time(settings) -> Iterator[None]:
    settings.TIME_ZONE = "Asia/Kolkata"
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 50
    settings.SYNC_INTERVAL_MINUTES = 5
    settings.LISTING_INTERVAL_MINUTES = 60
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def support(client: Client) -> Client:
    client.force_login(make_user("sam", groups=("Support",)))
    return client


def ago(**span: float):
    return T0 - timedelta(**span)


def an_inventory() -> dict[str, ExoPhone]:
    """A helpline down now (major outage for 30 minutes, the backup offered),
    its backup, up all along, and a number in Mumbai that had a partial
    outage yesterday and was not observed for a while after it."""
    Circle.objects.update_or_create(code="DL", defaults={"name": "Delhi"})
    acme = make_account(sid="acme")
    helpline = make_exophone(
        account=acme,
        phone_number="+911100000001",
        friendly_name="Helpline",
        incoming_status="major_outage",
        incoming_alternates=["+911100000002"],
        connectivity_observed_at=ago(minutes=1),
    )
    backup = make_exophone(account=acme, phone_number="+911100000002", friendly_name="Backup")
    mumbai = make_exophone(account=acme, phone_number="+912200000003", region="MU")
    make_connectivity_run(
        exophone=helpline,
        status="active",
        first=ago(days=8),
        last=ago(minutes=35),
        is_current=False,
    )
    make_connectivity_run(
        exophone=helpline,
        status="major_outage",
        first=ago(minutes=30),
        last=ago(minutes=1),
        alternates=["+911100000002"],
        is_current=True,
    )
    for direction in (IN, OUT):
        make_connectivity_run(
            exophone=backup,
            status="active",
            first=ago(days=8),
            last=ago(minutes=1),
            direction=direction,
            is_current=True,
        )
    make_connectivity_run(
        exophone=mumbai,
        status="partial_network_outage",
        first=ago(hours=25),
        last=ago(hours=24),
        direction=OUT,
        is_current=False,
    )
    make_connectivity_run(
        exophone=mumbai,
        status="active",
        first=ago(hours=20),
        last=ago(minutes=1),
        direction=OUT,
        is_current=True,
    )
    return {"helpline": helpline, "backup": backup, "mumbai": mumbai}


# --- Who may open it


@pytest.mark.parametrize(
    ("groups", "status"), [(("Support",), 200), (("Finance",), 403), (("Auditor",), 403)]
)
def test_support_opens_the_outages_and_finance_and_auditors_may_not(
    client: Client, groups: tuple[str, ...], status: int
) -> None:
    client.force_login(make_user("someone", groups=groups))

    response = client.get(OUTAGES)

    assert response.status_code == status
    if status == 403:
        assert "numbers.view_outage_report" in response.content.decode()


def test_anonymous_users_are_sent_to_log_in(client: Client) -> None:
    response = client.get(OUTAGES)

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/reports/outages/"


# --- JSON


def test_the_json_has_exactly_the_designed_keys_and_hand_computed_values(support: Client) -> None:
    phones = an_inventory()

    document = json_of(support.get(OUTAGES, {"format": "json", "last": "24h"}))

    assert list(document) == ["since", "until", "incidents", "numbers"]
    assert (document["since"], document["until"]) == (
        "2026-11-21T06:00:00Z",
        "2026-11-22T06:00:00Z",
    )
    assert document["incidents"] == [
        {
            "account_sid": "acme",
            "sid": phones["helpline"].sid,
            "phone_number": "+911100000001",
            "direction": "incoming",
            "status": "major_outage",
            "started_at": "2026-11-22T05:30:00Z",
            "ended_at": None,
            "duration_seconds": 1800,
        },
        {
            "account_sid": "acme",
            "sid": phones["mumbai"].sid,
            "phone_number": "+912200000003",
            "direction": "outgoing",
            "status": "partial_network_outage",
            "started_at": "2026-11-21T06:00:00Z",  # clipped: it began an hour earlier
            "ended_at": "2026-11-21T06:10:00Z",  # fresh for 10 minutes after its last observation
            "duration_seconds": 600,
        },
    ]
    numbers = {(row["phone_number"], row["direction"]): row for row in document["numbers"]}
    assert list(numbers) == [
        ("+911100000001", "incoming"),
        ("+911100000001", "outgoing"),
        ("+911100000002", "incoming"),
        ("+911100000002", "outgoing"),
        ("+912200000003", "incoming"),
        ("+912200000003", "outgoing"),
    ]
    assert numbers[("+911100000001", "incoming")] == {
        "account_sid": "acme",
        "sid": phones["helpline"].sid,
        "phone_number": "+911100000001",
        "direction": "incoming",
        "uptime_percent": 97.91,  # 23 h 30 min up of 24 h observed, rounded down
        "observed_seconds": 86400,
        "down_seconds": 1800,
        "status_now": "major_outage",
        "last_observed_at": "2026-11-22T05:59:00Z",
    }
    assert numbers[("+911100000001", "outgoing")]["uptime_percent"] is None
    assert numbers[("+911100000001", "outgoing")]["observed_seconds"] == 0
    # Observed for the first 10 minutes and the last 20 hours: 10 min down.
    assert numbers[("+912200000003", "outgoing")]["observed_seconds"] == 600 + 72000
    assert numbers[("+912200000003", "outgoing")]["down_seconds"] == 600
    assert numbers[("+912200000003", "incoming")]["status_now"] == "active"


def test_status_now_is_null_once_the_last_observation_is_too_old(support: Client) -> None:
    make_exophone(incoming_status="major_outage", connectivity_observed_at=ago(minutes=11))

    rows = json_of(support.get(OUTAGES, {"format": "json"}))["numbers"]

    assert [row["status_now"] for row in rows] == [None, None]


def test_the_default_window_is_the_last_7_days(support: Client) -> None:
    document = json_of(support.get(OUTAGES, {"format": "json"}))

    assert (document["since"], document["until"]) == (
        "2026-11-15T06:00:00Z",
        "2026-11-22T06:00:00Z",
    )


@pytest.mark.parametrize(
    ("query", "since", "until"),
    [
        # Days are midnights in Asia/Kolkata, until's day included.
        (
            {"since": "2026-11-10", "until": "2026-11-12"},
            "2026-11-09T18:30:00Z",
            "2026-11-12T18:30:00Z",
        ),
        ({"since": "2026-11-21T10:00:00Z"}, "2026-11-21T10:00:00Z", "2026-11-22T06:00:00Z"),
        # A moment without a zone is in Asia/Kolkata.
        ({"since": "2026-11-21T11:30"}, "2026-11-21T06:00:00Z", "2026-11-22T06:00:00Z"),
        # until is never past now; a lone until goes back 7 days.
        ({"until": "2026-11-30"}, "2026-11-15T06:00:00Z", "2026-11-22T06:00:00Z"),
        ({"until": "2026-11-20T06:00+00:00"}, "2026-11-13T06:00:00Z", "2026-11-20T06:00:00Z"),
        ({"last": "90d"}, "2026-08-24T06:00:00Z", "2026-11-22T06:00:00Z"),
    ],
)
def test_the_window_takes_days_moments_and_quick_picks(
    support: Client, query: dict[str, str], since: str, until: str
) -> None:
    document = json_of(support.get(OUTAGES, {"format": "json", **query}))

    assert (document["since"], document["until"]) == (since, until)


# --- Bad parameters: 400, never 500


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"since": "\x00"}, "since=\\x00: Null characters are not allowed."),
        ({"circle": "\x00"}, "circle=\\x00: Null characters are not allowed."),
        ({"account": "acme\x00"}, "account=acme\\x00: Null characters"),
        ({"last": "nonsense"}, "last=nonsense: Select a valid choice."),
        ({"since": "yesterday"}, "since=yesterday: Enter a day as YYYY-MM-DD or a moment"),
        ({"until": "2026-02-30"}, "until=2026-02-30: Enter a day as YYYY-MM-DD"),
        ({"since": "0001-01-01T00:00"}, "Enter a moment between 1970-01-01"),
        ({"since": "2" * 65}, "Ensure this value has at most 64 characters"),
        ({"since": "2026-11-20", "until": "2026-11-19"}, "since must be before until."),
        ({"since": "2026-11-23"}, "since must be before now."),
        ({"since": "2025-01-01"}, "The window is at most 366 days."),
        ({"last": "24h", "since": "2026-11-20"}, "Choose a quick pick or since/until, not both."),
        ({"status": "active"}, "active is not an outage"),
        ({"direction": "sideways"}, "direction=sideways: Select a valid choice."),
        ({"down_now": "maybe"}, "down_now=maybe: Select a valid choice."),
        ({"page": "two"}, "page=two: Enter a whole number."),
    ],
)
def test_a_bad_parameter_is_a_400_that_says_which_and_why(
    support: Client, query: dict[str, str], said: str
) -> None:
    response = support.get(OUTAGES, query)

    assert response.status_code == 400
    assert said in response.content.decode()


def test_a_bad_parameter_of_a_json_request_is_a_json_400(support: Client) -> None:
    response = support.get(OUTAGES, {"format": "json", "last": "1y"})

    assert response.status_code == 400
    assert response.json() == {
        "errors": ["last=1y: Select a valid choice. 1y is not one of the available choices."]
    }


# --- Filters


def test_the_filters_narrow_the_numbers(support: Client) -> None:
    an_inventory()

    def numbers(**query: str) -> list[str]:
        rows = json_of(support.get(OUTAGES, {"format": "json", **query}))["numbers"]
        return sorted({row["phone_number"] for row in rows})

    assert numbers(circle="MU") == ["+912200000003"]
    assert numbers(down_now="yes") == ["+911100000001"]
    assert numbers(status="partial_network_outage", last="24h") == ["+912200000003"]
    assert numbers(status="partial_network_outage", last="24h", direction="incoming") == []
    assert numbers(account="globex") == []
    directions = json_of(support.get(OUTAGES, {"format": "json", "direction": "outgoing"}))
    assert {row["direction"] for row in directions["numbers"]} == {"outgoing"}


# --- CSV


def test_the_csv_has_a_section_for_incidents_numbers_and_circles(support: Client) -> None:
    phones = an_inventory()

    table = csv_table(support.get(OUTAGES, {"format": "csv", "last": "24h"}))

    assert table[0][:6] == ["section", "account_sid", "sid", "phone_number", "region", "direction"]
    sections = [row[0] for row in table[1:]]
    assert sections == ["incident"] * 2 + ["number"] * 6 + ["circle"] * 4
    assert table[1] == [
        "incident", "acme", phones["helpline"].sid, "'+911100000001", "DL", "incoming",
        "major_outage", "2026-11-22T05:30:00Z", "", "1800", "",
    ]  # fmt: skip
    helpline_in = table[3]
    assert helpline_in[11:] == [
        "97.91",
        "86400",
        "1800",
        "100.00",
        "major_outage",
        "2026-11-22T05:59:00Z",
    ]
    delhi_in = next(row for row in table if row[0] == "circle" and row[4:6] == ["DL", "incoming"])
    assert delhi_in[-1] == "2"


# --- HTML


def test_the_page_shows_what_is_down_now_with_its_alternates(support: Client) -> None:
    phones = an_inventory()

    page = support.get(OUTAGES).content.decode()

    down_now = page[
        page.index('id="down-now"') : page.index("</table>", page.index('id="down-now"'))
    ]
    assert "Down now (1)" in down_now
    assert (
        f'href="/admin/numbers/exophone/{phones["helpline"].pk}/change/">+911100000001</a>'
        in down_now
    )
    assert (
        f'href="/admin/numbers/exophone/{phones["backup"].pk}/change/">+911100000002</a>'
        in down_now
    )
    assert '<span class="exo-badge exo-status-active">Active</span>' in down_now
    assert "22 Nov 2026, 11:00 IST" in down_now  # since, in the configured zone


def test_the_page_draws_a_timeline_per_number_with_a_legend(support: Client) -> None:
    phones = an_inventory()

    page = support.get(OUTAGES, {"last": "24h"}).content.decode()

    assert 'id="outage-legend"' in page
    assert page.count('class="outage-timeline"') == 4  # the axis and three numbers
    assert '<rect class="exo-status-major-outage"' in page
    assert 'fill="url(#outage-cross)"' in page
    assert 'fill="url(#outage-dots)"' in page  # no data
    rows = re.findall(r'<th scope="row" class="outage-number">\s*<a href="([^"]+)"', page)
    # The numbers with an incident first.
    assert rows == [
        f"/admin/numbers/exophone/{phones[name].pk}/change/"
        for name in ("helpline", "mumbai", "backup")
    ]
    assert "97.9 % of 100 % observed" in page
    assert "nothing observed" in page


def test_the_page_lists_the_incidents_clipped_and_saying_so(support: Client) -> None:
    an_inventory()

    page = support.get(OUTAGES, {"last": "24h"}).content.decode()
    incidents = page[page.index('id="incidents"') :]

    assert "21 Nov 2026, 11:30 IST (before the window)" in incidents
    assert ">ongoing<" in incidents
    assert "30 min" in incidents
    assert "10 min" in incidents


def test_a_run_seen_once_says_when_it_was_seen(support: Client) -> None:
    phone = make_exophone()
    make_connectivity_run(
        exophone=phone,
        status="major_outage",
        first=ago(hours=3),
        last=ago(hours=3),
        is_current=False,
    )
    make_connectivity_run(
        exophone=phone,
        status="active",
        first=ago(hours=2, minutes=55),
        last=ago(minutes=1),
        is_current=True,
    )

    page = support.get(OUTAGES).content.decode()

    assert "5 min" in page
    assert "seen once at 08:30" in page  # 03:00 UTC in Asia/Kolkata
    assert not re.search(r"\b0 min", page)


def test_the_page_has_the_quick_picks_the_window_form_and_the_circle_uptimes(
    support: Client,
) -> None:
    an_inventory()

    page = support.get(OUTAGES, {"circle": "DL", "last": "30d"}).content.decode()

    assert '<li class="selected"><a href="?circle=DL&amp;last=30d">last 30 d</a></li>' in page
    assert '<a href="?circle=DL&amp;last=24h">last 24 h</a>' in page
    assert '<input type="hidden" name="circle" value="DL">' in page
    assert 'name="since" id="id_since" value="2026-10-23"' in page
    start = page.index('id="circle-uptime"')
    circles = page[start : page.index("</table>", start)]
    assert "Delhi (DL)" in circles
    assert "MU" not in circles
    assert "From 23 Oct 2026, 11:30 IST to 22 Nov 2026, 11:30 IST (30 d)" in page


def test_the_page_has_no_inline_script_or_style(support: Client) -> None:
    an_inventory()

    page = support.get(OUTAGES).content.decode()

    assert "<script>" not in page
    assert " style=" not in page


def test_the_page_shows_50_numbers_at_a_time(support: Client) -> None:
    acme = make_account()
    bulk_exophones(60, account=acme)

    first = support.get(OUTAGES).content.decode()
    second = support.get(OUTAGES, {"page": "2"}).content.decode()

    assert first.count('class="outage-number"') == 50
    assert second.count('class="outage-number"') == 10
    assert "page 2 of 2" in second


# --- Scale


def runs_for(phones: list[ExoPhone], days: int) -> None:
    """For each number a day of outage each week, incoming, over `days` days."""
    runs = []
    for phone in phones:
        for week in range(0, days, 7):
            start = T0 - timedelta(days=days - week)
            runs += [
                ConnectivityRun(
                    exophone=phone,
                    direction=IN,
                    status="active",
                    first_observed_at=start,
                    last_observed_at=start + timedelta(days=6),
                    is_current=False,
                ),
                ConnectivityRun(
                    exophone=phone,
                    direction=IN,
                    status="major_outage",
                    first_observed_at=start + timedelta(days=6, minutes=5),
                    last_observed_at=start + timedelta(days=6, hours=23),
                    is_current=False,
                ),
            ]
    ConnectivityRun.objects.bulk_create(runs)


def test_the_query_count_of_the_page_does_not_grow_with_the_numbers_or_the_window(
    support: Client,
) -> None:
    def queries() -> list[int]:
        counts = []
        for last in ("7d", "90d"):
            with CaptureQueriesContext(connection) as captured:
                response = support.get(OUTAGES, {"last": last})
                assert response.status_code == 200
            counts.append(len(captured))
        return counts

    acme = make_account()
    make_exophone(  # down now, with an alternate
        account=acme, incoming_status="major_outage", incoming_alternates=["+911100000002"]
    )
    runs_for(bulk_exophones(9, account=acme), 91)
    few = queries()
    runs_for(bulk_exophones(490, account=acme), 91)
    many = queries()

    assert ExoPhone.objects.count() == 500
    assert ConnectivityRun.objects.count() == 499 * 13 * 2
    assert few == many
    assert few[0] == few[1]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_exports_read_every_number_in_a_fixed_number_of_queries(
    support: Client, fmt: str
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = support.get(OUTAGES, {"format": fmt})
            assert response.status_code == 200
            body(response)
        return len(captured)

    acme = make_account()
    runs_for(bulk_exophones(10, account=acme), 14)
    few = queries()
    runs_for(bulk_exophones(490, account=acme), 14)
    many = queries()

    assert few == many


# --- The timeline on its own (for the number's page)


@pytest.mark.parametrize(
    ("days", "ticks"),
    [
        (1, ["12:00", "18:00", "22 Nov", "06:00"]),
        (90, ["25 Aug", "8 Sep", "22 Sep", "6 Oct", "20 Oct", "3 Nov", "17 Nov"]),
    ],
)
def test_the_timeline_is_marked_at_round_local_times(days: int, ticks: list[str]) -> None:
    window = OutageWindow(since=T0 - timedelta(days=days), until=T0, now=T0)

    drawn = timeline({}, window=window, labelled=True)

    assert [tick.text for tick in drawn.ticks] == ticks


def test_one_numbers_timeline_takes_two_queries_and_renders_on_its_own(
    django_assert_num_queries,
) -> None:
    phone = make_exophone()
    make_connectivity_run(
        exophone=phone, status="major_outage", first=ago(days=3), last=ago(days=3)
    )

    with django_assert_num_queries(2):
        outages = number_outages(exophone=phone, since=ago(days=30), until=T0, now=T0)
    svg = render_to_string(
        "reports/outage_lanes.html",
        {"timeline": timeline(outages.lanes, window=outages.window, labelled=True)},
    )

    assert svg.count('<g class="outage-lane">') == 2
    assert "Major outage: 19 Nov 2026, 11:30 IST to 19 Nov 2026, 11:40 IST (10 min)" in svg
    assert 'class="outage-tick-label"' in svg
