"""The admin as a superuser sees it: the ExoPhone list, its filters and
search, the number's page, the read-only records and the index warning.

Time stands at T0, when the factories' numbers were last observed: their
statuses are fresh (selectors.freshness) until a test moves time on."""

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.text import capfirst

from exoinventory.numbers.models import (
    Account,
    Circle,
    ConnectivityRun,
    Direction,
    ExoPhone,
    ExoPhoneChange,
    SyncRun,
)
from exoinventory.numbers.selectors.choices import distinct_values
from exoinventory.numbers.selectors.sync import sync_states
from tests.factories import (
    T0,
    make_account,
    make_change,
    make_connectivity_run,
    make_exophone,
    make_sync_run,
)

pytestmark = pytest.mark.django_db

EXOPHONES = "/admin/numbers/exophone/"
SYNC_RUNS = "/admin/numbers/syncrun/"
GREY_NO_DATA = '<span class="exo-badge exo-status-no-data">no data</span>'


@pytest.fixture(autouse=True)
def _frozen_time(settings) -> Iterator[None]:
    # A sweep every 5 minutes at 50 requests a minute: a small account's
    # statuses are fresh for 10 minutes (numbers.cadence).
    settings.SYNC_INTERVAL_MINUTES = 5
    settings.LISTING_INTERVAL_MINUTES = 60
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 50
    # Only configured accounts are waited for (the index warning); nothing
    # here talks to Exotel, so the URLs point at a closed loopback port.
    settings.EXOTEL_ACCOUNTS = "http://k:t@127.0.0.1:9/acme,http://k:t@127.0.0.1:9/globex"
    with time_machine.travel(T0, tick=False):
        yield


def listed(client: Client, query: str = "") -> set[str]:
    """Phone numbers on the ExoPhone list's first page for `query`."""
    response = client.get(f"{EXOPHONES}?{query}")
    assert response.status_code == 200
    return {phone.phone_number for phone in response.context["cl"].result_list}


def changelist_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def change_url(phone: ExoPhone) -> str:
    return f"{EXOPHONES}{phone.pk}/change/"


# --- The list


def test_the_list_shows_number_name_circle_statuses_rental_flows_and_released(
    admin_client: Client,
) -> None:
    make_exophone(
        phone_number="+911139585476", friendly_name="Delhi support", account=make_account()
    )

    response = admin_client.get(EXOPHONES)
    page = response.content.decode()

    # The account and cost centre are filters, not columns (issue 9).
    assert response.context["cl"].list_display == [
        "action_checkbox",
        "phone_number",
        "name",
        "circle",
        "incoming",
        "outgoing",
        "rental",
        "flows",
        "released",
    ]
    assert "+911139585476" in page
    assert '<span class="exo-clamp" title="Delhi support">Delhi support</span>' in page
    assert '<td class="field-circle">Delhi (DL)</td>' in page


def test_the_list_colours_connectivity_badges_and_greys_what_was_never_observed(
    admin_client: Client,
) -> None:
    make_exophone(incoming_status="major_outage", outgoing_status="")

    page = admin_client.get(EXOPHONES).content.decode()

    assert '<span class="exo-badge exo-status-major-outage">Major outage</span>' in page
    assert f'{GREY_NO_DATA} <span class="exo-quiet">not observed yet</span>' in page


def test_a_status_observed_hours_ago_is_no_data_with_what_was_last_seen(
    admin_client: Client,
) -> None:
    make_exophone(incoming_status="major_outage", outgoing_status="active")

    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        page = admin_client.get(EXOPHONES).content.decode()

    # Two short lines per cell: the age, and what was seen on hover.
    assert "Major outage</span>" not in page
    assert (
        f'{GREY_NO_DATA} <span class="exo-quiet exo-since" '
        'title="last seen Major outage, 4\xa0hours ago">seen 4\xa0hours ago</span>'
    ) in page
    assert 'title="last seen Active, 4\xa0hours ago">seen 4\xa0hours ago</span>' in page


def test_a_fresh_badge_says_since_when_with_the_full_time_on_hover(
    admin_client: Client, settings
) -> None:
    settings.TIME_ZONE = "Asia/Kolkata"  # T0 is 11:30 IST
    phone = make_exophone(incoming_status="major_outage", outgoing_status="active")
    make_connectivity_run(
        exophone=phone, status="major_outage", first=T0 - timedelta(hours=2), last=T0
    )

    page = admin_client.get(EXOPHONES).content.decode()

    assert (
        '<td class="field-incoming">'
        '<span class="exo-badge exo-status-major-outage">Major outage</span> '
        '<span class="exo-quiet exo-since" title="22 Nov 2026, 09:30 IST">since 09:30</span></td>'
    ) in page
    # No run of the outgoing status: the badge alone, never a made-up since.
    assert (
        '<td class="field-outgoing"><span class="exo-badge exo-status-active">Active</span></td>'
    ) in page


def test_a_status_is_shown_until_its_fresh_for_is_over(admin_client: Client) -> None:
    make_exophone(incoming_status="major_outage")

    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        still = admin_client.get(EXOPHONES).content.decode()
    with time_machine.travel(T0 + timedelta(minutes=10, seconds=1), tick=False):
        over = admin_client.get(EXOPHONES).content.decode()

    assert "Major outage</span>" in still
    assert "Major outage</span>" not in over
    assert "last seen Major outage, 10\xa0minutes ago" in over


def test_a_released_number_shows_no_status_but_says_it_is_released(admin_client: Client) -> None:
    make_exophone(incoming_status="major_outage", released_at=T0 - timedelta(days=3))

    page = admin_client.get(EXOPHONES).content.decode()

    assert "Major outage</span>" not in page
    assert f'{GREY_NO_DATA} <span class="exo-quiet">released</span>' in page


def test_a_status_word_exotel_adds_later_is_shown_as_sent_in_grey(admin_client: Client) -> None:
    make_exophone(incoming_status="degraded")

    page = admin_client.get(EXOPHONES).content.decode()

    assert '<span class="exo-badge exo-status-other">degraded</span>' in page


@pytest.mark.parametrize(
    ("rental", "currency", "shown"),
    [
        ("1499.500000", "INR", "INR 1,499.50"),
        ("499.000000", "INR", "INR 499.00"),
        ("0.123456", "USD", "USD 0.123456"),
        ("100000.250000", "INR", "INR 100,000.25"),
    ],
)
def test_the_list_shows_the_rental_exactly_with_its_currency(
    admin_client: Client, rental: str, currency: str, shown: str
) -> None:
    make_exophone(rental_price=Decimal(rental), currency=currency)

    assert shown in admin_client.get(EXOPHONES).content.decode()


