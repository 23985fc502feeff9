"""python manage.py sync_exophones [--all]: a listing, then one sweep allotment
(--all: every number); summary lines, exit status, progress only on a terminal."""

import io
import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from exoinventory.numbers.cadence import cadence_for
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
    for line in lines:
        assert re.search(r": listed 12 numbers in \d+\.\ds \(12 new, 0 changed, 0 unchanged", line)
        assert "; connectivity of 12 checked (24 runs opened, 0 extended, 0 failed" in line
        assert "; 0 numbers left unchecked; 13 requests, 0 retries" in line
    assert "\r" not in output and "\033" not in output
    assert ExoPhone.objects.count() == 24


@pytest.mark.django_db
def test_it_syncs_only_the_account_asked_for(simulator):
    output = run_command("--account", "AcmeTwo")

    assert output.startswith("AcmeTwo: listed 12 numbers")
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
    assert lines[1].startswith("AcmeTwo: listed 12 numbers")
    failed = SyncRun.objects.get(outcome="failed")
    assert (failed.account.sid, failed.kind) == ("AcmeOne", SyncRun.Kind.LISTING)


def on_a_terminal(settings, simulator: ExotelSimulator, *args: str) -> tuple[int, str]:
    """Run the command in a child process whose output is a terminal; return
    its exit status and everything it wrote."""
    db = settings.DATABASES["default"]
    environ = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EXOTEL_ACCOUNTS": simulator.exotel_accounts,
        "EXOTEL_RATE_LIMIT_PER_MINUTE": "100000",
    }
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "manage.py", "sync_exophones", *args],
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
    return child.wait(timeout=60), screen.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the child needs a shared database")
@pytest.mark.django_db(transaction=True)
def test_on_a_terminal_it_shows_progress_and_exits_zero(simulator, settings):
    status, text = on_a_terminal(settings, simulator)

    assert status == 0
    assert "AcmeOne: listing 1 pages" in text
    assert "AcmeOne: connectivity 12/12" in text
    assert text.count("numbers left unchecked") == 2
    assert TOKEN not in text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the child needs a shared database")
@pytest.mark.django_db(transaction=True)
def test_on_a_terminal_checking_every_number_shows_how_long_is_left(simulator, settings):
    status, text = on_a_terminal(settings, simulator, "--all")

    assert status == 0
    assert re.search(r"AcmeOne: connectivity \d+/12, about \d+:\d\d:\d\d left", text)
    assert re.search(r"AcmeTwo: connectivity 12/12, about 0:00:00 left", text)
    assert text.count("; 0 numbers left unchecked") == 2
    assert TOKEN not in text


# --- One sweep allotment, or every number

# A sweep every minute at 64 requests a minute: an interval's budget is 51
# requests, and 60 numbers (two listing pages) leave 50 of them to the sweep.
# Each test keeps its requests (at most 62) under the rate limit, which the
# command's own request budget enforces by waiting.
NUMBERS, RATE = 60, 64


@pytest.fixture
def slower_account(settings) -> Callable[[str], ExotelSimulator]:
    """Settings for the figures above, and a simulator of NUMBERS for an account."""
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = RATE
    settings.SYNC_INTERVAL_MINUTES = 1
    settings.LISTING_INTERVAL_MINUTES = 60
    settings.REDIS_URL = ""

    def one(account_sid: str) -> ExotelSimulator:
        return ExotelSimulator(numbers=NUMBERS, seed=7, accounts=[account_sid], evolve=False)

    return one


def allotment() -> int:
    cadence = cadence_for(
        numbers=NUMBERS, rate_per_minute=RATE, interval_minutes=1, listing_interval_minutes=60
    )
    assert cadence.allotment < NUMBERS
    assert cadence.listing_share + NUMBERS <= RATE  # --all stays under the rate limit
    return cadence.allotment


@pytest.mark.django_db
def test_one_run_checks_one_allotment_and_says_how_many_numbers_are_left_unchecked(
    slower_account, settings
):
    # Its own account: the request budget of this process is per account.
    with slower_account("AcmeAllotment") as sim:
        settings.EXOTEL_ACCOUNTS = sim.exotel_accounts
        output = run_command()

    checked = allotment()
    assert checked == 50
    assert f"listed {NUMBERS} numbers" in output
    assert f"connectivity of {checked} checked" in output
    assert f"; {NUMBERS - checked} numbers left unchecked;" in output
    assert ExoPhone.objects.filter(connectivity_observed_at__isnull=False).count() == checked
    sweep = SyncRun.objects.get(kind=SyncRun.Kind.SWEEP)
    assert sweep.numbers_unchecked == NUMBERS - checked


@pytest.mark.django_db
def test_all_checks_every_number_one_allotment_a_sweep(slower_account, settings):
    with slower_account("AcmeEvery") as sim:
        settings.EXOTEL_ACCOUNTS = sim.exotel_accounts
        output = run_command("--all")

    assert f"connectivity of {NUMBERS} checked" in output
    assert "; 0 numbers left unchecked;" in output
    assert not ExoPhone.objects.filter(connectivity_observed_at__isnull=True).exists()
    sweeps = SyncRun.objects.filter(kind=SyncRun.Kind.SWEEP).order_by("started_at", "pk")
    assert [run.connectivity_checked for run in sweeps] == [allotment(), NUMBERS - allotment()]
    # The sweeps share a client; each counts its own requests, one per number.
    assert [run.requests for run in sweeps] == [allotment(), NUMBERS - allotment()]
