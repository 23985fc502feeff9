"""The outage reads and pages on SQLite, make run's database, answer as on
PostgreSQL: the same dataset (tests/outages_snapshot.py) is built in this
test's PostgreSQL database and, by a child process, in a fresh SQLite one,
and everything the reads, the report (HTML, CSV, JSON) and the number pages
make of it must be the same."""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from tests.factories import T0
from tests.outages_snapshot import SETTINGS, as_json, build, snapshot
from tests.test_settings import REPO, clean_environment

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="compares SQLite with PostgreSQL"),
]


@pytest.fixture(autouse=True)
def _frozen_time(settings) -> Iterator[None]:
    for name, value in SETTINGS.items():
        setattr(settings, name, value)
    settings.DEBUG = True  # as in make run and the child: the admin's pages differ by it
    with time_machine.travel(T0, tick=False):
        yield


def sqlite_snapshot(folder: Path) -> dict:
    """The snapshot from a child process on a fresh SQLite database in `folder`,
    set up as make run sets up its own (DEBUG on)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c",
         "from tests.outages_snapshot import main; main()"],
        cwd=REPO,
        env=clean_environment(
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            EXOINVENTORY_VAR_DIR=str(folder),
            DJANGO_SECRET_KEY="insecure-test-only-key",
            DJANGO_DEBUG="true",
            **{name: str(value) for name, value in SETTINGS.items()},
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_outage_reads_and_pages_answer_on_sqlite_as_on_postgresql(
    tmp_path: Path, client: Client
) -> None:
    build()
    client.force_login(User.objects.create_superuser("admin", email="", password=None))
    on_postgresql = json.loads(as_json(snapshot(client)))

    on_sqlite = sqlite_snapshot(tmp_path)

    assert (on_sqlite.pop("database"), on_postgresql.pop("database")) == ("sqlite", "postgresql")
    assert {status for status, *_ in on_sqlite["pages"].values()} == {200}
    assert on_sqlite["pages"] == on_postgresql["pages"]
    assert on_sqlite["reads"] == on_postgresql["reads"]
