"""The Finance, Support and Auditor groups, as their members meet the admin."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from exoinventory.numbers.models import Circle, ExoPhone
from tests.factories import (
    PASSWORD,
    T0,
    make_change,
    make_connectivity_run,
    make_exophone,
    make_user,
)

pytestmark = pytest.mark.django_db

READ_NUMBERS = {"view_exophone", "view_account", "view_circle"}
ROLES = {
    "Finance": READ_NUMBERS | {"view_cost_report", "export_numbers"},
    "Support": READ_NUMBERS | {"view_outage_report", "view_connectivityrun"},
    "Auditor": READ_NUMBERS | {"view_flow_report", "view_exophonechange", "view_syncrun"},
}
# Which record admins each role may open, besides the ExoPhones.
RECORDS_SEEN = {
    "Finance": set(),
    "Support": {"connectivityrun"},
    "Auditor": {"exophonechange", "syncrun"},
}
RECORDS = ("exophonechange", "connectivityrun", "syncrun")


def logged_in(username: str, **user_options: object) -> Client:
    """A client that logged in through the admin's login page."""
    make_user(username, **user_options)
    client = Client()
    response = client.post(
        "/admin/login/", {"username": username, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302, f"{username} could not log in"
    assert response.url == "/admin/"
    return client


def change_url(phone: ExoPhone) -> str:
    return f"/admin/numbers/exophone/{phone.pk}/change/"


@pytest.mark.parametrize(("role", "codenames"), ROLES.items())
def test_each_group_holds_exactly_its_permissions(role: str, codenames: set[str]) -> None:
    permissions = Group.objects.get(name=role).permissions.all()

    assert {p.codename for p in permissions} == codenames
    assert {p.content_type.app_label for p in permissions} == {"numbers"}


@pytest.mark.parametrize("role", ROLES)
def test_a_member_of_each_group_sees_the_exophone_list_read_only(role: str) -> None:
    phone = make_exophone()
    client = logged_in(role.lower(), groups=(role,))

    listing = client.get("/admin/numbers/exophone/")
    page = client.get(change_url(phone))

    assert listing.status_code == 200
    assert phone.phone_number in listing.content.decode()
    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}
    assert 'name="_save"' not in page.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_a_member_of_each_group_cannot_change_the_local_fields(role: str) -> None:
    phone = make_exophone()
    client = logged_in(role.lower(), groups=(role,))

    response = client.post(change_url(phone), {"owner": "someone", "notes": "changed"})

    assert response.status_code == 403
    phone.refresh_from_db()
    assert (phone.owner, phone.notes) == ("", "")


@pytest.mark.parametrize("role", ROLES)
def test_each_group_opens_exactly_its_records(role: str) -> None:
    client = logged_in(role.lower(), groups=(role,))
    index = client.get("/admin/").content.decode()

    for model in RECORDS:
        url = f"/admin/numbers/{model}/"
        allowed = model in RECORDS_SEEN[role]
        assert client.get(url).status_code == (200 if allowed else 403), url
        assert (f'href="{url}"' in index) is allowed, url


@pytest.mark.parametrize(
    ("role", "sees_history", "sees_timeline"),
    [("Finance", False, False), ("Support", False, True), ("Auditor", True, False)],
)
def test_the_number_page_shows_each_history_to_the_groups_that_may_read_it(
    role: str, sees_history: bool, sees_timeline: bool
) -> None:
    phone = make_exophone()
    make_change(exophone=phone, old="Line", new="Helpline", field="friendly_name")
    make_connectivity_run(exophone=phone, status="active", first=T0, last=T0)
    client = logged_in(role.lower(), groups=(role,))

    page = client.get(change_url(phone)).content.decode()

    assert ('id="change-history"' in page) is sees_history
    assert ('id="connectivity-timeline"' in page) is sees_timeline


def test_a_group_member_without_staff_status_cannot_log_in() -> None:
    make_user("intern", groups=("Finance",), is_staff=False)

    response = Client().post(
        "/admin/login/", {"username": "intern", "password": PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 200
    assert "correct username and password for a staff account" in response.content.decode()


def test_a_user_who_may_change_exophones_edits_only_the_local_fields() -> None:
    phone = make_exophone(rental_price=Decimal("499.000000"))
    client = logged_in("ops", groups=("Support",), permissions=("numbers.change_exophone",))

    response = client.post(
        change_url(phone),
        {
            "owner": "Priya",
            "cost_centre": "CC-104",
            "notes": "Helpline",
            "rental_price": "1.000000",
            "friendly_name": "renamed",
        },
    )

    assert response.status_code == 302
    phone.refresh_from_db()
    assert (phone.owner, phone.cost_centre, phone.notes) == ("Priya", "CC-104", "Helpline")
    assert phone.rental_price == Decimal("499.000000")
    assert phone.friendly_name != "renamed"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/numbers/exophone/",
        "/admin/numbers/exophone/1/change/",
        "/admin/numbers/syncrun/",
    ],
)
def test_anyone_not_logged_in_is_sent_to_the_login_page(url: str) -> None:
    response = Client().get(url)

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/?next=")


@pytest.mark.parametrize("role", ROLES)
def test_no_group_renames_a_circle(role: str) -> None:
    client = logged_in(role.lower(), groups=(role,))

    response = client.post("/admin/numbers/circle/DL/change/", {"name": "New Delhi"})

    assert response.status_code == 403
    assert Circle.objects.get(code="DL").name == "Delhi"