def test_sorting_by_rental_sorts_within_a_currency(admin_client: Client) -> None:
    def phone(currency: str, rental: str) -> ExoPhone:
        return make_exophone(currency=currency, rental_price=Decimal(rental))

    inr_900, usd_5, usd_70, inr_100, eur_3 = (
        phone("INR", "900"),
        phone("USD", "5"),
        phone("USD", "70"),
        phone("INR", "100"),
        phone("EUR", "3"),
    )

    def order(query: str) -> list[int]:
        return [p.pk for p in admin_client.get(f"{EXOPHONES}?{query}").context["cl"].result_list]

    # list_display[5], rental, is column 6 after the bulk actions' checkbox.
    assert order("o=6") == [eur_3.pk, inr_100.pk, inr_900.pk, usd_5.pk, usd_70.pk]
    assert order("o=-6") == [eur_3.pk, inr_900.pk, inr_100.pk, usd_70.pk, usd_5.pk]


def test_the_list_shows_no_price_with_six_places(admin_client: Client) -> None:
    make_exophone(rental_price=Decimal("1499.500000"), currency="INR")

    page = admin_client.get(EXOPHONES).content.decode()

    assert "INR 1,499.50" in page
    assert "1499.5" not in page


def test_a_rental_exotel_sent_unreadably_shows_as_unreadable_never_as_zero(
    admin_client: Client,
) -> None:
    phone = make_exophone(rental_price=None)

    page = admin_client.get(EXOPHONES).content.decode()
    number_page = admin_client.get(f"{EXOPHONES}{phone.pk}/change/")

    assert "unreadable" in page
    assert number_page.status_code == 200


def test_the_list_shows_each_flow_by_its_short_id_with_the_url_on_hover(
    admin_client: Client,
) -> None:
    make_exophone(
        voice_url="https://my.exotel.com/acme/exoml/start_voice/229",
        sms_url="https://my.exotel.com/acme/exoml/start_sms/31",
    )
    make_exophone(voice_url="", sms_url=None)

    page = admin_client.get(EXOPHONES).content.decode()

    assert (
        '<td class="field-flows">'
        '<div class="exo-flow" title="https://my.exotel.com/acme/exoml/start_voice/229">'
        "voice 229</div>"
        '<div class="exo-flow" title="https://my.exotel.com/acme/exoml/start_sms/31">'
        "sms 31</div></td>"
    ) in page
    assert '<td class="field-flows"><span class="exo-quiet">no flow</span></td>' in page


def test_the_list_marks_released_numbers(admin_client: Client) -> None:
    make_exophone(released_at=T0 - timedelta(days=3))

    page = admin_client.get(EXOPHONES).content.decode()

    assert '<td class="field-released"><span class="exo-released">19 Nov 2026</span></td>' in page


def make_mixed_numbers(count: int, *accounts: Account) -> None:
    """Numbers of several accounts and circles: fresh, stale, never observed, released."""
    for i in range(count):
        make_exophone(
            account=accounts[i % len(accounts)],
            region=["DL", "MU", "ZZ"][i % 3],
            incoming_status=["active", "major_outage", ""][i % 3],
            connectivity_observed_at=[T0, T0 - timedelta(days=1), None][i % 3],
            released_at=T0 - timedelta(days=1) if i % 7 == 6 else None,
        )


def test_the_list_runs_as_many_queries_for_500_numbers_as_for_10(admin_client: Client) -> None:
    account = make_account()
    other = make_account(sid="globex")
    make_mixed_numbers(10, account, other)
    with_10 = changelist_queries(admin_client, EXOPHONES)

    make_mixed_numbers(490, account, other)
    with_500 = changelist_queries(admin_client, EXOPHONES)

    assert with_500 == with_10


@pytest.mark.parametrize(
    "query",
    [
        "circle=DL&incoming=active&flow=any&released=current&q=Line",
        "incoming=no+data&outgoing=no+data&o=4",
    ],
)
def test_a_filtered_and_searched_list_runs_as_many_queries_for_500_numbers_as_for_10(
    admin_client: Client, query: str
) -> None:
    url = f"{EXOPHONES}?{query}"
    account = make_account()
    make_mixed_numbers(10, account)
    with_10 = changelist_queries(admin_client, url)

    make_mixed_numbers(490, account)
    with_500 = changelist_queries(admin_client, url)

    assert with_500 == with_10


# --- Filters


def test_the_account_filter_lists_one_accounts_numbers(admin_client: Client) -> None:
    acme = make_exophone(account=make_account())
    make_exophone(account=make_account(sid="globex"))

    assert listed(admin_client, f"account__id__exact={acme.account_id}") == {acme.phone_number}


def test_the_circle_filter_offers_the_circles_present_with_their_names(
    admin_client: Client,
) -> None:
    make_exophone(region="DL")
    make_exophone(region="ZZ")
    make_exophone(region="")

    response = admin_client.get(EXOPHONES)
    circle_filter = next(
        spec for spec in response.context["cl"].filter_specs if spec.parameter_name == "circle"
    )

    assert circle_filter.lookup_choices == [
        ("none", "no circle"),
        ("DL", "Delhi (DL)"),
        ("ZZ", "ZZ"),
    ]


@pytest.mark.parametrize("code", ["DL", "ZZ"])
def test_the_circle_filter_lists_the_numbers_of_a_circle(admin_client: Client, code: str) -> None:
    wanted = make_exophone(region=code)
    make_exophone(region="MU")

    assert listed(admin_client, f"circle={code}") == {wanted.phone_number}


def test_the_circle_filter_finds_numbers_without_a_circle(admin_client: Client) -> None:
    wanted = make_exophone(region="")
    make_exophone(region="MU")

    assert listed(admin_client, "circle=none") == {wanted.phone_number}


def filter_choices(client: Client, parameter: str) -> list[tuple[str, str]]:
    response = client.get(EXOPHONES)
    spec = next(
        spec
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "parameter_name", None) == parameter
    )
    return spec.lookup_choices


def test_the_currency_filter_offers_the_currencies_present(admin_client: Client) -> None:
    make_exophone(currency="USD")
    make_exophone(currency="INR")
    make_exophone(currency="INR")
    make_exophone(currency="")

    assert filter_choices(admin_client, "currency") == [
        ("", "(none)"),
        ("INR", "INR"),
        ("USD", "USD"),
    ]


