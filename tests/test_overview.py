"""Status now, the admin index (selectors.overview and its template).

Time stands at T0, when the factories' numbers were last observed: with a
sweep every 5 minutes at 50 requests a minute, a small account's statuses are
fresh for 10 minutes (numbers.cadence), so "an hour ago" is no data."""

import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exoinventory.numbers.models import Account, Direction, ExoPhone, SyncRun
from exoinventory.numbers.selectors import overview as overview_module
from exoinventory.numbers.selectors.alternates import Alternate
from exoinventory.numbers.selectors.overview import (
    AccountOverview,
    Overview,
    Rental,
    status_overview,
)
from tests.factories import (
    T0,
    make_account,
    make_connectivity_run,
    make_exophone,
    make_sync_run,
    make_user,
)

pytestmark = pytest.mark.django_db

INCOMING, OUTGOING = Direction.INCOMING, Direction.OUTGOING
LISTING, SWEEP = SyncRun.Kind.LISTING, SyncRun.Kind.SWEEP
HOUR_AGO = T0 - timedelta(hours=1)


@pytest.fixture(autouse=True)
def _frozen_time(settings) -> Iterator[None]:
    settings.TIME_ZONE = "Asia/Kolkata"  # T0 is 11:30 IST
    settings.SYNC_INTERVAL_MINUTES = 5
    settings.LISTING_INTERVAL_MINUTES = 60
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 50
    settings.EXOTEL_ACCOUNTS = "http://k:t@127.0.0.1:9/acme,http://k:t@127.0.0.1:9/globex"
    with time_machine.travel(T0, tick=False):
        yield


def overview(**options: bool) -> Overview:
    return status_overview(now=T0, **options)


def by_sid(**options: bool) -> dict[str, AccountOverview]:
    return {account.sid: account for account in overview(**options).accounts}


def client_of(username: str, **user_options: object) -> Client:
    client = Client()
    client.force_login(make_user(username, **user_options))
    return client


