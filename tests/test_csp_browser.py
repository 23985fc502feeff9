"""The Content-Security-Policy holds on every page of ours, in real Chromium:
the admin, the overview, the number page, every report and the error pages
load with the strict policy and without one violation (no inline script or
style anywhere)."""

from django.urls import reverse

from exoinventory.numbers.models import ExoPhone, SyncRun
from tests.conftest import BROWSER_TEST
from tests.factories import PASSWORD, make_user
from tests.test_admin_browser import an_inventory

pytestmark = BROWSER_TEST

# Collects what the browser refuses, before any script of the page runs.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def pages(down: ExoPhone) -> list[str]:
    """Every kind of page a user meets: lists, a change page, the reports in
    each form that renders HTML, and the error pages."""
    run = SyncRun.objects.first()
    return [
        reverse("admin:index"),
        reverse("admin:numbers_exophone_changelist"),
        reverse("admin:numbers_exophone_changelist") + "?incoming=major_outage&q=011",
        reverse("admin:numbers_exophone_change", args=[down.pk]),
        reverse("admin:numbers_syncrun_changelist"),
        reverse("admin:numbers_syncrun_change", args=[run.pk]),
        reverse("admin:numbers_exophonechange_changelist"),
        reverse("admin:numbers_connectivityrun_changelist"),
        reverse("admin:numbers_account_changelist"),
        reverse("admin:numbers_circle_changelist"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:axes_accessattempt_changelist"),
        reverse("admin:password_change"),
        reverse("reports:index"),
        reverse("reports:costs"),
        reverse("reports:costs") + "?by=cost_centre",
        reverse("reports:flows"),
        reverse("reports:numbers"),
        reverse("reports:outages"),
        reverse("reports:outages") + "?last=90d",
        reverse("reports:costs") + "?as_of=nonsense",  # the 400 page
        reverse("admin:numbers_exophone_changelist") + "?circle=%00",  # the admin's 400
    ]


def test_no_page_breaks_the_content_security_policy(live_server, page) -> None:
    down = an_inventory()
    make_user("root", is_superuser=True)
    page.add_init_script(LISTEN)

    response = page.goto(f"{live_server.url}/admin/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#content-main")

    refused = {}
    for path in pages(down):
        response = page.goto(f"{live_server.url}{path}")
        assert "style-src 'self'" in response.headers["content-security-policy"], path
        violations = page.evaluate("window.__violations")
        if violations:
            refused[path] = violations
    # The bulk action's form page, reached by a POST.
    page.goto(f"{live_server.url}{reverse('admin:numbers_exophone_changelist')}")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "set_cost_centre")
    page.click("button[name=index]")
    page.wait_for_selector("input[name=value]")
    if page.evaluate("window.__violations"):
        refused["bulk action"] = page.evaluate("window.__violations")

    assert refused == {}
    # Chromium reports the two 400 pages' status as an error, and nothing else.
    assert [error for error in page.console_errors if "status of 400" not in error] == []


def test_the_login_and_lock_out_pages_keep_the_policy_too(live_server, page, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 1
    make_user("alice")
    page.add_init_script(LISTEN)

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "wrong")
    page.click("input[type=submit]")
    page.wait_for_selector("#locked-out")

    assert page.evaluate("window.__violations") == []
    assert [error for error in page.console_errors if "status of 429" not in error] == []