@pytest.mark.parametrize(("query", "expected"), [("USD", {"usd"}), ("", {"none"})])
def test_the_currency_filter_lists_one_currencys_numbers(
    admin_client: Client, query: str, expected: set[str]
) -> None:
    phones = {
        "usd": make_exophone(currency="USD"),
        "inr": make_exophone(currency="INR"),
        "none": make_exophone(currency="", rental_price=None),
    }

    assert listed(admin_client, f"currency={query}") == {
        phones[name].phone_number for name in expected
    }


def test_the_cost_centre_filter_offers_the_cost_centres_and_none(admin_client: Client) -> None:
    make_exophone(cost_centre="CC-104")
    make_exophone(cost_centre="CC-200")
    make_exophone(cost_centre="")
    make_exophone(cost_centre="none")

    assert filter_choices(admin_client, "cost_centre") == [
        ("", "(none)"),
        ("CC-104", "CC-104"),
        ("CC-200", "CC-200"),
        ("none", "none"),
    ]


@pytest.mark.parametrize(
    ("query", "expected"), [("CC-104", {"cc104"}), ("", {"empty"}), ("none", {"named_none"})]
)
def test_the_cost_centre_filter_lists_a_cost_centres_numbers_or_those_without(
    admin_client: Client, query: str, expected: set[str]
) -> None:
    phones = {
        "cc104": make_exophone(cost_centre="CC-104"),
        "cc200": make_exophone(cost_centre="CC-200"),
        "empty": make_exophone(cost_centre=""),
        "named_none": make_exophone(cost_centre="none"),
    }

    assert listed(admin_client, f"cost_centre={query}") == {
        phones[name].phone_number for name in expected
    }


def test_the_number_type_filter_lists_one_type(admin_client: Client) -> None:
    wanted = make_exophone(number_type="Mobile")
    make_exophone(number_type="Landline")

    assert listed(admin_client, "number_type=Mobile") == {wanted.phone_number}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("incoming=active", {"up"}),
        ("incoming=major_outage", {"down"}),
        ("incoming=no+data", {"unknown", "stale", "released"}),
        ("outgoing=partial_network_outage", {"down"}),
        ("outgoing=no+data", {"unknown", "stale", "released"}),
    ],
)
def test_the_status_filters_list_numbers_by_connectivity_in_each_direction(
    admin_client: Client, query: str, expected: set[str]
) -> None:
    phones = {
        "up": make_exophone(incoming_status="active", outgoing_status="active"),
        "down": make_exophone(
            incoming_status="major_outage", outgoing_status="partial_network_outage"
        ),
        "unknown": make_exophone(
            incoming_status="", outgoing_status="", connectivity_observed_at=None
        ),
        "stale": make_exophone(
            incoming_status="major_outage",
            outgoing_status="partial_network_outage",
            connectivity_observed_at=T0 - timedelta(hours=1),
        ),
        "released": make_exophone(
            incoming_status="major_outage",
            outgoing_status="partial_network_outage",
            released_at=T0 - timedelta(days=1),
        ),
    }

    assert listed(admin_client, query) == {phones[name].phone_number for name in expected}


def test_the_status_filters_offer_exotels_statuses_and_no_data(admin_client: Client) -> None:
    make_exophone()

    response = admin_client.get(EXOPHONES)
    choices = {
        spec.parameter_name: spec.lookup_choices
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "parameter_name", None) in ("incoming", "outgoing")
    }

    expected = [
        ("active", "Active"),
        ("major_outage", "Major outage"),
        ("partial_network_outage", "Partial network outage"),
        ("no data", "no data"),
    ]
    assert choices == {"incoming": expected, "outgoing": expected}


def test_after_four_hours_without_observation_a_number_is_under_no_data_only(
    admin_client: Client,
) -> None:
    down = make_exophone(incoming_status="major_outage", outgoing_status="partial_network_outage")

    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        under = {
            query: listed(admin_client, query)
            for query in (
                "incoming=major_outage",
                "incoming=no+data",
                "outgoing=partial_network_outage",
                "outgoing=no+data",
            )
        }

    assert under == {
        "incoming=major_outage": set(),
        "incoming=no+data": {down.phone_number},
        "outgoing=partial_network_outage": set(),
        "outgoing=no+data": {down.phone_number},
    }


@pytest.mark.parametrize("status", ["major_outage", "partial_network_outage", "active"])
def test_a_released_number_is_in_no_status_filter(admin_client: Client, status: str) -> None:
    released = make_exophone(
        incoming_status=status, outgoing_status=status, released_at=T0 - timedelta(minutes=1)
    )

    assert listed(admin_client, f"incoming={status}") == set()
    assert listed(admin_client, f"outgoing={status}") == set()
    assert listed(admin_client, "incoming=no+data") == {released.phone_number}


def test_sorting_by_status_sorts_by_the_status_shown(admin_client: Client) -> None:
    up = make_exophone(incoming_status="active")
    down = make_exophone(incoming_status="major_outage")
    stale = make_exophone(
        incoming_status="major_outage", connectivity_observed_at=T0 - timedelta(days=1)
    )

    # list_display[3], incoming, is column 4: the bulk actions' checkbox comes first.
    response = admin_client.get(f"{EXOPHONES}?o=4")

    assert response.status_code == 200
    order = [phone.pk for phone in response.context["cl"].result_list]
    assert order == [stale.pk, up.pk, down.pk]


@pytest.mark.parametrize(
    ("flow", "expected"),
    [
        ("voice", {"voice", "both"}),
        ("sms", {"sms", "both"}),
        ("any", {"voice", "sms", "both"}),
        ("none", {"null", "empty"}),
    ],
)
def test_the_flow_filter_lists_numbers_by_flow_assigned(
    admin_client: Client, flow: str, expected: set[str]
) -> None:
    phones = {
        "voice": make_exophone(voice_url="https://flows/v", sms_url=None),
        "sms": make_exophone(voice_url=None, sms_url="https://flows/s"),
        "both": make_exophone(voice_url="https://flows/v", sms_url="https://flows/s"),
        "null": make_exophone(voice_url=None, sms_url=None),
        "empty": make_exophone(voice_url="", sms_url=""),
    }

    assert listed(admin_client, f"flow={flow}") == {phones[name].phone_number for name in expected}


