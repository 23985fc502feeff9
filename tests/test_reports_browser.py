"""The reports in real Chromium (Playwright on Debian's chromium), against a
live server: what a finance user and an auditor do, with no console error."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from exoinventory.numbers.models import Circle
from tests.conftest import BROWSER_TEST, save_screenshot
from tests.factories import PASSWORD, make_account, make_change, make_exophone, make_user

pytestmark = BROWSER_TEST

VOICE_229 = "https://my.exotel.com/acme/exoml/start_voice/229"
# What the Finance and Auditor groups hold that these pages use (test_roles
# checks the groups themselves).
FINANCE = ("numbers.view_exophone", "numbers.view_cost_report", "numbers.export_numbers")
AUDITOR = (
    "numbers.view_exophone",
    "numbers.view_flow_report",
    "numbers.export_numbers",
    "numbers.view_exophonechange",
    "numbers.view_syncrun",
)


def an_inventory() -> None:
    now = timezone.now()
    for code, name in (("DL", "Delhi"), ("MU", "Mumbai"), ("KA", "Karnataka")):
        Circle.objects.update_or_create(code=code, defaults={"name": name})
    acme = make_account(sid="acme", display_name="Acme India")
    helpline = make_exophone(
        account=acme,
        phone_number="+911139585476",
        friendly_name="Delhi helpline",
        rental_price=Decimal("1499.500000"),
        voice_url=VOICE_229,
        cost_centre="support",
        connectivity_observed_at=now,
        first_seen=now - timedelta(days=200),
    )
    make_exophone(
        account=acme,
        phone_number="+912261234567",
        region="MU",
        friendly_name='=HYPERLINK("http://evil.example")',
        cost_centre="sales",
        first_seen=now - timedelta(days=100),
    )
    make_exophone(
        account=acme,
        phone_number="+918041234567",
        region="KA",
        currency="USD",
        rental_price=Decimal("12.000000"),
        voice_url=None,
        first_seen=now - timedelta(days=60),
    )
    make_change(
        exophone=helpline,
        old="https://my.exotel.com/acme/exoml/start_voice/17",
        new=VOICE_229,
        observed_at=now - timedelta(days=2),
    )


def log_in(page: object, live_server: object, username: str, next_url: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()


def test_finance_filters_costs_switches_to_cost_centres_and_reads_the_csv(
    live_server, page
) -> None:
    an_inventory()
    make_user("fiona", permissions=FINANCE)

    log_in(page, live_server, "fiona", "/admin/")
    page.locator("#reports-module").get_by_role("link", name="Costs").click()
    page.wait_for_selector("#rental-per-key")
    assert page.locator("#rental-per-key rect.bar").count() == 3
    assert page.locator("#rental-history polyline").count() == 2  # INR and USD
    assert page.locator("#rental-per-key").bounding_box()["width"] > 300
    save_screenshot(page, "report-costs")

    circles = page.locator("#changelist-filter details[data-filter-title=circle]")
    circles.get_by_role("link", name=re.compile(r"Mumbai|^MU$")).click()
    page.wait_for_load_state()
    assert "region=MU" in page.url
    assert page.locator("#cost-rows tbody tr").count() == 1

    page.locator("#rows-per").get_by_role("link", name="cost centre").click()
    page.wait_for_load_state()
    assert "by=cost_centre" in page.url and "region=MU" in page.url
    assert page.locator("#cost-rows tbody tr").first.locator("td").nth(1).inner_text() == "sales"

    with page.expect_download() as download:
        page.click("#download-csv")
    with open(download.value.path(), encoding="utf-8-sig") as file:
        table = list(csv.reader(io.StringIO(file.read())))
    assert table[0][:2] == ["account_sid", "cost_centre"]
    assert [row[1] for row in table[1:]] == ["sales"]
    assert page.console_errors == []


def test_an_auditor_reads_the_flows_and_opens_a_numbers_history(live_server, page) -> None:
    an_inventory()
    make_user("audrey", permissions=AUDITOR)

    log_in(page, live_server, "audrey", "/admin/")
    page.locator("#reports-menu").get_by_role("link", name="Flows").click()
    page.wait_for_selector("#flows")
    flow = page.locator("#flows .flow-id", has_text="voice 229")
    assert flow.get_attribute("title") == VOICE_229
    changes = page.locator("#flow-changes tbody tr")
    assert changes.count() == 1
    assert changes.first.get_by_text("sync run").is_visible()
    save_screenshot(page, "report-flows")

    changes.first.get_by_role("link", name="+911139585476").click()
    page.wait_for_selector("#change-history")
    assert page.locator("#change-history").get_by_text("voice_url").first.is_visible()
    page.go_back()
    page.locator("#unassigned").get_by_role("link").click()
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list").get_by_text("+918041234567").is_visible()
    assert page.console_errors == []


def test_the_numbers_export_opens_and_downloads(live_server, page) -> None:
    an_inventory()
    make_user("fiona", permissions=FINANCE)

    log_in(page, live_server, "fiona", "/reports/numbers/")
    page.wait_for_selector("#numbers")
    assert page.locator("#numbers tbody tr").count() == 3
    save_screenshot(page, "report-numbers")

    with page.expect_download() as download:
        page.click("#download-csv")
    with open(download.value.path(), encoding="utf-8-sig") as file:
        rows = {row["phone_number"]: row for row in csv.DictReader(file)}
    assert rows["'+912261234567"]["friendly_name"] == '\'=HYPERLINK("http://evil.example")'
    assert rows["'+911139585476"]["rental_price"] == "1499.50"
    assert page.console_errors == []
