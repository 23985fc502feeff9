"""Status now, the admin index, in real Chromium against a live server.

Under `make screenshots`, also writes docs/screenshots/overview.png.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from exoinventory.numbers.models import Account, Circle, Direction, ExoPhone, SyncRun
from tests.conftest import BROWSER_TEST, save_screenshot
from tests.factories import (
    PASSWORD,
    SUPPORT_PERMISSIONS,
    make_account,
    make_connectivity_run,
    make_exophone,
    make_sync_run,
    make_user,
)

pytestmark = BROWSER_TEST


def synced(account: Account, *, now: datetime, numbers: int, failed_sweep: bool = False) -> None:
    """A listing 14 minutes ago and a sweep 3 minutes ago; with `failed_sweep`,
    a failed sweep after it."""
    make_sync_run(
        account=account,
        kind=SyncRun.Kind.LISTING,
        started_at=now - timedelta(minutes=14),
        finished_at=now - timedelta(minutes=13),
        numbers_seen=numbers,
    )
    make_sync_run(
        account=account,
        kind=SyncRun.Kind.SWEEP,
        started_at=now - timedelta(minutes=4),
        finished_at=now - timedelta(minutes=3),
        connectivity_checked=numbers,
    )
    if failed_sweep:
        make_sync_run(
            account=account,
            kind=SyncRun.Kind.SWEEP,
            started_at=now - timedelta(seconds=50),
            finished_at=now - timedelta(seconds=40),
            outcome=SyncRun.Outcome.FAILED,
            error="Exotel answered HTTP 503 three times; will retry at the next sweep",
            numbers_unchecked=numbers,
        )


def down_since(phone: ExoPhone, direction: Direction, status: str, *, since: datetime) -> None:
    """The number's current run of `status` in `direction`, begun `since`."""
    make_connectivity_run(
        exophone=phone,
        direction=direction,
        status=status,
        first=since,
        last=timezone.now() - timedelta(minutes=2),
        alternates=getattr(phone, f"{direction}_alternates"),
    )


def an_inventory() -> dict[str, ExoPhone]:
    """Two accounts, a dozen numbers observed two minutes ago, three of them
    down with alternates (one alternate itself down); returns the named ones."""
    now = timezone.now()
    for code, name in (
        ("DL", "Delhi"),
        ("MU", "Mumbai"),
        ("KA", "Karnataka"),
        ("AP", "Andhra Pradesh"),
    ):
        Circle.objects.update_or_create(code=code, defaults={"name": name})
    acme = make_account(sid="acme", display_name="Acme India")
    globex = make_account(sid="globex", display_name="Globex Mumbai")
    synced(acme, now=now, numbers=8, failed_sweep=True)
    synced(globex, now=now, numbers=5)
    observed = now - timedelta(minutes=2)

    def number(account: Account, phone_number: str, name: str, **fields: object) -> ExoPhone:
        fields.setdefault("connectivity_observed_at", observed)
        return make_exophone(
            account=account, phone_number=phone_number, friendly_name=name, **fields
        )

    named = {
        "delhi": number(
            acme,
            "+911139585476",
            "Delhi helpline",
            incoming_status="major_outage",
            incoming_alternates=["+912261234567", "+914041234567"],
            rental_price=Decimal("1499.500000"),
        ),
        "mumbai": number(acme, "+912261234567", "Mumbai sales", region="MU"),
        "hyderabad": number(
            acme,
            "+914041234567",
            "Hyderabad desk",
            region="AP",
            incoming_status="partial_network_outage",
            incoming_alternates=["+911139585476"],
        ),
        "bengaluru": number(
            globex,
            "+918041234567",
            "Bengaluru support",
            region="KA",
            outgoing_status="major_outage",
            outgoing_alternates=["+918041234568"],
            currency="USD",
            rental_price=Decimal("12.000000"),
        ),
    }
    for n, name in enumerate(("Delhi sales", "Delhi billing", "Delhi escalations", "Delhi spare")):
        number(acme, f"+91113958550{n}", name)
    number(
        acme, "+911139585510", "Delhi night line", connectivity_observed_at=now - timedelta(hours=5)
    )
    for n, name in enumerate(("Bengaluru sales", "Bengaluru billing", "Bengaluru spare")):
        number(
            globex,
            f"+91804123457{n}",
            name,
            region="KA",
            currency="USD",
            rental_price=Decimal("12.000000"),
        )
    number(
        globex, "+918041234568", "Bengaluru backup", region="KA", currency="USD", rental_price=None
    )
    down_since(
        named["delhi"],
        Direction.INCOMING,
        "major_outage",
        since=now - timedelta(hours=3, minutes=10),
    )
    down_since(
        named["hyderabad"],
        Direction.INCOMING,
        "partial_network_outage",
        since=now - timedelta(minutes=40),
    )
    down_since(
        named["bengaluru"], Direction.OUTGOING, "major_outage", since=now - timedelta(hours=1)
    )
    return named


def test_support_reads_the_status_now_follows_an_alternate_and_comes_back_by_view_site(
    live_server, page, settings
) -> None:
    settings.EXOTEL_ACCOUNTS = "http://k:t@127.0.0.1:9/acme,http://k:t@127.0.0.1:9/globex"
    named = an_inventory()
    make_user("sam", permissions=SUPPORT_PERMISSIONS)

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.wait_for_selector("#status-now")
    assert page.locator("#account-acme").is_visible()
    assert page.locator("#account-globex").is_visible()
    down = page.locator("#down-now tbody tr")
    assert down.count() == 3
    delhi = down.filter(has_text="Delhi helpline")
    assert delhi.get_by_text("since").is_visible()
    # Nothing sticks out sideways at 1400 px.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    save_screenshot(page, "overview")

    delhi.get_by_role("link", name=named["hyderabad"].phone_number).click()
    page.wait_for_url(f"**/admin/numbers/exophone/{named['hyderabad'].pk}/change/")
    assert named["hyderabad"].phone_number in page.locator("#content").inner_text()

    page.get_by_role("link", name="View site").click()
    page.wait_for_selector("#status-now")
    assert page.url == f"{live_server.url}/admin/"
    assert page.console_errors == []