def test_the_released_filter_separates_current_from_released_numbers(
    admin_client: Client,
) -> None:
    current = make_exophone()
    released = make_exophone(released_at=T0 - timedelta(days=1))

    assert listed(admin_client, "released=current") == {current.phone_number}
    assert listed(admin_client, "released=released") == {released.phone_number}


# --- Search


@pytest.mark.parametrize(
    "typed",
    [
        "+911139585476",
        "+91 11 3958 5476",
        "011-3958 5476",
        "01139585476",
        "1139585476",
        "(011) 3958-5476",
        "0091 11 3958 5476",
        "3958-5476",
        "  011 39585476  ",
    ],
)
def test_search_finds_a_number_typed_in_any_common_form(admin_client: Client, typed: str) -> None:
    wanted = make_exophone(phone_number="+911139585476")
    make_exophone(phone_number="+912261234567")

    assert listed(admin_client, f"q={typed}") == {wanted.phone_number}


@pytest.mark.parametrize(
    "typed", ["Mumbai sales", "mumbai", "AC0042", "start_voice/mumbai", "start_sms/mumbai"]
)
def test_search_finds_a_number_by_friendly_name_sid_or_flow_url(
    admin_client: Client, typed: str
) -> None:
    wanted = make_exophone(
        friendly_name="Mumbai sales line",
        sid="AC0042",
        voice_url="https://my.exotel.com/acme/exoml/start_voice/mumbai",
        sms_url="https://my.exotel.com/acme/exoml/start_sms/mumbai",
    )
    make_exophone(friendly_name="Delhi support")

    assert listed(admin_client, f"q={typed}") == {wanted.phone_number}


def test_search_keeps_the_filters_applied(admin_client: Client) -> None:
    make_exophone(phone_number="+911139585476", released_at=T0)

    assert listed(admin_client, "released=current&q=011-3958+5476") == set()


# --- The number's page


def test_synced_fields_are_read_only_even_for_a_superuser(admin_client: Client) -> None:
    phone = make_exophone(rental_price=Decimal("499.000000"), voice_url="https://flows/v")

    response = admin_client.post(
        change_url(phone),
        {
            "owner": "Priya (support)",
            "cost_centre": "CC-104",
            "notes": "Helpline",
            "rental_price": "1.000000",
            "voice_url": "https://evil/",
            "phone_number": "+910000000000",
        },
    )

    assert response.status_code == 302
    phone.refresh_from_db()
    assert (phone.owner, phone.cost_centre, phone.notes) == (
        "Priya (support)",
        "CC-104",
        "Helpline",
    )
    assert phone.rental_price == Decimal("499.000000")
    assert phone.voice_url == "https://flows/v"
    assert phone.phone_number != "+910000000000"


def test_the_change_page_offers_only_the_local_fields_as_inputs(admin_client: Client) -> None:
    phone = make_exophone()

    form = admin_client.get(change_url(phone)).context["adminform"].form

    assert set(form.fields) == {"owner", "cost_centre", "notes"}


def test_the_change_page_shows_every_field_of_the_number(admin_client: Client) -> None:
    phone = make_exophone()

    page = admin_client.get(change_url(phone)).content.decode()

    # The circle stands for the region code, money for the amounts.
    shown_otherwise = {
        "region": "Circle",
        "rental_price": "Rental / month",
        "one_time_price": "One-time price",
        "incoming_rate": "Incoming rate / pulse",
    }
    for field in ExoPhone._meta.concrete_fields:
        if not field.primary_key:
            label = shown_otherwise.get(field.name, capfirst(field.verbose_name))
            assert f"{label}:</label>" in page, field.name
    assert "Delhi (DL)" in page


def test_the_change_page_shows_each_price_as_money(admin_client: Client) -> None:
    phone = make_exophone(
        currency="INR",
        rental_price=Decimal("1499.500000"),
        one_time_price=Decimal("2500.000000"),
        incoming_rate=Decimal("0.500000"),
    )

    page = admin_client.get(change_url(phone)).content.decode()

    assert '<div class="readonly">INR 1,499.50</div>' in page
    assert '<div class="readonly">INR 2,500.00</div>' in page
    assert '<div class="readonly">INR 0.50</div>' in page
    assert "500000" not in page


def test_the_change_page_shows_an_unreadable_price_as_unreadable(admin_client: Client) -> None:
    phone = make_exophone(one_time_price=None)

    page = admin_client.get(change_url(phone)).content.decode()

    assert '<div class="readonly">unreadable</div>' in page


def test_the_change_page_shows_the_status_while_fresh_and_no_data_after(
    admin_client: Client,
) -> None:
    phone = make_exophone(incoming_status="major_outage")

    fresh = admin_client.get(change_url(phone)).content.decode()
    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        old = admin_client.get(change_url(phone)).content.decode()

    assert '<span class="exo-badge exo-status-major-outage">Major outage</span>' in fresh
    assert "Major outage</span>" not in old
    assert (
        f'{GREY_NO_DATA} <span class="exo-quiet">last seen Major outage, 4\xa0hours ago</span>'
        in (old)
    )


def test_the_timeline_names_the_accounts_freshness_window(admin_client: Client) -> None:
    phone = make_exophone()

    page = admin_client.get(change_url(phone)).content.decode()

    assert "and at most 10\xa0minutes (twice the time this account takes to re-check" in page


def test_nobody_adds_or_deletes_exophones_by_hand(admin_client: Client) -> None:
    phone = make_exophone()

    assert admin_client.get(f"{EXOPHONES}add/").status_code == 403
    assert admin_client.get(f"{EXOPHONES}{phone.pk}/delete/").status_code == 403
    assert "delete_selected" not in admin_client.get(EXOPHONES).content.decode()


def test_the_change_page_shows_the_history_newest_first(admin_client: Client) -> None:
    phone = make_exophone()
    run = make_sync_run(account=phone.account)
    make_change(
        exophone=phone,
        old=None,
        new="https://flows/first",
        observed_at=T0 - timedelta(days=2),
        sync_run=run,
    )
    make_change(
        exophone=phone,
        old="https://flows/first",
        new="https://flows/second",
        observed_at=T0 - timedelta(days=1),
        sync_run=run,
    )

    response = admin_client.get(change_url(phone))
    page = response.content.decode()

    assert [row.change.new_value for row in response.context["changes"]] == [
        "https://flows/second",
        "https://flows/first",
    ]
    assert 'id="change-history"' in page
    assert f"?exophone__id__exact={phone.pk}" in page


