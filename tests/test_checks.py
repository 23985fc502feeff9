"""The system check numbers.E001: a malformed EXOTEL_ACCOUNTS stops `manage.py
check`, `migrate`, a Celery worker and beat at start, with one line naming
the entry and never its token.

Each process case starts a fresh interpreter, as a deployment would.
"""

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import Error

from exoinventory.numbers.checks import exotel_accounts_check

REPO = Path(__file__).resolve().parent.parent
TOKEN = "chk-tok-Zq81-SECRET"
GOOD = f"https://key:{TOKEN}@api.exotel.com/AcmeSG"
# The second entry is wrong in a different way each time; each names it.
BAD = {
    "another host": f"{GOOD},https://key:{TOKEN}@evil.example.com/AcmeX",
    "no scheme": f"{GOOD},key:{TOKEN}@api.in.exotel.com/AcmeIN",
    "plain http": f"{GOOD},http://key:{TOKEN}@api.in.exotel.com/AcmeIN",
}
# The settings' own variables, which this test run may have set for itself.
SETTINGS_VARIABLES = ("DJANGO_", "EXOTEL_", "SYNC_", "LISTING_", "CELERY_", "REDIS_URL")


def environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = {
        name: value for name, value in os.environ.items() if not name.startswith(SETTINGS_VARIABLES)
    }
    # A throwaway SQLite under tmp_path unless a test names a database: if the
    # check did not stop `migrate`, nothing that matters would be migrated.
    env.pop("DATABASE_URL", None)
    return {
        **env,
        "DJANGO_SECRET_KEY": "check-tests-only-not-a-secret",
        "EXOINVENTORY_VAR_DIR": str(tmp_path),
        **variables,
    }


def manage(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=environment(tmp_path, **variables),
        capture_output=True,
        text=True,
        timeout=120,
    )


def lines_naming_entry_2(output: str) -> list[str]:
    return [line for line in output.splitlines() if "EXOTEL_ACCOUNTS entry 2" in line]


@pytest.mark.parametrize("wrong", list(BAD))
def test_the_check_names_the_entry_and_never_its_token(settings, wrong: str) -> None:
    settings.EXOTEL_ACCOUNTS = BAD[wrong]

    errors = exotel_accounts_check()

    assert [(type(error), error.id) for error in errors] == [(Error, "numbers.E001")]
    assert errors[0].msg.startswith("EXOTEL_ACCOUNTS entry 2")
    assert "\n" not in errors[0].msg
    assert TOKEN not in errors[0].msg and TOKEN not in (errors[0].hint or "")


def test_the_check_passes_good_accounts_and_none_at_all(settings) -> None:
    settings.EXOTEL_ACCOUNTS = f"{GOOD},https://key2:tok2@api.in.exotel.com/AcmeIN"
    assert exotel_accounts_check() == []

    settings.EXOTEL_ACCOUNTS = ""
    assert exotel_accounts_check() == []


@pytest.mark.parametrize("command", ["check", "migrate"])
@pytest.mark.parametrize("wrong", list(BAD))
def test_a_bad_entry_stops_manage_py_with_one_line_naming_it(
    tmp_path: Path, command: str, wrong: str
) -> None:
    result = manage(tmp_path, command, EXOTEL_ACCOUNTS=BAD[wrong])

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert len(lines_naming_entry_2(output)) == 1, output
    assert "(numbers.E001)" in result.stderr
    assert "Traceback" not in output
    assert TOKEN not in output


def test_a_bad_entry_stops_migrate_before_it_migrates_anything(tmp_path: Path) -> None:
    manage(tmp_path, "migrate", EXOTEL_ACCOUNTS=BAD["another host"])

    database = tmp_path / "exoinventory.sqlite3"
    tables: list[str] = []
    if database.exists():
        with closing(sqlite3.connect(database)) as db:
            tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master")]
    assert tables == []


def test_good_accounts_pass_manage_py_check(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", EXOTEL_ACCOUNTS=f"{GOOD},http://k:t@127.0.0.1:9/Simulated")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def celery(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    db = settings.DATABASES["default"]
    database_url = (
        f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        if db["ENGINE"].endswith("postgresql")
        else f"sqlite:///{tmp_path / 'exoinventory.sqlite3'}"
    )
    return subprocess.run(
        [sys.executable, "-m", "celery", "-A", "exoinventory", *args],
        cwd=REPO,
        env=environment(
            tmp_path,
            DATABASE_URL=database_url,
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            EXOTEL_ACCOUNTS=BAD["another host"],
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "process",
    [
        ("worker", "--pool=solo", "--without-heartbeat", "--without-gossip"),
        ("beat",),
    ],
    ids=["worker", "beat"],
)
def test_a_bad_entry_stops_a_celery_process_at_start_with_one_line(
    tmp_path: Path, process: tuple[str, ...]
) -> None:
    result = celery(tmp_path, *process, "--loglevel=WARNING")

    assert result.returncode == 1
    named = lines_naming_entry_2(result.stderr)
    assert len(named) == 1, result.stderr
    assert (
        "exoinventory: EXOTEL_ACCOUNTS entry 2 (host evil.example.com, account AcmeX)" in (named[0])
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert TOKEN not in result.stdout + result.stderr