def index(client: Client) -> str:
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, element_id: str) -> str:
    """The element with `element_id`, up to its closing tag."""
    start = page.rindex("<", 0, page.index(f'id="{element_id}"'))
    tag = re.match(r"<(\w+)", page[start:]).group(1)
    depth = 0
    for match in re.finditer(rf"<(/?){tag}\b[^>]*>", page[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return page[start : start + match.end()]
    raise AssertionError(f"#{element_id} is not closed")


def text(html: str) -> str:
    """Visible text on one line: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# --- Counts per direction and status now


def test_it_counts_current_numbers_per_direction_by_their_status_now() -> None:
    acme = make_account(sid="acme")
    make_exophone(account=acme)
    make_exophone(account=acme)
    make_exophone(account=acme, incoming_status="major_outage")
    make_exophone(account=acme, outgoing_status="partial_network_outage")
    # An outage seen an hour ago is no data now, in both directions.
    make_exophone(account=acme, incoming_status="major_outage", connectivity_observed_at=HOUR_AGO)
    make_exophone(
        account=acme, incoming_status="", outgoing_status="", connectivity_observed_at=None
    )
    make_exophone(account=acme, incoming_status="degraded")
    make_exophone(account=acme, incoming_status="major_outage", released_at=T0 - timedelta(days=1))

    account = by_sid()["acme"]

    assert account.statuses == {
        INCOMING: Counter(
            {"active": 3, "major_outage": 1, "": 2, "degraded": 1},
        ),
        OUTGOING: Counter({"active": 4, "partial_network_outage": 1, "": 2}),
    }
    assert account.numbers == 7


def test_counts_are_kept_per_account_and_leave_out_accounts_not_configured() -> None:
    acme, globex, initech = (make_account(sid=sid) for sid in ("acme", "globex", "initech"))
    make_exophone(account=acme)
    make_exophone(account=globex, incoming_status="major_outage")
    make_exophone(account=initech, incoming_status="major_outage")

    result = overview()

    assert [account.sid for account in result.accounts] == ["acme", "globex"]
    assert result.accounts[0].statuses[INCOMING] == Counter({"active": 1})
    assert result.accounts[1].statuses[INCOMING] == Counter({"major_outage": 1})
    assert result.down_total == 1


# --- Down now


def test_down_now_is_every_fresh_status_but_active_and_never_a_released_or_stale_number() -> None:
    acme = make_account(sid="acme")
    make_exophone(account=acme, phone_number="+911100000001")
    major_in = make_exophone(
        account=acme, phone_number="+911100000002", incoming_status="major_outage"
    )
    partial_out = make_exophone(
        account=acme, phone_number="+911100000003", outgoing_status="partial_network_outage"
    )
    unknown = make_exophone(account=acme, phone_number="+911100000004", incoming_status="degraded")
    make_exophone(
        account=acme,
        phone_number="+911100000005",
        incoming_status="major_outage",
        released_at=T0 - timedelta(days=1),
    )
    make_exophone(
        account=acme,
        phone_number="+911100000006",
        incoming_status="major_outage",
        connectivity_observed_at=HOUR_AGO,
    )

    result = overview()

    assert [number.phone.pk for number in result.down] == [major_in.pk, partial_out.pk, unknown.pk]
    assert result.down_total == 3
    assert [set(number.alternates) for number in result.down] == [
        {INCOMING},
        {OUTGOING},
        {INCOMING},
    ]


def test_a_number_down_now_says_since_when_its_current_run_began() -> None:
    phone = make_exophone(incoming_status="major_outage")
    make_connectivity_run(
        exophone=phone, status="major_outage", first=T0 - timedelta(hours=2), last=T0
    )

    (down,) = overview().down

    assert down.phone.incoming_since == T0 - timedelta(hours=2)
    assert down.phone.incoming_now == "major_outage"
    assert down.phone.outgoing_now == "active"


def test_alternates_are_our_numbers_with_their_own_status_now() -> None:
    acme = make_account(sid="acme")
    up = make_exophone(account=acme, phone_number="+912261234567")
    also_down = make_exophone(
        account=acme,
        phone_number="+912261234568",
        incoming_status="major_outage",
        incoming_alternates=["+911139585476"],
    )
    stale = make_exophone(
        account=acme, phone_number="+912261234569", connectivity_observed_at=HOUR_AGO
    )
    down = make_exophone(
        account=acme,
        phone_number="+911139585476",
        incoming_status="major_outage",
        # Exotel's forms: national, E.164, and a number that is not ours.
        incoming_alternates=["022 6123 4567", "+912261234568", "+912261234569", "+918000000000"],
        outgoing_alternates=["+912261234567"],  # outgoing is active: not shown
    )

    numbers = {number.phone.pk: number for number in overview().down}

    assert numbers[down.pk].alternates == {
        INCOMING: [
            Alternate(phone_number="+912261234567", pk=up.pk, status_now="active"),
            Alternate(phone_number="+912261234568", pk=also_down.pk, status_now="major_outage"),
            Alternate(phone_number="+912261234569", pk=stale.pk, status_now=None),
            Alternate(phone_number="+918000000000"),
        ]
    }
    assert numbers[also_down.pk].alternates == {
        INCOMING: [Alternate(phone_number="+911139585476", pk=down.pk, status_now="major_outage")]
    }


def test_down_now_lists_the_first_numbers_and_counts_them_all(monkeypatch) -> None:
    monkeypatch.setattr(overview_module, "DOWN_SHOWN", 2)
    acme, globex = make_account(sid="acme"), make_account(sid="globex")
    third = make_exophone(
        account=globex, phone_number="+911100000001", incoming_status="major_outage"
    )
    first = make_exophone(
        account=acme, phone_number="+911100000003", incoming_status="major_outage"
    )
    second = make_exophone(account=acme, phone_number="+911100000004", outgoing_status="x")
    make_exophone(account=acme, phone_number="+911100000002")

    result = overview()

    assert [number.phone.pk for number in result.down] == [first.pk, second.pk]
    assert result.down_total == 3
    assert third.pk not in {number.phone.pk for number in result.down}


# --- Rental per currency


def test_rental_is_summed_per_currency_with_unreadable_rentals_counted_apart() -> None:
    acme = make_account(sid="acme")
    make_exophone(account=acme, rental_price=Decimal("499.000000"))
    make_exophone(account=acme, rental_price=Decimal("1499.500000"))
    make_exophone(account=acme, rental_price=None)
    make_exophone(account=acme, rental_price=Decimal("5.250000"), currency="USD")
    make_exophone(account=acme, rental_price=None, currency="EUR")
    make_exophone(account=acme, rental_price=Decimal("999"), released_at=T0 - timedelta(days=1))

    rentals = by_sid(with_rental=True)["acme"].rentals

    assert rentals == [
        Rental(currency="EUR", numbers=1, monthly_rental=None, unreadable=1),
        Rental(currency="INR", numbers=3, monthly_rental=Decimal("1998.5"), unreadable=1),
        Rental(currency="USD", numbers=1, monthly_rental=Decimal("5.25"), unreadable=0),
    ]


def test_rental_is_read_only_when_asked_for(django_assert_num_queries) -> None:
    acme = make_account(sid="acme")
    make_exophone(account=acme)

    # The accounts, their cadences, the counts; and the rentals.
    with django_assert_num_queries(3):
        without = by_sid()
    with django_assert_num_queries(4):
        with_rental = by_sid(with_rental=True)

    assert without["acme"].rentals == []
    assert with_rental["acme"].rentals[0].numbers == 1


# --- Listings and sweeps


def test_it_gives_each_accounts_last_listing_and_sweep_and_the_last_good_one() -> None:
    acme = make_account(sid="acme")
    good_listing = make_sync_run(account=acme, kind=LISTING, started_at=T0 - timedelta(hours=2))
    failed_listing = make_sync_run(
        account=acme, kind=LISTING, started_at=T0 - timedelta(hours=1), outcome="failed"
    )
    make_sync_run(account=acme, kind=SWEEP, started_at=T0 - timedelta(minutes=10))
    sweep = make_sync_run(
        account=acme, kind=SWEEP, started_at=T0 - timedelta(minutes=5), outcome="partial"
    )

    runs = by_sid()["acme"].runs

    assert (runs[LISTING].last, runs[LISTING].last_good) == (failed_listing, good_listing)
    assert not runs[LISTING].last_is_good
    assert (runs[SWEEP].last, runs[SWEEP].last_good) == (sweep, sweep)
    assert runs[SWEEP].last_is_good


def test_a_configured_account_no_run_has_reached_is_listed_with_nothing_known() -> None:
    make_account(sid="acme")

    globex = by_sid()["globex"]

    assert globex.pk is None
    assert globex.numbers == 0
    assert all(pair.last is None and pair.last_good is None for pair in globex.runs.values())


def test_nothing_is_read_when_exotel_accounts_cannot_be_read(
    settings, django_assert_num_queries
) -> None:
    settings.EXOTEL_ACCOUNTS = "not a url"

    with django_assert_num_queries(0):
        result = overview()

    assert not result.accounts_readable
    assert result.accounts == []


# --- The page


def an_inventory(numbers: int) -> dict[str, ExoPhone]:
    """Two accounts with listings and sweeps, and `numbers` numbers in them:
    a few down with alternates, some stale, some released, rentals in two
    currencies; returns the named ones."""
    acme = make_account(sid="acme", display_name="Acme India")
    globex = make_account(sid="globex")
    for account in (acme, globex):
        make_sync_run(
            account=account,
            kind=LISTING,
            started_at=T0 - timedelta(minutes=13),
            finished_at=T0 - timedelta(minutes=12),
            numbers_seen=numbers // 2,
        )
        make_sync_run(
            account=account,
            kind=SWEEP,
            started_at=T0 - timedelta(minutes=4),
            finished_at=T0 - timedelta(minutes=3),
            numbers_unchecked=2,
        )
    make_sync_run(
        account=acme,
        kind=SWEEP,
        started_at=T0 - timedelta(minutes=1),
        finished_at=T0 - timedelta(seconds=30),
        outcome="failed",
        error="Exotel answered 503 three times",
    )
    named = {
        "mumbai": make_exophone(
            account=acme, phone_number="+912261234567", friendly_name="Mumbai sales"
        ),
        "delhi": make_exophone(
            account=acme,
            phone_number="+911139585476",
            friendly_name="Delhi helpline",
            incoming_status="major_outage",
            incoming_alternates=["+912261234567", "+914041234567"],
            rental_price=Decimal("1499.500000"),
        ),
        "hyderabad": make_exophone(
            account=acme,
            phone_number="+914041234567",
            incoming_status="partial_network_outage",
            incoming_alternates=["+911139585476"],
            rental_price=None,
        ),
    }
    make_connectivity_run(
        exophone=named["delhi"], status="major_outage", first=T0 - timedelta(hours=2), last=T0
    )
    for n in range(numbers - len(named)):
        make_exophone(
            account=(acme, globex)[n % 2],
            phone_number=f"+9180{n:08d}",
            incoming_status=("active", "major_outage", "active", "degraded")[n // 2 % 4],
            incoming_alternates=["+912261234567"] if n // 2 % 4 == 1 else None,
            connectivity_observed_at=HOUR_AGO if n % 5 == 0 else T0,
            released_at=T0 - timedelta(days=1) if n % 7 == 0 else None,
            currency=("INR", "USD")[n % 2],
        )
    return named


@pytest.mark.parametrize(
    ("role", "user_options"),
    [
        ("Support", {"groups": ("Support",)}),
        ("Finance", {"groups": ("Finance",)}),
        ("Auditor", {"groups": ("Auditor",)}),
        ("superuser", {"is_superuser": True}),
    ],
)
def test_every_role_sees_the_status_now_on_the_admin_index(role: str, user_options: dict) -> None:
    an_inventory(3)
    page = index(client_of(role.lower(), **user_options))

    # First, before the reports and the models.
    assert page.index('id="status-now"') < page.index('class="app-numbers module')
    assert "Account acme" in page
    assert "Delhi helpline" in section(page, "down-now")
    # Finance (and superusers) alone see what the numbers cost.
    assert ("Monthly rental" in page) == (role in ("Finance", "superuser"))
    # Sync runs are linked for those who may open them.
    assert ("/admin/numbers/syncrun/" in page) == (role in ("Auditor", "superuser"))


def test_a_user_who_may_not_view_numbers_sees_no_overview() -> None:
    an_inventory(3)

    page = index(client_of("nobody"))

    assert 'id="status-now"' not in page


def test_the_page_says_when_each_listing_and_sweep_ended_and_how(admin_client: Client) -> None:
    an_inventory(3)

    acme = text(section(index(admin_client), "account-acme"))

    assert "Last listing 12 min ago (22 Nov 2026, 11:18 IST) Success 1 number listed" in acme
    assert (
        "Last connectivity sweep 30 s ago (22 Nov 2026, 11:29 IST) Failed "
        "Exotel answered 503 three times 0 numbers left unchecked "
        "Last good: 3 min ago (22 Nov 2026, 11:27 IST) Success 2 numbers left unchecked"
    ) in acme


def test_the_page_says_so_when_no_listing_or_sweep_has_succeeded(admin_client: Client) -> None:
    acme = make_account(sid="acme")
    make_sync_run(
        account=acme, kind=LISTING, started_at=T0 - timedelta(minutes=3), outcome="failed"
    )
    make_sync_run(
        account=acme,
        kind=SWEEP,
        started_at=T0 - timedelta(minutes=1),
        finished_at=None,
        outcome="running",
    )

    page = index(admin_client)
    acme_block = text(section(page, "account-acme"))

    assert "Failed" in acme_block
    assert "running, started 1 min ago" in acme_block
    assert acme_block.count("None has succeeded yet.") == 2
    assert "No listing has reached this account yet" in text(page)  # globex


COUNT_LINK = r'<a href="(/admin/numbers/exophone/\?[^"]+)">(\d+)</a>'


def test_each_count_links_to_the_exophone_list_filtered_to_exactly_those_numbers(
    admin_client: Client,
) -> None:
    named = an_inventory(40)
    counts = section(index(admin_client), "account-acme")

    cells = [(href.replace("&amp;", "&"), int(n)) for href, n in re.findall(COUNT_LINK, counts)]
    listed = {href: admin_client.get(href).context["cl"] for href, _ in cells}

    # active, partial, major, no data and "degraded" incoming; active and no data outgoing
    assert len(cells) == 7
    assert all(listed[href].result_count == n for href, n in cells)
    (major,) = [href for href, _ in cells if "incoming=major_outage" in href]
    assert named["delhi"] in listed[major].result_list
    assert {phone.account.sid for phone in listed[major].result_list} == {"acme"}


def test_a_status_word_we_do_not_know_has_a_column_of_its_own(admin_client: Client) -> None:
    make_exophone(account=make_account(sid="acme"), incoming_status="degraded")

    counts = section(index(admin_client), "account-acme")

    assert '<span class="exo-badge exo-status-other">degraded</span>' in counts
    assert "incoming=degraded" in counts


def test_down_now_links_each_alternate_to_its_number_with_its_own_badge(
    admin_client: Client,
) -> None:
    named = an_inventory(3)

    down = section(index(admin_client), "down-now")
    delhi_row = down[
        down.index(named["delhi"].phone_number) : down.index(
            "</tr>", down.index(named["delhi"].phone_number)
        )
    ]

    assert "since 09:30" in delhi_row  # the run began at 04:00 UTC
    mumbai = reverse("admin:numbers_exophone_change", args=[named["mumbai"].pk])
    hyderabad = reverse("admin:numbers_exophone_change", args=[named["hyderabad"].pk])
    assert (
        f'<a href="{mumbai}">+912261234567</a> '
        '<span class="exo-badge exo-status-active">Active</span>'
    ) in delhi_row
    assert (
        f'<a href="{hyderabad}">+914041234567</a> '
        '<span class="exo-badge exo-status-partial-network-outage">Partial network outage</span>'
    ) in delhi_row


def test_down_now_says_how_many_more_there_are(admin_client: Client, monkeypatch) -> None:
    monkeypatch.setattr(overview_module, "DOWN_SHOWN", 1)
    an_inventory(3)

    more = text(section(index(admin_client), "down-more"))

    assert more.startswith("And 1 more:")


def test_a_finance_user_reads_the_rental_per_currency_never_mixed() -> None:
    an_inventory(3)

    acme = text(section(index(client_of("fiona", groups=("Finance",))), "account-acme"))

    assert (
        "Monthly rental: INR 1,998.50 (3 numbers; 1 with a rental Exotel sent unreadably, "
        "not in the sum)"
    ) in acme


@pytest.mark.parametrize(
    ("accounts", "sentence"),
    [
        ("", "No Exotel account is configured"),
        ("not a url", "EXOTEL_ACCOUNTS cannot be read"),
    ],
)
def test_the_page_says_why_there_is_nothing_to_show(
    admin_client: Client, settings, accounts: str, sentence: str
) -> None:
    settings.EXOTEL_ACCOUNTS = accounts

    page = index(admin_client)

    assert sentence in text(section(page, "status-now-none"))
    assert 'id="down-now"' not in page


def test_an_account_with_no_number_yet_says_so(admin_client: Client) -> None:
    make_sync_run(account=make_account(sid="acme"), kind=LISTING)

    acme = text(section(index(admin_client), "account-acme"))

    assert "No current number" in acme


def test_the_page_names_the_time_zone_of_its_times(admin_client: Client) -> None:
    page = text(index(admin_client))

    assert "Status now 22 Nov 2026, 11:30 IST" in page


@pytest.mark.parametrize("role", ["Support", "Finance", "Auditor"])
def test_the_page_runs_as_many_queries_for_500_numbers_as_for_10(role: str) -> None:
    client = client_of(role.lower(), groups=(role,))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            index(client)
        return len(captured)

    an_inventory(10)
    small = queries()
    more_numbers(490)
    large = queries()

    assert ExoPhone.objects.count() == 500
    assert large == small


def more_numbers(numbers: int) -> None:
    """`numbers` more in an_inventory's accounts, many of them down with alternates."""
    acme, globex = Account.objects.get(sid="acme"), Account.objects.get(sid="globex")
    for n in range(numbers):
        make_exophone(
            account=(acme, globex)[n % 2],
            phone_number=f"+9190{n:08d}",
            incoming_status=("active", "major_outage", "partial_network_outage")[n % 3],
            incoming_alternates=["+912261234567"],
            outgoing_status=("active", "major_outage")[n % 2],
            outgoing_alternates=["+911139585476"],
            connectivity_observed_at=HOUR_AGO if n % 5 == 0 else T0,
            released_at=T0 - timedelta(days=1) if n % 7 == 0 else None,
        )


# --- The way in


def test_the_bare_host_leads_to_the_overview(admin_client: Client) -> None:
    response = admin_client.get("/")

    assert response.status_code == 302
    assert response.url == "/admin/"


def test_view_site_leads_to_the_overview(admin_client: Client) -> None:
    page = admin_client.get("/admin/numbers/exophone/").content.decode()

    assert '<a href="/admin/">View site</a>' in page


def test_down_now_sends_those_who_may_not_open_the_outages_report_to_the_counts(
    monkeypatch,
) -> None:
    monkeypatch.setattr(overview_module, "DOWN_SHOWN", 1)
    an_inventory(3)

    more = section(index(client_of("fiona", groups=("Finance",))), "down-more")

    assert text(more) == "And 1 more: follow an outage count above for them all."


def test_down_now_links_support_to_every_number_down_in_the_outages_report(
    monkeypatch,
) -> None:
    monkeypatch.setattr(overview_module, "DOWN_SHOWN", 1)
    an_inventory(3)

    client = client_of("sam", groups=("Support",))
    more = section(index(client), "down-more")

    assert '<a href="/reports/outages/?down_now=yes">every number down now</a>' in more
    assert client.get("/reports/outages/?down_now=yes").status_code == 200