def test_the_change_history_shows_local_edits_with_their_user_beside_the_syncs_changes(
    admin_client: Client, admin_user
) -> None:
    phone = make_exophone(currency="INR")
    run = make_sync_run(account=phone.account)
    make_change(
        exophone=phone,
        field="rental_price",
        old="499.000000",
        new="1499.500000",
        sync_run=run,
        observed_at=T0 - timedelta(days=1),
    )
    make_change(
        exophone=phone, field="cost_centre", old=None, new="CC-104", source="local", user=admin_user
    )

    response = admin_client.get(change_url(phone))
    page = response.content.decode()

    rows = [(row.change.field, row.old, row.new, row.author) for row in response.context["changes"]]
    assert rows == [
        ("cost_centre", "(empty)", "CC-104", "local edit by admin"),
        ("rental_price", "INR 499.00", "INR 1,499.50", "sync"),
    ]
    assert f'<a href="/admin/numbers/syncrun/{run.pk}/change/">sync</a>' in page
    assert "<td>local edit by admin</td>" in page
    assert "1499.500000" not in page


def test_a_local_edit_keeps_its_author_after_the_user_is_deleted(
    admin_client: Client, django_user_model
) -> None:
    phone = make_exophone()
    priya = django_user_model.objects.create_user("priya")
    make_change(exophone=phone, field="owner", old=None, new="Priya", source="local", user=priya)
    priya.delete()

    rows = admin_client.get(change_url(phone)).context["changes"]

    assert [(row.change.user, row.author) for row in rows] == [(None, "local edit by priya")]


def test_the_change_page_shows_at_most_100_changes(admin_client: Client) -> None:
    phone = make_exophone()
    run = make_sync_run(account=phone.account)
    ExoPhoneChange.objects.bulk_create(
        ExoPhoneChange(
            exophone=phone,
            sync_run=run,
            field="friendly_name",
            old_value=f"name {i}",
            new_value=f"name {i + 1}",
            observed_at=T0 - timedelta(minutes=5 * (120 - i)),
        )
        for i in range(120)
    )

    changes = admin_client.get(change_url(phone)).context["changes"]

    assert len(changes) == 100
    assert changes[0].change.new_value == "name 120"


def test_the_timeline_draws_runs_and_gaps_as_no_data(admin_client: Client) -> None:
    phone = make_exophone()
    make_connectivity_run(
        exophone=phone,
        status="active",
        first=T0 - timedelta(hours=5),
        last=T0 - timedelta(hours=3),
        is_current=False,
    )
    make_connectivity_run(
        exophone=phone,
        status="major_outage",
        first=T0 - timedelta(hours=1),
        last=T0 - timedelta(minutes=2),
        alternates=["+912261234567"],
    )

    response = admin_client.get(change_url(phone))
    timeline = response.context["timeline"]
    incoming, outgoing = timeline["drawn"].lanes

    # Oldest first, as drawn: nothing, active until a re-check period after
    # its last observation, nothing, then the outage still going on.
    assert [bar.css_class for bar in incoming.bars] == [
        "exo-status-no-data",
        "exo-status-active",
        "exo-status-no-data",
        "exo-status-major-outage",
    ]
    assert [bar.css_class for bar in outgoing.bars] == ["exo-status-no-data"]
    [incident] = timeline["incidents"]
    assert incident["incident"].started_at == T0 - timedelta(hours=1)
    assert incident["ended"] == "ongoing"
    page = response.content.decode()
    assert 'id="connectivity-timeline"' in page


def test_the_timeline_shows_no_data_since_a_number_was_last_observed(
    admin_client: Client,
) -> None:
    phone = make_exophone()
    make_connectivity_run(
        exophone=phone, status="active", first=T0 - timedelta(days=2), last=T0 - timedelta(days=1)
    )

    timeline = admin_client.get(change_url(phone)).context["timeline"]
    incoming = timeline["drawn"].lanes[0]

    # Active until a re-check period after it was last seen, a day ago: no
    # data since, though the run is still the number's current one.
    assert [bar.css_class for bar in incoming.bars] == [
        "exo-status-no-data",
        "exo-status-active",
        "exo-status-no-data",
    ]
    assert timeline["incidents"] == []


def test_the_change_page_runs_as_many_queries_for_a_long_history_as_for_a_short_one(
    admin_client: Client,
) -> None:
    phone = make_exophone()
    run = make_sync_run(account=phone.account)

    def add_history(count: int, start: int) -> None:
        for i in range(start, start + count):
            make_change(exophone=phone, old=str(i), new=str(i + 1), sync_run=run, observed_at=T0)
            for direction in Direction:
                make_connectivity_run(
                    exophone=phone,
                    direction=direction,
                    status="active" if i % 2 else "major_outage",
                    first=T0 - timedelta(hours=2 * i + 1),
                    last=T0 - timedelta(hours=2 * i),
                    is_current=False,
                )

    add_history(5, start=0)
    short = changelist_queries(admin_client, change_url(phone))
    add_history(60, start=5)
    long = changelist_queries(admin_client, change_url(phone))

    assert long == short


# --- Read-only records, accounts and circles


@pytest.mark.parametrize("model", ["syncrun", "exophonechange", "connectivityrun"])
def test_records_of_the_sync_cannot_be_added_changed_or_deleted_even_by_a_superuser(
    admin_client: Client, model: str
) -> None:
    phone = make_exophone()
    run = make_sync_run(account=phone.account)
    records = {
        "syncrun": run,
        "exophonechange": make_change(exophone=phone, old="a", new="b", sync_run=run),
        "connectivityrun": make_connectivity_run(
            exophone=phone, status="active", first=T0, last=T0
        ),
    }
    url = f"/admin/numbers/{model}/"
    pk = records[model].pk

    assert admin_client.get(url).status_code == 200
    assert admin_client.get(f"{url}add/").status_code == 403
    assert admin_client.get(f"{url}{pk}/delete/").status_code == 403
    view = admin_client.get(f"{url}{pk}/change/")
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert admin_client.post(f"{url}{pk}/change/", {}).status_code == 403


