"""python manage.py sync_exophones: summary lines, exit status, progress only on a terminal."""

import io
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from exoinventory.numbers.models import ExoPhone, SyncRun
from exoinventory.simulator import ExotelSimulator

REPO = Path(__file__).resolve().parent.parent
TOKEN = "cmd-tok-Q7w2-SECRET"


@pytest.fixture
def simulator(settings) -> Iterator[ExotelSimulator]:
    with ExotelSimulator(
        numbers=12, seed=5, accounts=["AcmeOne", "AcmeTwo"], token=TOKEN, evolve=False
    ) as sim:
        settings.EXOTEL_ACCOUNTS = sim.exotel_accounts
        settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 100_000
        settings.REDIS_URL = ""
        yield sim


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("sync_exophones", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_prints_one_summary_line_per_account_and_no_progress_without_a_terminal(simulator):
    output = run_command()

    lines = output.splitlines()
    assert [line.split(":")[0] for line in lines] == ["AcmeOne", "AcmeTwo"]
    assert all("synced in" in line and "12 numbers (12 new" in line for line in lines)
    assert "\r" not in output and "\033" not in output
    assert ExoPhone.objects.count() == 24


@pytest.mark.django_db
def test_it_syncs_only_the_account_asked_for(simulator):
    output = run_command("--account", "AcmeTwo")

    assert output.startswith("AcmeTwo: synced")
    assert set(ExoPhone.objects.values_list("account__sid", flat=True)) == {"AcmeTwo"}


@pytest.mark.django_db
def test_an_account_not_configured_is_a_clear_error(simulator):
    with pytest.raises(CommandError, match="account Nope is not in EXOTEL_ACCOUNTS"):
        run_command("--account", "Nope")


@pytest.mark.django_db
def test_without_accounts_it_says_what_to_set(settings):
    settings.EXOTEL_ACCOUNTS = ""

    with pytest.raises(CommandError, match="EXOTEL_ACCOUNTS is not set"):
        run_command()


@pytest.mark.django_db
def test_a_bad_account_url_is_named_without_its_token(settings):
    settings.EXOTEL_ACCOUNTS = f"https://key:{TOKEN}@api.exotel.com/Good,ftp://key:{TOKEN}@x/Bad"

    with pytest.raises(CommandError) as raised:
        run_command()

    assert "entry 2" in str(raised.value) and TOKEN not in str(raised.value)


@pytest.mark.django_db
def test_a_failed_account_fails_the_command_after_the_others_synced(simulator):
    simulator.fail_next(100, status=500, path_contains="/AcmeOne/")

    with pytest.raises(CommandError, match="1 of 2 accounts failed to sync"):
        out = io.StringIO()
        try:
            call_command("sync_exophones", stdout=out)
        finally:
            lines = out.getvalue().splitlines()

    assert lines[0].startswith("AcmeOne: failed: AcmeOne: listing page 0: HTTP 500")
    assert lines[1].startswith("AcmeTwo: synced")
    assert SyncRun.objects.filter(outcome="failed").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the child needs a shared database")
@pytest.mark.django_db(transaction=True)
def test_on_a_terminal_it_shows_progress_and_exits_zero(simulator, settings):
    db = settings.DATABASES["default"]
    environ = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EXOTEL_ACCOUNTS": simulator.exotel_accounts,
        "EXOTEL_RATE_LIMIT_PER_MINUTE": "100000",
    }
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "manage.py", "sync_exophones"],
        cwd=REPO, env=environ, stdout=follower, stderr=follower,
    )  # fmt: skip
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(leader)

    assert child.wait(timeout=60) == 0
    text = screen.decode()
    assert "AcmeOne: connectivity 12/12" in text
    assert text.count("synced in") == 2
    assert TOKEN not in text
