"""Login throttling (django-axes): repeated failures lock out the user name
and the address; the lock-out is visible in the admin and lifted by a
documented command."""

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core.management import call_command
from django.test import Client

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


def attempt(username: str, password: str, *, address: str = "203.0.113.7") -> int:
    """One login through the admin's form, as a browser at `address` sends it."""
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})
    return response.status_code


@pytest.fixture(autouse=True)
def _limit(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 5


def test_the_fifth_wrong_password_locks_the_user_out_even_with_the_right_one() -> None:
    make_user("alice")

    statuses = [attempt("alice", "wrong") for _ in range(5)]

    # The form answers 200 with its error four times; the fifth locks.
    assert statuses == [200, 200, 200, 200, 429]
    assert attempt("alice", PASSWORD) == 429


def test_the_lock_out_page_says_why_for_how_long_and_how_to_lift_it() -> None:
    make_user("alice")
    for _ in range(5):
        attempt("alice", "wrong")

    page = Client(REMOTE_ADDR="203.0.113.7").post(
        LOGIN, {"username": "alice", "password": PASSWORD}
    )

    text = re.sub(r"\s+", " ", page.content.decode())
    assert page.status_code == 429
    assert "Too many failed logins in a row (5)" in text
    assert "for the next 15 minutes" in text
    assert "manage.py axes_reset_username USERNAME" in text


def test_a_locked_user_is_locked_from_every_address() -> None:
    make_user("alice")
    for _ in range(5):
        attempt("alice", "wrong", address="203.0.113.7")

    assert attempt("alice", PASSWORD, address="198.51.100.20") == 429


def test_an_address_guessing_many_users_is_locked_for_all_of_them() -> None:
    make_user("bob")
    for number in range(5):
        attempt(f"nobody{number}", "wrong", address="203.0.113.9")

    assert attempt("bob", PASSWORD, address="203.0.113.9") == 429
    # Elsewhere, bob logs in.
    assert attempt("bob", PASSWORD, address="198.51.100.20") == 302


def test_a_good_login_resets_the_count() -> None:
    make_user("carol")
    for _ in range(4):
        attempt("carol", "wrong")
    assert attempt("carol", PASSWORD) == 302

    assert [attempt("carol", "wrong") for _ in range(4)] == [200] * 4


def test_the_reset_command_lifts_a_lock_out() -> None:
    make_user("alice")
    for _ in range(5):
        attempt("alice", "wrong")

    call_command("axes_reset_username", "alice")
    call_command("axes_reset_ip", "203.0.113.7")

    assert attempt("alice", PASSWORD) == 302


def test_superusers_see_the_lock_outs_in_the_admin() -> None:
    make_user("alice")
    for _ in range(5):
        attempt("alice", "wrong")
    admin = Client()
    admin.force_login(make_user("root", is_superuser=True))

    page = admin.get("/admin/axes/accessattempt/")

    assert page.status_code == 200
    assert "alice" in page.content.decode()


def test_the_password_tried_is_never_stored() -> None:
    make_user("alice")
    attempt("alice", "hunter2-SECRET")
    admin = Client()
    admin.force_login(make_user("root", is_superuser=True))

    listing = admin.get("/admin/axes/accessattempt/").content.decode()
    stored = [str(vars(row)) for row in AccessAttempt.objects.all()]
    stored += [str(vars(row)) for row in AccessFailureLog.objects.all()]
    assert "hunter2" not in listing + "".join(stored)
