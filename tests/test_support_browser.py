"""Support's morning, in real Chromium: a caller gives a number in its
national form; support finds it, reads its page, follows its alternate, then
reads the outages of the last day and of the last quarter, and narrows them
to what is down now."""

from tests.conftest import BROWSER_TEST
from tests.factories import PASSWORD, SUPPORT_PERMISSIONS, make_user
from tests.test_admin_browser import an_inventory

pytestmark = BROWSER_TEST


def test_support_finds_a_number_follows_its_alternate_and_reads_the_outages(
    live_server, page
) -> None:
    an_inventory()
    make_user("sam", permissions=SUPPORT_PERMISSIONS)

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#content-main")

    # The list, searched as the caller said it.
    page.goto(f"{live_server.url}/admin/numbers/exophone/")
    page.fill("#searchbar", "011 3958 5476")
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    rows.first.locator("th a").click()

    summary = page.locator("#number-summary")
    summary.wait_for()
    incoming = summary.locator("#status-incoming")
    assert incoming.locator(".exo-badge", has_text="Major outage").is_visible()
    # Support edits notes, and no other field.
    assert page.locator("#id_notes").is_editable()
    assert page.locator("#id_owner").count() == 0

    incoming.get_by_role("link", name="+912261234567").click()
    page.wait_for_selector("#number-summary")
    assert page.locator("#number-summary").get_by_text("Mumbai sales").is_visible()

    # The outages, from the Reports menu.
    page.locator("#reports-menu").get_by_role("link", name="Outages").click()
    page.wait_for_selector("#outage-legend")
    page.locator("#window-picks").get_by_role("link", name="last 24 h").click()
    page.wait_for_load_state()
    assert "last=24h" in page.url
    assert page.locator("#incidents").get_by_text("ongoing").first.is_visible()
    page.locator("#window-picks").get_by_role("link", name="last 90 d").click()
    page.wait_for_load_state()
    assert "last=90d" in page.url
    numbers_in_90_days = page.locator("#outage-numbers tbody tr").count()

    filters = page.locator("#changelist-filter details[data-filter-title='down now']")
    filters.get_by_role("link", name="down now only").click()
    page.wait_for_load_state()
    down = page.locator("#outage-numbers tbody tr")
    assert 0 < down.count() < numbers_in_90_days
    assert down.first.get_by_role("link", name="+911139585476").is_visible()
    assert page.console_errors == []
