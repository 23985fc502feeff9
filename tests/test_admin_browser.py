"""The ExoPhone admin in real Chromium, against a live server.

Under `make screenshots`, also writes the pictures of docs/screenshots/ that the README shows.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from exoinventory.numbers.models import Account, Circle, Direction, ExoPhone, SyncRun
from tests.conftest import BROWSER_TEST, save_screenshot
from tests.factories import (
    PASSWORD,
    make_account,
    make_change,
    make_connectivity_run,
    make_exophone,
    make_sync_run,
    make_user,
)

pytestmark = BROWSER_TEST


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


def the_widest_rows() -> None:
    """Numbers whose cells are the widest the list shows: the longest circle,
    a long name, both directions in a partial outage, a status gone stale,
    a six-figure rental and two flows."""
    now = timezone.now()
    Circle.objects.update_or_create(code="UW", defaults={"name": "Uttar Pradesh West"})
    acme = Account.objects.get(sid="acme")
    make_exophone(
        account=acme,
        phone_number="+915221234567",
        friendly_name="Lucknow customer care escalations and after-hours overflow",
        region="UW",
        incoming_status="partial_network_outage",
        outgoing_status="partial_network_outage",
        connectivity_observed_at=now - timedelta(minutes=1),
        rental_price=Decimal("100000.250000"),
        voice_url="https://my.exotel.com/acme/exoml/start_voice/229229",
        sms_url="https://my.exotel.com/acme/exoml/start_sms/313131",
    )
    make_exophone(
        account=acme,
        phone_number="+915121234567",
        friendly_name="Kanpur partial line",
        region="UW",
        incoming_status="partial_network_outage",
        connectivity_observed_at=now - timedelta(hours=23, minutes=59),
        currency="USD",
        rental_price=Decimal("0.123456"),
    )


# The cells whose content takes more than two lines of their own text, with
# a pixel or two for the badges' borders. A cell's box is as tall as its
# row's tallest, so what is measured is the box of its content: of each child
# element as drawn (a clamped name as clamped), and of each run of text.
CELLS_OVER_TWO_LINES = """() => [
    ...document.querySelectorAll('#result_list td, #result_list tbody th')
].filter(cell => {
    const boxes = [...cell.childNodes].map(node => {
        if (node.nodeType === Node.ELEMENT_NODE) return node.getBoundingClientRect();
        const text = document.createRange();
        text.selectNodeContents(node);
        return text.getBoundingClientRect();
    }).filter(box => box.height > 0);
    const height = Math.max(...boxes.map(box => box.bottom))
        - Math.min(...boxes.map(box => box.top));
    return height > 2 * parseFloat(getComputedStyle(cell).lineHeight) + 3;
}).map(cell => cell.className + ': ' + cell.textContent.trim())"""


def test_the_list_fits_1280_by_800_with_the_nav_sidebar_open(live_server, page) -> None:
    an_inventory()
    the_widest_rows()
    make_user("admin", is_superuser=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(f"{live_server.url}/admin/login/?next=/admin/numbers/exophone/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#result_list")

    # Open unless a visit of this browser closed it (Django keeps that in localStorage).
    assert page.locator("#nav-sidebar").is_visible()
    results = page.locator("#changelist-form .results").bounding_box()
    headers = page.locator("#result_list thead th")
    assert headers.count() == 9
    for index in range(headers.count()):
        box = headers.nth(index).bounding_box()
        right = box["x"] + box["width"]
        # Inside the window, and not scrolled out of the list's own box either.
        assert right <= 1280, headers.nth(index).inner_text()
        assert right <= results["x"] + results["width"] + 0.5, headers.nth(index).inner_text()
    assert page.evaluate(CELLS_OVER_TWO_LINES) == []
    flow = page.locator(".exo-flow", has_text="voice 229229")
    assert flow.get_attribute("title") == "https://my.exotel.com/acme/exoml/start_voice/229229"
    assert page.console_errors == []


def test_a_superuser_finds_a_number_and_reads_its_history(live_server, page) -> None:
    down = an_inventory()
    make_user("admin", is_superuser=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(f"{live_server.url}/admin/login/?next=/admin/numbers/exophone/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.wait_for_selector("#result_list")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 5
    outage = page.locator(".exo-badge", has_text="Major outage")
    assert outage.count() == 1  # the Hyderabad desk's outage is four hours old
    assert outage.is_visible()
    assert outage.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(198, 40, 40)"
    no_data = page.locator(".exo-badge", has_text="no data").first
    assert no_data.is_visible()
    assert no_data.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(117, 117, 117)"
    stale = page.get_by_title("last seen Major outage, 4\xa0hours ago")
    assert stale.inner_text() == "seen 4\xa0hours ago"
    assert stale.is_visible()
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
    page.wait_for_selector("#number-summary")
    summary = page.locator("#number-summary")
    incoming = summary.locator("#status-incoming")
    assert incoming.locator(".exo-badge", has_text="Major outage").is_visible()
    assert incoming.get_by_text("since").is_visible()
    assert summary.get_by_text("2\xa0minutes ago").is_visible()
    assert summary.get_by_text("INR 1,499.50").is_visible()
    # The summary, the timeline and the history come before the form.
    tops = [
        page.locator(selector).bounding_box()["y"]
        for selector in (
            "#number-summary",
            "#connectivity-timeline",
            "#change-history",
            "#id_owner",
        )
    ]
    assert tops == sorted(tops)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
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

    # The alternate is one of ours: its own page, with its own status.
    alternate = incoming.get_by_role("link", name="+912261234567")
    assert alternate.locator("xpath=following-sibling::span[1]").inner_text() == "Active"
    alternate.click()
    page.wait_for_selector("#number-summary")
    assert page.locator("#number-summary").get_by_text("Mumbai sales").is_visible()
    assert page.console_errors == []
