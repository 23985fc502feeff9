"""The Finance, Support and Auditor groups, as their members meet the admin."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from exoinventory.numbers.models import Circle, ExoPhone, ExoPhoneChange
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
    "Finance": READ_NUMBERS | {"view_cost_report", "export_numbers", "edit_owner_and_cost_centre"},
    "Support": READ_NUMBERS | {"view_outage_report", "view_connectivityrun", "edit_notes"},
    "Auditor": READ_NUMBERS
    | {"view_flow_report", "export_numbers", "view_exophonechange", "view_syncrun"},
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
def test_a_member_of_each_group_sees_the_exophone_list(role: str) -> None:
    phone = make_exophone()
    client = logged_in(role.lower(), groups=(role,))

    listing = client.get("/admin/numbers/exophone/")

    assert listing.status_code == 200
    assert phone.phone_number in listing.content.decode()


# Who edits which local field (DESIGN.md "Roles"): nobody edits a synced one.
# Django's own "Can change ExoPhone" grants nothing: only the fields' permissions do.
EDITS = {
    "Finance": {"groups": ("Finance",), "edits": {"owner", "cost_centre"}},
    "Support": {"groups": ("Support",), "edits": {"notes"}},
    "Auditor": {"groups": ("Auditor",), "edits": set()},
    "superuser": {"is_superuser": True, "edits": {"owner", "cost_centre", "notes"}},
    "change_exophone": {
        "permissions": ("numbers.view_exophone", "numbers.change_exophone"),
        "edits": set(),
    },
}
POSTED = {
    "owner": "Priya",
    "cost_centre": "CC-104",
    "notes": "Helpline",
    "rental_price": "1.000000",
    "friendly_name": "renamed",
    "voice_url": "https://evil.example.com/",
}


@pytest.mark.parametrize("who", EDITS)
def test_each_role_edits_exactly_its_local_fields_through_the_number_page(who: str) -> None:
    options = dict(EDITS[who])
    edits = options.pop("edits")
    phone = make_exophone(rental_price=Decimal("499.000000"))
    client = logged_in(who.lower(), **options)

    page = client.get(change_url(phone))
    response = client.post(change_url(phone), POSTED)

    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == edits
    assert ('name="_save"' in page.content.decode()) is bool(edits)
    assert response.status_code == (302 if edits else 403)
    phone.refresh_from_db()
    assert {name: getattr(phone, name) for name in ("owner", "cost_centre", "notes")} == {
        name: POSTED[name] if name in edits else "" for name in ("owner", "cost_centre", "notes")
    }
    assert phone.rental_price == Decimal("499.000000")
    assert phone.friendly_name != "renamed"
    assert phone.voice_url != POSTED["voice_url"]
    records = ExoPhoneChange.objects.filter(exophone=phone)
    assert {(c.field, c.source, c.user_name, c.new_value) for c in records} == {
        (name, "local", who.lower(), POSTED[name]) for name in edits
    }


@pytest.mark.parametrize(
    ("who", "offered"), [("Finance", True), ("Support", False), ("Auditor", False)]
)
def test_only_those_who_edit_the_cost_centre_are_offered_the_bulk_actions(
    who: str, offered: bool
) -> None:
    phone = make_exophone()
    client = logged_in(who.lower(), groups=(who,))

    page = client.get("/admin/numbers/exophone/").content.decode()
    response = client.post(
        "/admin/numbers/exophone/",
        {"action": "set_cost_centre", "_selected_action": [phone.pk], "apply": "yes", "value": "X"},
    )

    assert ('value="set_cost_centre"' in page) is offered
    assert ('value="set_owner"' in page) is offered
    phone.refresh_from_db()
    assert phone.cost_centre == ("X" if offered else "")
    # Done, back to the list; or, with no action to run, the list itself.
    assert response.status_code == (302 if offered else 200)


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
