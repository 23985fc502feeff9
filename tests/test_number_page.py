"""A number's page as support reads it: the summary first (status now, since
when, checked how long ago, alternates with their own status, rental), then
the 30-day connectivity timeline and the change history, then the form.

Time stands at T0 (11:30 IST), when the factories' numbers were last observed."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from exoinventory.numbers.models import Direction, ExoPhone
from tests.factories import (
    T0,
    make_account,
    make_change,
    make_connectivity_run,
    make_exophone,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_time(settings) -> Iterator[None]:
    # A small account's statuses are fresh for 10 minutes (numbers.cadence).
    settings.SYNC_INTERVAL_MINUTES = 5
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 50
    settings.TIME_ZONE = "Asia/Kolkata"
    with time_machine.travel(T0, tick=False):
        yield


def page_of(client: Client, phone: ExoPhone) -> str:
    response = client.get(f"/admin/numbers/exophone/{phone.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, element_id: str) -> str:
    """The page from the section `element_id` up to the next one, or the form."""
    start = page.index(f'id="{element_id}"')
    ends = [page.find(marker, start) for marker in ('<div class="module', "<form")]
    return page[start : min((end for end in ends if end != -1), default=len(page))]


def status_row(page: str, direction: str) -> str:
    """The summary's row of a direction's status."""
    start = page.index(f'id="status-{direction}"')
    return page[start : page.index("</tr>", start)]


def test_the_summary_timeline_and_history_come_before_the_form(admin_client: Client) -> None:
    phone = make_exophone()
    make_change(exophone=phone, old="a", new="b")

    page = page_of(admin_client, phone)

    positions = [
        page.index('id="number-summary"'),
        page.index('id="connectivity-timeline"'),
        page.index('id="change-history"'),
        page.index('id="exophone_form"'),
    ]
    assert positions == sorted(positions)


def test_the_summary_names_the_number_its_account_circle_and_rental(
    admin_client: Client,
) -> None:
    phone = make_exophone(
        account=make_account(sid="acme", display_name="Acme India"),
        phone_number="+911139585476",
        friendly_name="Delhi helpline",
        rental_price=Decimal("1499.500000"),
        currency="INR",
    )

    summary = section(page_of(admin_client, phone), "number-summary")

    assert "+911139585476" in summary
    assert "Delhi helpline" in summary
    assert 'Acme India <span class="exo-quiet">(acme)</span>' in summary
    assert "Delhi (DL)" in summary
    assert "<td>INR 1,499.50</td>" in summary
    assert "Times in Asia/Kolkata (IST)." in summary


def test_the_summary_says_since_when_for_how_long_and_when_it_was_checked(
    admin_client: Client,
) -> None:
    phone = make_exophone(
        incoming_status="major_outage", connectivity_observed_at=T0 - timedelta(minutes=2)
    )
    make_connectivity_run(
        exophone=phone,
        status="major_outage",
        first=T0 - timedelta(hours=3, minutes=12),
        last=T0 - timedelta(minutes=2),
    )

    summary = section(page_of(admin_client, phone), "number-summary")
    incoming = status_row(summary, "incoming")

    assert '<span class="exo-badge exo-status-major-outage">Major outage</span>' in incoming
    assert 'title="22 Nov 2026, 08:18 IST">since 08:18</span>' in incoming
    assert '<span class="exo-quiet">for 3 h 12 min</span>' in incoming
    assert "2\xa0minutes ago" in summary
    assert "(22 Nov 2026, 11:28 IST)" in summary


def test_a_status_gone_stale_is_no_data_with_what_was_last_seen(admin_client: Client) -> None:
    phone = make_exophone(incoming_status="major_outage")

    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        summary = section(page_of(admin_client, phone), "number-summary")

    assert "Major outage</span>" not in summary
    assert (
        '<span class="exo-badge exo-status-no-data">no data</span> '
        '<span class="exo-quiet">last seen Major outage, 4\xa0hours ago</span>'
    ) in summary
    assert "for " not in status_row(summary, "incoming")
    assert "4\xa0hours ago" in summary


def test_the_summary_shows_each_alternate_as_a_link_with_its_own_status(
    admin_client: Client,
) -> None:
    up = make_exophone(phone_number="+912261234567", incoming_status="active")
    down_too = make_exophone(phone_number="+914041234567", incoming_status="major_outage")
    phone = make_exophone(
        incoming_status="major_outage",
        # In the forms Exotel may send them: a national one among them.
        incoming_alternates=["+912261234567", "04041234567", "+919999999999"],
    )

    incoming = status_row(page_of(admin_client, phone), "incoming")

    assert (
        f'<a href="/admin/numbers/exophone/{up.pk}/change/">+912261234567</a> '
        '<span class="exo-badge exo-status-active">Active</span>'
    ) in incoming
    assert (
        f'<a href="/admin/numbers/exophone/{down_too.pk}/change/">+914041234567</a> '
        '<span class="exo-badge exo-status-major-outage">Major outage</span>'
    ) in incoming
    assert '+919999999999 <span class="exo-quiet">not one of ours</span>' in incoming


def test_an_alternate_whose_own_status_is_stale_shows_no_data(admin_client: Client) -> None:
    make_exophone(
        phone_number="+912261234567",
        incoming_status="active",
        connectivity_observed_at=T0 - timedelta(days=1),
    )
    phone = make_exophone(incoming_status="major_outage", incoming_alternates=["+912261234567"])

    incoming = status_row(page_of(admin_client, phone), "incoming")

    assert '+912261234567</a> <span class="exo-badge exo-status-no-data">no data</span>' in (
        incoming
    )


def test_no_alternates_are_offered_for_a_status_gone_stale(admin_client: Client) -> None:
    make_exophone(phone_number="+912261234567")
    phone = make_exophone(incoming_status="major_outage", incoming_alternates=["+912261234567"])

    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        incoming = status_row(page_of(admin_client, phone), "incoming")

    assert "+912261234567" not in incoming


def test_the_timeline_covers_the_last_30_days(admin_client: Client) -> None:
    phone = make_exophone()
    make_connectivity_run(
        exophone=phone,
        status="major_outage",
        first=T0 - timedelta(days=40),
        last=T0 - timedelta(days=31),
        is_current=False,
    )
    make_connectivity_run(
        exophone=phone,
        status="active",
        first=T0 - timedelta(days=35),
        last=T0 - timedelta(days=29),
        is_current=False,
    )

    response = admin_client.get(f"/admin/numbers/exophone/{phone.pk}/change/")
    timeline = response.context["timeline"]
    incoming = timeline["drawn"].lanes[0]

    # The outage ended before the window: active from its start, then no data.
    assert [bar.css_class for bar in incoming.bars] == ["exo-status-active", "exo-status-no-data"]
    assert timeline["incidents"] == []
    assert "Connectivity, last 30 days" in response.content.decode()


def test_the_timeline_words_incidents_as_the_outages_report_does(admin_client: Client) -> None:
    phone = make_exophone()
    make_connectivity_run(
        exophone=phone,
        status="major_outage",
        first=T0 - timedelta(hours=3, minutes=12, seconds=1.555256),
        last=T0 - timedelta(minutes=3),
    )
    make_connectivity_run(
        exophone=phone,
        direction=Direction.OUTGOING,
        status="partial_network_outage",
        first=T0 - timedelta(minutes=1),
        last=T0 - timedelta(minutes=1),
    )

    timeline = section(page_of(admin_client, phone), "connectivity-timeline")

    assert "<td>3 h 12 min</td>" in timeline
    assert "<td>ongoing</td>" in timeline
    # One observation, a minute ago: it holds until now, and says so.
    assert '<td>1 min <span class="exo-quiet">(seen once at 11:29)</span></td>' in timeline
    assert "0:00" not in timeline
    assert "<td>0\xa0minutes</td>" not in timeline and "<td>0 s</td>" not in timeline
    assert 'id="outage-legend"' in timeline
    assert 'class="outage-timeline"' in timeline


def test_the_timeline_links_every_observation_of_the_number(admin_client: Client) -> None:
    phone = make_exophone()

    timeline = section(page_of(admin_client, phone), "connectivity-timeline")

    assert f"/admin/numbers/connectivityrun/?exophone__id__exact={phone.pk}" in timeline


def test_the_history_shows_times_in_the_configured_zone(admin_client: Client) -> None:
    phone = make_exophone()
    make_change(exophone=phone, old="a", new="b", observed_at=T0, exotel_date_updated=T0)

    history = section(page_of(admin_client, phone), "change-history")

    assert history.count('<td class="exo-nowrap">22 Nov 2026, 11:30</td>') == 2


def test_the_form_leads_with_the_local_fields_and_folds_what_exotel_says(
    admin_client: Client,
) -> None:
    phone = make_exophone()

    page = page_of(admin_client, phone)
    form = page[page.index('id="exophone_form"') :]

    assert form.index('name="owner"') < form.index("<details>")
    assert form.count("<details>") == 5


def test_the_number_page_runs_as_many_queries_for_500_numbers_as_for_10(
    admin_client: Client,
) -> None:
    account = make_account()
    phone = make_exophone(
        account=account,
        incoming_status="major_outage",
        incoming_alternates=["+912261234567"],
    )
    make_connectivity_run(
        exophone=phone,
        status="major_outage",
        first=T0 - timedelta(hours=1),
        last=T0,
        alternates=["+912261234567"],
    )
    make_change(exophone=phone, old="a", new="b")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page_of(admin_client, phone)
        return len(captured)

    # Django looks its content types up once per process, on the first page.
    page_of(admin_client, phone)

    for _ in range(9):
        make_exophone(account=account)
    with_10 = queries()
    for _ in range(490):
        make_exophone(account=account)
    with_500 = queries()

    assert with_500 == with_10
