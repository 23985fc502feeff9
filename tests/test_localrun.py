"""`make run` (python -m exoinventory.localrun) on a fresh var/ folder: it starts the
simulator, worker, beat and web app, lists at once and sweeps within a minute or
so, and Ctrl-C stops everything."""

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
# What the test run sets for itself and a newcomer's shell would not have.
TEST_ONLY = ("DATABASE_URL", "CELERY_BROKER_URL", "EXOTEL_ACCOUNTS", "REDIS_URL")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalRun:
    """One `make run` in the background, its output collected."""

    def __init__(self, var_dir: Path) -> None:
        self.port = free_port()
        environ = {
            key: value
            for key, value in os.environ.items()
            if key not in TEST_ONLY and not key.startswith("DJANGO_")
        }
        environ.update(EXOINVENTORY_VAR_DIR=str(var_dir), PORT=str(self.port))
        self.var_dir = var_dir
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "exoinventory.localrun"],
            cwd=REPO, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # Beat's first sweep comes a minute after start and the run takes about
    # 90 s alone; a loaded 2-core machine needs the margin.
    def password(self, seconds: float = 120) -> str:
        """The local admin's password, printed once when the first run makes it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = re.search(r"Local admin login: admin / (\S+)", "".join(self.output))
            if found:
                return found.group(1)
            assert self.process.poll() is None, "".join(self.output)
            time.sleep(0.5)
        raise AssertionError("no admin password printed:\n" + "".join(self.output))

    def wait_for_a_good_listing_and_sweep(self, password: str, seconds: float = 240) -> dict:
        """/healthz, as the local admin sees it, once the account has a good
        listing and a good sweep: the listing is queued at start, beat's
        first sweep comes one interval (a minute, for the simulator) after
        beat starts."""
        deadline = time.monotonic() + seconds
        session: requests.Session | None = None
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "".join(self.output)
            try:
                session = session or log_in(self, password)[0]
                health = session.get(f"{self.url}/healthz", timeout=2).json()
            except (requests.ConnectionError, ValueError):
                health = {}
            accounts = health.get("accounts") or [{}]
            if accounts[0].get("last_good_listing") and accounts[0].get("last_good_sweep"):
                return health
            time.sleep(0.5)
        raise AssertionError("no good listing and sweep within the time:\n" + "".join(self.output))

    def wait_for_a_heartbeat(self, password: str, seconds: float = 180) -> str:
        """Status now once a heartbeat of the simulator (one a minute, the
        first before the web app is up) has observed its 300 listed numbers."""
        session, _ = log_in(self, password)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "".join(self.output)
            page = session.get(f"{self.url}/admin/", timeout=5).text
            if "300 numbers observed; affected" in page:
                return page
            time.sleep(2)
        raise AssertionError("no heartbeat within the time:\n" + "".join(self.output))

    def interrupt(self, signum: int = signal.SIGINT) -> int:
        """Ctrl-C (SIGINT) as a terminal sends it, or SIGHUP as a closing one does."""
        self.process.send_signal(signum)
        return self.process.wait(timeout=60)

    def leftovers(self) -> list[str]:
        """Processes still running with this run's var/ folder in their environment."""
        marker = f"EXOINVENTORY_VAR_DIR={self.var_dir}".encode()
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if marker in (proc / "environ").read_bytes().split(b"\0"):
                    found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            except OSError:
                continue
        return found


def log_in(run: LocalRun, password: str) -> tuple[requests.Session, requests.Response]:
    """The local admin's session, and the page the login led to."""
    session = requests.Session()
    login = f"{run.url}/admin/login/"
    page = session.get(login, timeout=5)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session, session.post(
        login,
        data={
            "username": "admin",
            "password": password,
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        },
        headers={"Referer": login},
        timeout=10,
    )


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find leftover processes")
def test_make_run_syncs_the_simulator_serves_the_admin_and_stops_everything(tmp_path):
    var_dir = tmp_path / "var"
    first = LocalRun(var_dir)
    try:
        password = first.password()
        health = first.wait_for_a_good_listing_and_sweep(password)
        account = health["accounts"][0]
        assert account["account_sid"] == "ExoSim"
        # The simulator's whole inventory, every number observed in one sweep.
        assert (account["numbers"], account["numbers_no_data"]) == (300, 0)
        assert health["status"] == "ok"
        # Anyone else learns ok or not ok, nothing about the accounts.
        assert requests.get(f"{first.url}/healthz", timeout=5).json() == {"status": "ok"}
        assert (
            requests.get(f"{first.url}/admin/", timeout=5, allow_redirects=False).status_code == 302
        )
        _, index = log_in(first, password)
        assert index.status_code == 200 and "ExoPhones" in index.text
        # The simulator sends Exotel's Heartbeat to the web app, with a token
        # the local run configured: every number observed, minute by minute.
        overview = first.wait_for_a_heartbeat(password)
        assert "none of our numbers" not in overview
        assert "Heartbeats have stopped" not in overview
        # The SQLite file holds password hashes and sessions: its folder is
        # this user's alone.
        assert (var_dir / "exoinventory.sqlite3").exists()
        assert stat.S_IMODE(var_dir.stat().st_mode) == 0o700
    finally:
        status = first.interrupt()
    assert status == 0, "".join(first.output)
    assert first.leftovers() == []

    second = LocalRun(var_dir)
    try:
        second.wait_for_a_good_listing_and_sweep(password)  # same data, same login
        assert "Local admin login" not in "".join(second.output)
    finally:
        assert second.interrupt(signal.SIGHUP) == 0
    assert second.leftovers() == []