def test_the_change_record_list_shows_amounts_as_money_and_who_made_each_change(
    admin_client: Client, admin_user
) -> None:
    phone = make_exophone(currency="USD")
    make_change(exophone=phone, field="rental_price", old="5.000000", new="7.250000")
    make_change(exophone=phone, field="owner", old="", new="Priya", source="local", user=admin_user)

    response = admin_client.get("/admin/numbers/exophonechange/")
    page = response.content.decode()
    record = admin_client.get(
        f"/admin/numbers/exophonechange/{ExoPhoneChange.objects.get(field='rental_price').pk}/change/"
    ).content.decode()

    assert '<td class="field-old">USD 5.00</td>' in page
    assert '<td class="field-new">USD 7.25</td>' in page
    assert '<td class="field-author">sync</td>' in page
    assert '<td class="field-author">local edit by admin</td>' in page
    assert "7.250000" not in page
    assert '<div class="readonly">USD 7.25</div>' in record
    assert "7.250000" not in record


def test_the_change_record_list_filters_local_edits(admin_client: Client, admin_user) -> None:
    phone = make_exophone()
    make_change(exophone=phone, old="a", new="b")
    local = make_change(
        exophone=phone, field="notes", old=None, new="x", source="local", user=admin_user
    )

    response = admin_client.get("/admin/numbers/exophonechange/?source__exact=local")

    assert [c.pk for c in response.context["cl"].result_list] == [local.pk]


def test_the_change_records_search_finds_a_number_in_any_form(admin_client: Client) -> None:
    phone = make_exophone(phone_number="+911139585476")
    make_change(exophone=phone, old="a", new="b")
    make_change(exophone=make_exophone(phone_number="+912261234567"), old="c", new="d")

    response = admin_client.get("/admin/numbers/exophonechange/?q=011-3958 5476")

    assert [c.exophone_id for c in response.context["cl"].result_list] == [phone.pk]


def test_an_accounts_display_name_is_editable_and_its_sid_and_host_are_not(
    admin_client: Client,
) -> None:
    account = make_account(sid="acme", api_host="api.in.exotel.com")

    response = admin_client.post(
        f"/admin/numbers/account/{account.pk}/change/",
        {"display_name": "Acme India", "sid": "hijacked", "api_host": "evil.example.com"},
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.display_name, account.sid, account.api_host) == (
        "Acme India",
        "acme",
        "api.in.exotel.com",
    )
    assert admin_client.get("/admin/numbers/account/add/").status_code == 403


def test_the_account_list_says_which_accounts_are_not_configured(admin_client: Client) -> None:
    make_account(sid="acme")
    make_account(sid="initech")

    page = admin_client.get("/admin/numbers/account/").content.decode()

    assert page.count('<td class="field-configured">yes</td>') == 1
    assert page.count('<td class="field-configured">not configured</td>') == 1
    initech_row = page[page.index(">initech<") :]
    assert initech_row.index("not configured") < initech_row.index("</tr>")


def test_the_sync_run_list_shows_kind_outcome_skipped_records_and_emptied_fields(
    admin_client: Client,
) -> None:
    account = make_account()
    make_sync_run(
        account=account,
        kind=SyncRun.Kind.LISTING,
        outcome=SyncRun.Outcome.PARTIAL,
        numbers_seen=40,
        records_skipped=2,
        fields_emptied={"rental_price": 3, "incoming_pulse": 1},
    )
    make_sync_run(
        account=account,
        kind=SyncRun.Kind.SWEEP,
        started_at=T0 + timedelta(minutes=1),
        connectivity_checked=30,
        numbers_unchecked=10,
    )

    response = admin_client.get(SYNC_RUNS)
    page = response.content.decode()

    assert len(response.context["cl"].result_list) == 2
    assert '<td class="field-kind">Listing</td>' in page
    assert '<td class="field-kind">Connectivity sweep</td>' in page
    assert '<td class="field-outcome">Partial (records skipped or fields emptied)</td>' in page
    assert '<td class="field-records_skipped">2</td>' in page
    assert '<td class="field-numbers_unchecked">10</td>' in page
    assert "rental_price (3)" in page
    assert "incoming_pulse (1)" in page
    assert '<td class="field-duration">20 s</td>' in page


@pytest.mark.parametrize(
    ("took", "shown"),
    [
        (timedelta(seconds=1.555256), "1 s"),
        (timedelta(minutes=3, seconds=12), "3 min 12 s"),
        (timedelta(hours=1, minutes=2, seconds=3), "1 h 2 min"),
        (None, "-"),
    ],
)
def test_a_sync_runs_duration_reads_in_its_two_largest_units(
    admin_client: Client, took: timedelta | None, shown: str
) -> None:
    run = make_sync_run(account=make_account(), finished_at=None if took is None else T0 + took)

    listed_runs = admin_client.get(SYNC_RUNS).content.decode()
    run_page = admin_client.get(f"{SYNC_RUNS}{run.pk}/change/").content.decode()

    assert f'<td class="field-duration">{shown}</td>' in listed_runs
    if took is not None:
        assert f'<div class="readonly">{shown}</div>' in run_page
    assert "0:0" not in listed_runs


def test_the_connectivity_run_list_shows_how_long_a_run_lasted_and_its_alternates(
    admin_client: Client,
) -> None:
    phone = make_exophone()
    make_connectivity_run(
        exophone=phone,
        status="major_outage",
        first=T0 - timedelta(hours=3, minutes=12),
        last=T0,
        alternates=["+912261234567", "+914041234567"],
    )
    make_connectivity_run(
        exophone=phone, direction=Direction.OUTGOING, status="active", first=T0, last=T0
    )

    page = admin_client.get("/admin/numbers/connectivityrun/").content.decode()

    assert '<td class="field-lasted">3 h 12 min</td>' in page
    assert '<td class="field-lasted">seen once</td>' in page
    assert '<td class="field-alternates_shown">+912261234567, +914041234567</td>' in page


def test_the_sync_run_list_filters_by_kind(admin_client: Client) -> None:
    account = make_account()
    make_sync_run(account=account, kind=SyncRun.Kind.LISTING)
    sweep = make_sync_run(account=account, kind=SyncRun.Kind.SWEEP)

    response = admin_client.get(f"{SYNC_RUNS}?kind__exact=sweep")

    assert [run.pk for run in response.context["cl"].result_list] == [sweep.pk]


def test_a_superuser_renames_a_circle_but_not_its_code(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/numbers/circle/OR/change/", {"code": "OD", "name": "Odisha"}
    )

    assert response.status_code == 302
    assert Circle.objects.get(code="OR").name == "Odisha"
    assert not Circle.objects.filter(code="OD").exists()


