"""What every report shares (numbers.reports.base): who may open which
report in which format, bad parameters, the CSV and JSON forms of a cell,
and the links to the reports from the admin.

Time stands at T0, when the factories' numbers were last observed."""

import csv
import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.http import HttpResponseBase
from django.test import Client

from exoinventory.numbers.models import Account, ExoPhone
from exoinventory.numbers.reports.base import csv_cell, inert, plain_decimal
from tests.factories import T0, make_account, make_change, make_exophone, make_user

pytestmark = pytest.mark.django_db

REPORTS = {
    "costs": ("/reports/costs/", "numbers.view_cost_report"),
    "flows": ("/reports/flows/", "numbers.view_flow_report"),
    "numbers": ("/reports/numbers/", "numbers.export_numbers"),
    "outages": ("/reports/outages/", "numbers.view_outage_report"),
}
ROLES = ("anonymous", "finance", "support", "auditor", "superuser")
MAY_OPEN = {
    "anonymous": set(),
    "finance": {"costs", "numbers"},
    "support": {"outages"},
    "auditor": {"flows", "numbers"},
    "superuser": set(REPORTS),
}
FORMATS = ("html", "csv", "json")


@pytest.fixture(autouse=True)
def _frozen_time(settings) -> Iterator[None]:
    settings.SYNC_INTERVAL_MINUTES = 5
    settings.LISTING_INTERVAL_MINUTES = 60
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 50
    settings.EXOTEL_ACCOUNTS = ""
    with time_machine.travel(T0, tick=False):
        yield


# --- Helpers the report tests share


_bulk_serial = count(1)


def bulk_exophones(number: int, *, account: Account, **fields: Any) -> list[ExoPhone]:
    """`number` ExoPhones like make_exophone's, created in one statement."""
    batch = next(_bulk_serial)
    phones = []
    for n in range(number):
        sid = f"bulk{batch:03d}{n:06d}"
        defaults: dict[str, Any] = {
            "account": account,
            "sid": sid,
            "phone_number": f"+9180{batch:02d}{n:06d}",
            "friendly_name": f"Bulk {n}",
            "voice_capable": True,
            "sms_capable": n % 2 == 0,
            "country": "IN",
            "region": ("DL", "MU", "KA")[n % 3],
            "one_time_price": Decimal("0.000000"),
            "rental_price": Decimal("499.000000"),
            "incoming_rate": Decimal("0.000000"),
            "incoming_pulse": 60,
            "currency": ("INR", "USD")[n % 2],
            "number_type": "Landline",
            "vanity_number": False,
            "voice_url": f"https://my.exotel.com/{account.sid}/exoml/start_voice/{n % 7}"
            if n % 5
            else None,
            "sms_url": None,
            "uri": f"/v2/accounts/{account.sid}/incoming-phone-numbers/{sid}",
            "date_created": T0 - timedelta(days=400),
            "date_updated": T0 - timedelta(days=30),
            "incoming_status": "active",
            "outgoing_status": "active",
            "connectivity_observed_at": T0,
            "connectivity_attempted_at": T0,
            "first_seen": T0 - timedelta(days=300),
            "last_seen": T0,
            "cost_centre": ("", "sales", "support")[n % 3],
        }
        phones.append(ExoPhone(**{**defaults, **fields}))
    return ExoPhone.objects.bulk_create(phones)


def body(response: HttpResponseBase) -> str:
    """The response's text, a streamed one read to its end."""
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def json_of(response: HttpResponseBase) -> Any:
    return json.loads(body(response))


def csv_table(response: HttpResponseBase) -> list[list[str]]:
    text = body(response)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def role_user(role: str) -> User | None:
    if role == "anonymous":
        return None
    if role == "superuser":
        return make_user("root", is_superuser=True)
    return make_user(role, groups=(role.capitalize(),))


# --- The role matrix


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("report", list(REPORTS))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_its_reports_in_every_format_and_no_other(
    client: Client, role: str, report: str, fmt: str, caplog
) -> None:
    acme = make_account()
    phone = make_exophone(account=acme)
    make_change(exophone=phone, old=None, new=phone.voice_url, observed_at=T0 - timedelta(days=1))
    user = role_user(role)
    if user is not None:
        client.force_login(user)
    url, permission = REPORTS[report]

    with caplog.at_level(logging.WARNING):
        response = client.get(url, {"format": fmt})

    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=/reports/")
    elif report in MAY_OPEN[role]:
        assert response.status_code == 200
        content_type = {"html": "text/html", "csv": "text/csv", "json": "application/json"}
        assert response["Content-Type"].startswith(content_type[fmt])
        assert phone.phone_number in body(response) or report == "costs"
    else:
        assert response.status_code == 403
        page = body(response)
        assert f"needs the permission <code>{permission}</code>" in page
        assert 'id="user-tools"' in page  # the admin's look
        assert all(record.exc_info is None for record in caplog.records)


def test_the_403_page_names_the_groups_that_hold_the_permission(client: Client) -> None:
    client.force_login(make_user("sam", groups=("Support",)))

    page = client.get("/reports/flows/").content.decode()

    assert "The Auditor group has it" in page
    assert "(Can view the flows report)" in page


