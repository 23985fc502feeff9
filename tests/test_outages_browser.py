"""The outages report in real Chromium (Playwright on Debian's chromium),
against a live server: what support does, with no console error."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from exoinventory.numbers.models import Circle, Direction, ExoPhone
from tests.conftest import BROWSER_TEST, save_screenshot
from tests.factories import make_account, make_connectivity_run, make_exophone, make_user
from tests.test_reports_browser import log_in

pytestmark = BROWSER_TEST

SUPPORT = ("numbers.view_exophone", "numbers.view_outage_report", "numbers.view_connectivityrun")
IN, OUT = Direction.INCOMING, Direction.OUTGOING


@pytest.fixture(autouse=True)
def _small_account(settings) -> None:
    # Each number is re-checked every 5-minute sweep: fresh for 10 minutes.
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 50
    settings.SYNC_INTERVAL_MINUTES = 5
    settings.LISTING_INTERVAL_MINUTES = 60


def observed(
    phone: ExoPhone, direction: str, stretches: list[tuple[str, float, float]], now: datetime
) -> None:
    """Runs from (status, hours ago it began, hours ago it was last seen);
    the last one is current."""
    for n, (status, began, last) in enumerate(stretches):
        make_connectivity_run(
            exophone=phone,
            status=status,
            first=now - timedelta(hours=began),
            last=now - timedelta(hours=last),
            direction=direction,
            is_current=n == len(stretches) - 1,
            alternates=["+912261234567"] if status != "active" else None,
        )


def an_inventory() -> dict[str, ExoPhone]:
    """Four numbers over 90 days: the Delhi helpline down now (a major outage
    for 25 minutes, the Mumbai line offered instead) after two earlier
    incidents; Mumbai up but unobserved for six hours three days ago;
    Karnataka with a partial outage the day before; a Delhi line up all along."""
    now = timezone.now()
    for code, name in (("DL", "Delhi"), ("MU", "Mumbai"), ("KA", "Karnataka")):
        Circle.objects.update_or_create(code=code, defaults={"name": name})
    acme = make_account(sid="acme", display_name="Acme India")
    recent = now - timedelta(minutes=2)
    helpline = make_exophone(
        account=acme,
        phone_number="+911139585476",
        friendly_name="Delhi helpline",
        incoming_status="major_outage",
        incoming_alternates=["+912261234567"],
        connectivity_observed_at=recent,
    )
    mumbai = make_exophone(
        account=acme,
        phone_number="+912261234567",
        region="MU",
        friendly_name="Mumbai sales",
        connectivity_observed_at=recent,
    )
    karnataka = make_exophone(
        account=acme,
        phone_number="+918041234567",
        region="KA",
        friendly_name="Bengaluru desk",
        connectivity_observed_at=recent,
    )
    quiet = make_exophone(
        account=acme,
        phone_number="+911140000001",
        friendly_name="Delhi back office",
        connectivity_observed_at=recent,
    )
    month = 24 * 90
    observed(
        helpline,
        IN,
        [
            ("active", month, 122),
            ("major_outage", 121.9, 120.1),
            ("active", 120, 30.8),
            ("partial_network_outage", 30.7, 30),
            ("active", 29.9, 0.5),
            ("major_outage", 0.42, 0.03),
        ],
        now,
    )
    observed(helpline, OUT, [("active", month, 0.03)], now)
    observed(mumbai, IN, [("active", month, 78), ("active", 72, 0.03)], now)
    observed(mumbai, OUT, [("active", month, 0.03)], now)
    observed(karnataka, IN, [("active", month, 0.03)], now)
    observed(
        karnataka,
        OUT,
        [("active", 20 * 24, 28.1), ("partial_network_outage", 28, 27.1), ("active", 27, 0.03)],
        now,
    )
    observed(quiet, IN, [("active", month, 0.03)], now)
    observed(quiet, OUT, [("active", month, 0.03)], now)
    return {"helpline": helpline, "mumbai": mumbai, "karnataka": karnataka, "quiet": quiet}


def test_support_reads_the_outages_over_24_hours_and_90_days_and_what_is_down_now(
    live_server, page
) -> None:
    phones = an_inventory()
    make_user("sam", permissions=SUPPORT)

    log_in(page, live_server, "sam", "/admin/")
    page.locator("#reports-menu").get_by_role("link", name="Outages").click()
    page.wait_for_selector("#outage-numbers")
    assert page.locator("#outage-legend").is_visible()
    assert page.locator("#outage-legend").get_by_text("No data", exact=True).is_visible()
    assert page.locator("#outage-numbers tbody tr").count() == 4
    # The helpline and Karnataka had incidents this week: they come first.
    first = page.locator("#outage-numbers tbody tr th a").first
    assert first.inner_text() == "+911139585476"
    down_now = page.locator("#down-now tbody tr")
    assert down_now.count() == 1
    assert down_now.first.locator(".outage-alternates .exo-status-active").is_visible()
    timeline = page.locator("#outage-numbers tbody tr").first.locator("svg.outage-timeline")
    assert timeline.bounding_box()["width"] > 400
    save_screenshot(page, "report-outages")

    page.locator("#window-picks").get_by_role("link", name="last 24 h").click()
    page.wait_for_load_state()
    assert "last=24h" in page.url
    assert page.locator("#incidents tbody tr").count() == 1  # only the ongoing one
    assert page.locator("#incidents").get_by_text("ongoing").is_visible()

    page.locator("#window-picks").get_by_role("link", name="last 90 d").click()
    page.wait_for_load_state()
    assert "last=90d" in page.url
    assert page.locator("#incidents tbody tr").count() == 4

    filters = page.locator("#changelist-filter details[data-filter-title='down now']")
    filters.get_by_role("link", name="down now only").click()
    page.wait_for_load_state()
    assert "down_now=yes" in page.url and "last=90d" in page.url
    assert page.locator("#outage-numbers tbody tr").count() == 1

    page.locator("#down-now .outage-alternates a").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/admin/numbers/exophone/{phones['mumbai'].pk}/change/")
    assert page.console_errors == []