# --- The index warning and the read behind it


def finished(account: Account, kind: str, *, minutes_ago: float, **fields) -> SyncRun:
    """A run of `kind` that finished `minutes_ago`, 20 seconds after it started."""
    end = T0 - timedelta(minutes=minutes_ago)
    return make_sync_run(
        account=account,
        kind=kind,
        started_at=end - timedelta(seconds=20),
        finished_at=end,
        **fields,
    )


LISTING, SWEEP = SyncRun.Kind.LISTING, SyncRun.Kind.SWEEP


def test_sync_states_give_each_configured_accounts_last_good_listing_and_sweep_in_one_query(
    django_assert_num_queries,
) -> None:
    acme, globex = make_account(sid="acme"), make_account(sid="globex")
    make_account(sid="initech")  # not configured
    finished(acme, LISTING, minutes_ago=50)
    finished(acme, LISTING, minutes_ago=40, outcome=SyncRun.Outcome.PARTIAL)
    finished(acme, LISTING, minutes_ago=30, outcome=SyncRun.Outcome.FAILED)
    finished(acme, SWEEP, minutes_ago=10)
    finished(acme, SWEEP, minutes_ago=5)
    make_sync_run(account=acme, kind=SWEEP, outcome="running", finished_at=None)
    finished(globex, LISTING, minutes_ago=20)
    finished(globex, SWEEP, minutes_ago=1)

    with django_assert_num_queries(1):
        states = sync_states()

    assert {state.sid: state.last_good for state in states} == {
        "acme": {LISTING: T0 - timedelta(minutes=40), SWEEP: T0 - timedelta(minutes=5)},
        "globex": {LISTING: T0 - timedelta(minutes=20), SWEEP: T0 - timedelta(minutes=1)},
    }


def test_sync_states_ask_once_more_for_the_first_runs_of_kinds_never_good(
    django_assert_num_queries,
) -> None:
    acme, globex = make_account(sid="acme"), make_account(sid="globex")
    finished(acme, LISTING, minutes_ago=50)
    finished(acme, SWEEP, minutes_ago=30, outcome=SyncRun.Outcome.FAILED)
    finished(acme, SWEEP, minutes_ago=20, outcome=SyncRun.Outcome.FAILED)

    with django_assert_num_queries(2):
        states = {state.sid: state for state in sync_states()}

    assert states["acme"].last_good == {LISTING: T0 - timedelta(minutes=50), SWEEP: None}
    assert states["acme"].first_run[SWEEP] == T0 - timedelta(minutes=30, seconds=20)
    assert states["globex"].first_run == {LISTING: None, SWEEP: None}
    assert globex.pk == states["globex"].pk


def warnings_on_the_index(client: Client) -> str | None:
    """The index's sync warning as one line, or None when there is none."""
    page = client.get("/admin/").content.decode()
    if 'id="sync-warnings"' not in page:
        return None
    start = page.index('id="sync-warnings"')
    # Spaces and line breaks of the template collapsed; timesince's no-break spaces kept.
    return re.sub(r"[ \n]+", " ", page[start : page.index("</ul>", start)])


def test_the_index_warns_when_the_last_good_sweep_is_older_than_three_intervals(
    admin_client: Client,
) -> None:
    acme = make_account(sid="acme")
    finished(acme, LISTING, minutes_ago=30)
    finished(acme, SWEEP, minutes_ago=16)
    finished(acme, SWEEP, minutes_ago=1, outcome="failed")

    warning = warnings_on_the_index(admin_client)

    assert warning is not None
    assert "Account acme: the last good connectivity sweep finished 16\xa0minutes ago" in warning
    assert "one is due every 5 minutes." in warning
    assert "listing" not in warning


def test_the_index_warns_when_the_last_good_listing_is_older_than_three_listing_intervals(
    admin_client: Client,
) -> None:
    acme = make_account(sid="acme")
    finished(acme, LISTING, minutes_ago=181)
    finished(acme, SWEEP, minutes_ago=1)

    warning = warnings_on_the_index(admin_client)

    assert warning is not None
    assert "Account acme: the last good listing finished 3\xa0hours, 1\xa0minute ago" in warning
    assert "one is due every 60 minutes." in warning
    assert "sweep" not in warning


def test_the_index_does_not_warn_while_listings_and_sweeps_succeed(admin_client: Client) -> None:
    acme = make_account(sid="acme")
    finished(acme, LISTING, minutes_ago=180)
    finished(acme, SWEEP, minutes_ago=14)
    finished(acme, SWEEP, minutes_ago=15, outcome=SyncRun.Outcome.PARTIAL)

    assert warnings_on_the_index(admin_client) is None


def test_a_partial_run_counts_as_good(admin_client: Client) -> None:
    acme = make_account(sid="acme")
    finished(acme, LISTING, minutes_ago=10, outcome=SyncRun.Outcome.PARTIAL)
    finished(acme, SWEEP, minutes_ago=1, outcome=SyncRun.Outcome.PARTIAL)
    finished(acme, SWEEP, minutes_ago=200, outcome=SyncRun.Outcome.FAILED)

    assert warnings_on_the_index(admin_client) is None


def test_the_index_warns_when_no_sweep_succeeded_since_the_first_long_ago(
    admin_client: Client,
) -> None:
    acme = make_account(sid="acme")
    finished(acme, LISTING, minutes_ago=20)
    finished(acme, SWEEP, minutes_ago=20, outcome="failed", error="HTTP 401 from api.in.exotel.com")
    finished(acme, SWEEP, minutes_ago=1, outcome="failed", error="HTTP 401 from api.in.exotel.com")

    warning = warnings_on_the_index(admin_client)

    assert warning is not None
    assert "Account acme: no connectivity sweep has succeeded yet." in warning


def test_the_index_does_not_warn_while_the_first_runs_are_new(admin_client: Client) -> None:
    acme = make_account(sid="acme")
    finished(acme, LISTING, minutes_ago=1, outcome="failed")
    make_sync_run(account=acme, kind=SWEEP, outcome="running", finished_at=None)

    assert warnings_on_the_index(admin_client) is None


def test_the_index_ignores_an_account_that_is_not_configured(admin_client: Client) -> None:
    initech = make_account(sid="initech")
    finished(initech, LISTING, minutes_ago=60 * 24 * 30)
    finished(initech, SWEEP, minutes_ago=60 * 24 * 30, outcome="failed")
    acme = make_account(sid="acme")
    finished(acme, SWEEP, minutes_ago=16)

    warning = warnings_on_the_index(admin_client)

    assert warning is not None
    assert "initech" not in warning
    assert "Account acme" in warning