def test_a_user_with_no_permission_at_all_sees_the_403_too(client: Client) -> None:
    client.force_login(make_user("nobody", is_staff=False))

    response = client.get("/reports/numbers/")

    assert response.status_code == 403
    assert "numbers.export_numbers" in response.content.decode()


def test_a_report_answers_get_only(client: Client) -> None:
    client.force_login(make_user("root", is_superuser=True))

    assert client.post("/reports/numbers/").status_code == 405


# --- Bad parameters: 400 with what was wrong, never a 500


@pytest.mark.parametrize(
    ("url", "query", "said"),
    [
        ("/reports/numbers/", {"format": "xml"}, "format=xml: Select a valid choice."),
        ("/reports/costs/", {"as_of": "2026-13-45"}, "as_of=2026-13-45: Enter a real day"),
        ("/reports/costs/", {"as_of": "0001-01-01"}, "Enter a day between 1970-01-01"),
        ("/reports/costs/", {"by": "planet"}, "by=planet: Select a valid choice."),
        ("/reports/flows/", {"since": "yesterday"}, "since=yesterday: Enter a real day"),
        ("/reports/flows/", {"since": "2026-11-02", "until": "2026-11-01"}, "must not be after"),
        ("/reports/flows/", {"kind": "fax"}, "kind=fax: Select a valid choice."),
        ("/reports/flows/", {"account": "acme\x00"}, "account=acme\\x00: Null characters"),
        ("/reports/numbers/", {"page": "two"}, "page=two: Enter a whole number."),
    ],
)
def test_a_bad_parameter_is_a_400_that_says_which_and_why(
    client: Client, url: str, query: dict[str, str], said: str
) -> None:
    client.force_login(make_user("root", is_superuser=True))

    response = client.get(url, query)

    assert response.status_code == 400
    page = response.content.decode()
    assert said in page
    assert 'id="bad-request"' in page


def test_a_bad_parameter_of_a_json_request_is_a_json_400(client: Client) -> None:
    client.force_login(make_user("root", is_superuser=True))

    response = client.get("/reports/flows/", {"format": "json", "until": "2026-02-30"})

    assert response.status_code == 400
    assert response.json() == {"errors": ["until=2026-02-30: Enter a real day as YYYY-MM-DD."]}


# --- Cells


@pytest.mark.parametrize(
    ("amount", "plain"),
    [
        (Decimal("1499.500000"), "1499.50"),
        (Decimal("0.000000"), "0.00"),
        (Decimal("0.123456"), "0.123456"),
        (Decimal("1000000.000000"), "1000000.00"),
        (Decimal("1E+3"), "1000.00"),
    ],
)
def test_money_is_a_plain_decimal(amount: Decimal, plain: str) -> None:
    assert plain_decimal(amount) == plain


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Delhi helpline", "Delhi helpline"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_a_text_cell_that_a_spreadsheet_would_run_is_made_inert(text: str, safe: str) -> None:
    assert inert(text) == safe
    assert csv_cell(text) == safe


def test_a_cell_is_formatted_by_its_type() -> None:
    assert csv_cell(None) == ""
    assert csv_cell(True) == "true"
    assert csv_cell(False) == "false"
    assert csv_cell(60) == "60"
    assert csv_cell(Decimal("499.000000")) == "499.00"
    assert csv_cell(T0) == "2026-11-22T06:00:00Z"


# --- Links to the reports


def reports_linked(page: str, container_id: str) -> set[str]:
    start = page.find(f'id="{container_id}"')
    if start == -1:
        return set()
    section = page[start : page.index("</nav>", start)]
    return {name for name, (url, _) in REPORTS.items() if f'href="{url}"' in section}


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_the_admin_index_and_header_link_the_reports_the_role_may_open(
    client: Client, role: str
) -> None:
    client.force_login(role_user(role))

    index = client.get("/admin/").content.decode()
    exophones = client.get("/admin/numbers/exophone/").content.decode()

    assert reports_linked(index, "reports-module") == MAY_OPEN[role]
    assert reports_linked(index, "reports-menu") == MAY_OPEN[role]
    assert reports_linked(exophones, "reports-menu") == MAY_OPEN[role]
    assert ('id="reports-menu"' in index) == bool(MAY_OPEN[role])


def test_the_reports_page_lists_the_reports_of_the_role(client: Client) -> None:
    client.force_login(make_user("fin", groups=("Finance",)))

    page = client.get("/reports/").content.decode()

    assert reports_linked(page, "reports-module") == {"costs", "numbers"}


def test_the_reports_page_says_so_when_the_role_may_open_none(client: Client) -> None:
    client.force_login(make_user("nobody"))

    page = client.get("/reports/").content.decode()

    assert "You may not open any report." in page


def test_the_reports_page_sends_anonymous_users_to_log_in(client: Client) -> None:
    response = client.get("/reports/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/reports/"


def test_a_report_page_is_in_the_admins_look_and_names_the_time_zone(
    client: Client, settings
) -> None:
    settings.TIME_ZONE = "Asia/Kolkata"
    client.force_login(make_user("root", is_superuser=True))

    page = client.get("/reports/numbers/").content.decode()

    assert '<div class="breadcrumbs">' in page
    assert '<a href="/reports/">Reports</a>' in page
    assert "Times in Asia/Kolkata." in page
    assert 'href="/static/numbers/reports.css"' in page
    assert "<script>" not in page  # a strict CSP allows no inline script
    assert " style=" not in page
