"""manage.py create_user: a staff login in one role's group."""

import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command, execute_from_command_line
from django.test import Client

pytestmark = pytest.mark.django_db


def logs_in(username: str, password: str) -> bool:
    """Whether the admin's login form lets this user in (a redirect onwards)."""
    response = Client().post("/admin/login/", {"username": username, "password": password})
    return response.status_code == 302


def create_user(*args: str) -> str:
    out = io.StringIO()
    call_command("create_user", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("role", "group"), [("finance", "Finance"), ("support", "Support"), ("auditor", "Auditor")]
)
def test_it_creates_a_staff_user_in_the_roles_group(role: str, group: str, monkeypatch) -> None:
    monkeypatch.delenv("EXOINVENTORY_PASSWORD", raising=False)

    create_user("priya", "--role", role, "--email", "priya@example.com")

    user = User.objects.get(username="priya")
    assert user.is_staff
    assert not user.is_superuser
    assert user.email == "priya@example.com"
    assert list(user.groups.values_list("name", flat=True)) == [group]


def test_it_prints_a_generated_password_once_and_that_password_logs_in(monkeypatch) -> None:
    monkeypatch.delenv("EXOINVENTORY_PASSWORD", raising=False)

    output = create_user("priya", "--role", "finance")

    match = re.fullmatch(
        r"Created priya in the Finance group\. Password: (\S+)  \(shown only this once\)\n",
        output,
    )
    assert match, output
    password = match.group(1)
    assert len(password) >= 16
    assert logs_in("priya", password)


def test_it_takes_the_password_from_the_environment_and_does_not_print_it(monkeypatch) -> None:
    monkeypatch.setenv("EXOINVENTORY_PASSWORD", "a long pass phrase for sam")

    output = create_user("sam", "--role", "support")

    assert (
        output
        == "Created sam in the Support group, with the password from EXOINVENTORY_PASSWORD.\n"
    )
    assert "pass phrase" not in output
    assert logs_in("sam", "a long pass phrase for sam")


def test_each_generated_password_differs(monkeypatch) -> None:
    monkeypatch.delenv("EXOINVENTORY_PASSWORD", raising=False)

    first = create_user("a", "--role", "auditor").split("Password: ")[1]
    second = create_user("b", "--role", "auditor").split("Password: ")[1]

    assert first != second


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("priya", "--role", "admin"), "unknown role 'admin': choose finance, support or auditor"),
        (("bad name!", "--role", "finance"), "Enter a valid username."),
        (("priya", "--role", "finance", "--email", "nope"), "Enter a valid email address."),
    ],
)
def test_it_refuses_bad_input_in_one_line_and_creates_nothing(
    args: tuple[str, ...], error: str
) -> None:
    with pytest.raises(CommandError) as raised:
        create_user(*args)

    assert str(raised.value).startswith(error)
    assert "\n" not in str(raised.value)
    assert not User.objects.exists()


def test_it_refuses_an_existing_user_and_leaves_it_as_it_was(monkeypatch) -> None:
    monkeypatch.delenv("EXOINVENTORY_PASSWORD", raising=False)
    User.objects.create_user("priya", password="old password 123", is_staff=False)

    with pytest.raises(CommandError, match=r"^a user named 'priya' already exists$"):
        create_user("priya", "--role", "finance")

    user = User.objects.get(username="priya")
    assert not user.is_staff
    assert not user.groups.exists()
    assert user.check_password("old password 123")


def test_it_refuses_a_weak_password_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("EXOINVENTORY_PASSWORD", "123")

    with pytest.raises(CommandError, match=r"^EXOINVENTORY_PASSWORD: This password is too short"):
        create_user("priya", "--role", "finance")

    assert not User.objects.exists()


def test_the_command_line_prints_one_line_and_fails(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "create_user", "priya", "--role", "boss"])

    assert exited.value.code == 1
    assert capsys.readouterr().err == (
        "CommandError: unknown role 'boss': choose finance, support or auditor\n"
    )