def test_the_index_does_not_warn_before_any_account_exists(admin_client: Client) -> None:
    assert not Account.objects.exists()

    assert warnings_on_the_index(admin_client) is None


def test_the_index_warning_follows_the_sync_interval(admin_client: Client, settings) -> None:
    settings.SYNC_INTERVAL_MINUTES = 10
    finished(make_account(), SWEEP, minutes_ago=16)

    assert warnings_on_the_index(admin_client) is None


def test_the_index_warning_follows_the_listing_interval(admin_client: Client, settings) -> None:
    settings.LISTING_INTERVAL_MINUTES = 5
    acme = make_account()
    finished(acme, LISTING, minutes_ago=16)
    finished(acme, SWEEP, minutes_ago=1)

    warning = warnings_on_the_index(admin_client)

    assert warning is not None
    assert "the last good listing finished 16\xa0minutes ago" in warning


def test_every_model_has_an_admin(admin_client: Client) -> None:
    for model in (Account, Circle, ExoPhone, SyncRun, ExoPhoneChange, ConnectivityRun):
        url = f"/admin/numbers/{model._meta.model_name}/"
        assert admin_client.get(url).status_code == 200, url


# --- Bulk actions


def bulk_set(client: Client, action: str, phones: list[ExoPhone], **data: str):
    return client.post(
        EXOPHONES, {"action": action, "_selected_action": [p.pk for p in phones], **data}
    )


def test_a_bulk_action_first_asks_for_the_value_and_changes_nothing(admin_client: Client) -> None:
    phones = [make_exophone(cost_centre="OLD") for _ in range(3)]

    response = bulk_set(admin_client, "set_cost_centre", phones)
    page = response.content.decode()

    assert response.status_code == 200
    assert response.templates[0].name == "admin/numbers/exophone/bulk_set.html"
    assert "Set the cost centre of 3 numbers" in page
    assert all(phone.phone_number in page for phone in phones)
    for phone in phones:
        assert f'name="_selected_action" value="{phone.pk}"' in page
    assert 'name="action" value="set_cost_centre"' in page
    assert set(ExoPhone.objects.values_list("cost_centre", flat=True)) == {"OLD"}
    assert not ExoPhoneChange.objects.exists()


def test_setting_the_cost_centre_records_one_change_per_number_with_the_user(
    admin_client: Client,
) -> None:
    a, b = make_exophone(cost_centre=""), make_exophone(cost_centre="CC-1")
    already, untouched = make_exophone(cost_centre="CC-104"), make_exophone(cost_centre="CC-9")

    response = bulk_set(
        admin_client, "set_cost_centre", [a, b, already], apply="yes", value="CC-104"
    )

    assert response.status_code == 302
    assert dict(ExoPhone.objects.values_list("pk", "cost_centre")) == {
        a.pk: "CC-104",
        b.pk: "CC-104",
        already.pk: "CC-104",
        untouched.pk: "CC-9",
    }
    records = ExoPhoneChange.objects.order_by("exophone_id")
    assert [
        (c.exophone_id, c.field, c.old_value, c.new_value, c.source, c.user_name, c.sync_run)
        for c in records
    ] == [
        (a.pk, "cost_centre", None, "CC-104", "local", "admin", None),
        (b.pk, "cost_centre", "CC-1", "CC-104", "local", "admin", None),
    ]
    message = [str(m) for m in admin_client.get(EXOPHONES).context["messages"]]
    assert message == ["Cost centre set to “CC-104” on 2 numbers; 1 had it already."]


def test_setting_the_owner_to_nothing_clears_it(admin_client: Client) -> None:
    phone = make_exophone(owner="Priya")

    bulk_set(admin_client, "set_owner", [phone], apply="yes", value="")

    phone.refresh_from_db()
    assert phone.owner == ""
    message = [str(m) for m in admin_client.get(EXOPHONES).context["messages"]]
    assert message == ["Owner cleared on 1 number."]
    change = ExoPhoneChange.objects.get()
    assert (change.field, change.old_value, change.new_value) == ("owner", "Priya", None)


def test_a_bulk_value_too_long_is_asked_for_again(admin_client: Client) -> None:
    phone = make_exophone()

    response = bulk_set(admin_client, "set_cost_centre", [phone], apply="yes", value="C" * 65)

    assert response.status_code == 200
    assert "at most 64 characters" in response.content.decode()
    assert not ExoPhoneChange.objects.exists()


def test_a_bulk_action_across_every_page_sets_every_number_the_filters_list(
    admin_client: Client,
) -> None:
    delhi = [make_exophone(region="DL") for _ in range(3)]
    mumbai = make_exophone(region="MU")

    admin_client.post(
        f"{EXOPHONES}?circle=DL",
        {
            "action": "set_owner",
            "_selected_action": [delhi[0].pk],
            "select_across": "1",
            "apply": "yes",
            "value": "Delhi team",
        },
    )

    assert dict(ExoPhone.objects.values_list("pk", "owner")) == {
        **{phone.pk: "Delhi team" for phone in delhi},
        mumbai.pk: "",
    }
    assert ExoPhoneChange.objects.count() == 3


def test_a_bulk_action_runs_as_many_queries_for_40_numbers_as_for_4(admin_client: Client) -> None:
    def queries(count: int, value: str) -> int:
        phones = [make_exophone() for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            response = bulk_set(admin_client, "set_cost_centre", phones, apply="yes", value=value)
        assert response.status_code == 302
        return len(captured)

    with_4 = queries(4, "CC-4")
    with_40 = queries(40, "CC-40")

    assert with_40 == with_4
    assert ExoPhoneChange.objects.filter(new_value="CC-40").count() == 40


@pytest.mark.django_db
def test_filter_choices_are_each_present_value_once_read_without_a_scan_of_every_row() -> None:
    account = make_account()
    assert distinct_values("currency") == []
    for index, currency in enumerate(["USD", "INR", "", "INR", "USD", "INR"]):
        make_exophone(account=account, sid=f"s{index}", currency=currency)

    with CaptureQueriesContext(connection) as queries:
        assert distinct_values("currency") == ["", "INR", "USD"]

    assert len(queries) == 1
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {queries[0]['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "exophone_currency" in plan and "Seq Scan" not in plan
