"""The ExoPhone admin in real Chromium, against a live server.

Under `make screenshots`, also writes the pictures of docs/screenshots/ that the README shows.
"""

import shutil
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from exoinventory.numbers.models import Circle, Direction, ExoPhone, SyncRun
from tests.conftest import save_screenshot
from tests.factories import (
    PASSWORD,
    make_account,
    make_change,
    make_connectivity_run,
    make_exophone,
    make_sync_run,
    make_user,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The live server starts before the tests' settings stop WhiteNoise
    # looking for collectstatic's folder.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="Chromium is not installed (CI installs it)"
    ),
]


def an_inventory() -> ExoPhone:
    """A few numbers in several states, observed two minutes ago unless said
    otherwise; returns the one that was down."""
    now = timezone.now()
    # The data migration's circles are gone once an earlier transactional
    # test has flushed the tables: the ones shown here are made sure of.
    for code, name in (
        ("AP", "Andhra Pradesh"),
        ("DL", "Delhi"),
        ("KA", "Karnataka"),
        ("KO", "Kolkata"),
        ("MU", "Mumbai"),
    ):
        Circle.objects.update_or_create(code=code, defaults={"name": name})
    acme = make_account(sid="acme", display_name="Acme India")
    for kind in (SyncRun.Kind.LISTING, SyncRun.Kind.SWEEP):
        make_sync_run(
            account=acme,
            kind=kind,
            started_at=now - timedelta(minutes=2),
            finished_at=now - timedelta(minutes=1),
        )
    observed = now - timedelta(minutes=2)
    down = make_exophone(
        account=acme,
        connectivity_observed_at=observed,
        phone_number="+911139585476",
        friendly_name="Delhi helpline",
        incoming_status="major_outage",
        incoming_alternates=["+912261234567"],
        rental_price=Decimal("1499.500000"),
        sms_url="https://my.exotel.com/acme/exoml/start_sms/31",
    )
    make_exophone(
        account=acme,
        phone_number="+912261234567",
        friendly_name="Mumbai sales",
        region="MU",
        number_type="Mobile",
        outgoing_status="partial_network_outage",
        connectivity_observed_at=observed,
    )
    make_exophone(
        account=acme,
        phone_number="+914041234567",
        friendly_name="Hyderabad desk",
        region="AP",
        incoming_status="major_outage",
        connectivity_observed_at=now - timedelta(hours=4, minutes=5),
    )
    make_exophone(
        account=acme,
        phone_number="+918041234567",
        friendly_name="Bengaluru spare",
        region="KA",
        voice_url=None,
        incoming_status="",
        outgoing_status="",
        connectivity_observed_at=None,
    )
    make_exophone(
        account=acme,
        phone_number="+913341234567",
        friendly_name="Old Kolkata line",
        region="KO",
        released_at=now - timedelta(days=12),
    )
    for direction, status in ((Direction.INCOMING, "major_outage"), (Direction.OUTGOING, "active")):
        make_connectivity_run(
            exophone=down,
            direction=direction,
            status="active",
            first=now - timedelta(days=3),
            last=now - timedelta(hours=7),
            is_current=False,
        )
        make_connectivity_run(
            exophone=down,
            direction=direction,
            status=status,
            first=now - timedelta(hours=6),
            last=now - timedelta(minutes=2),
            alternates=["+912261234567"] if status != "active" else None,
        )
    make_change(
        exophone=down,
        field="voice_url",
        old="https://my.exotel.com/acme/exoml/start_voice/17",
        new=down.voice_url,
        observed_at=now - timedelta(days=2),
    )
    make_change(
        exophone=down,
        field="rental_price",
        old="999.000000",
        new="1499.500000",
        observed_at=now - timedelta(days=1),
    )
    return down


def test_a_superuser_finds_a_number_and_reads_its_history(live_server, page) -> None:
    down = an_inventory()
    make_user("admin", is_superuser=True)

    page.goto(f"{live_server.url}/admin/login/?next=/admin/numbers/exophone/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.wait_for_selector("#result_list")
    page.click("#toggle-nav-sidebar")  # room for the list's columns
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 5
    outage = page.locator(".exo-badge", has_text="Major outage")
    assert outage.count() == 1  # the Hyderabad desk's outage is four hours old
    assert outage.is_visible()
    assert outage.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(198, 40, 40)"
    no_data = page.locator(".exo-badge", has_text="no data").first
    assert no_data.is_visible()
    assert no_data.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(117, 117, 117)"
    assert page.get_by_text("last seen Major outage, 4\xa0hours ago").is_visible()
    assert page.get_by_text("not observed yet").first.is_visible()
    assert page.get_by_text("released", exact=True).first.is_visible()
    assert page.get_by_text("INR 1,499.50").is_visible()
    assert page.get_by_text("Delhi (DL)").first.is_visible()
    save_screenshot(page, "admin-exophones")

    page.fill("#searchbar", "011-3958 5476")
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()
    assert rows.count() == 1
    assert rows.first.locator("th a").inner_text() == "+911139585476"

    rows.first.locator("th a").click()
    page.wait_for_selector("#connectivity-timeline")
    timeline = page.locator("#connectivity-timeline")
    assert timeline.is_visible()
    assert timeline.get_by_text("no data").first.is_visible()
    history = page.locator("#change-history")
    assert history.is_visible()
    assert history.get_by_text("rental_price").is_visible()
    assert page.locator("#id_owner").is_editable()
    assert page.locator("input[name=rental_price]").count() == 0
    assert f"/admin/numbers/exophone/{down.pk}/change/" in page.url
    save_screenshot(page, "admin-exophone-change")
    assert page.console_errors == []
