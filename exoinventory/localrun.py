"""`make run`: the whole product on one machine, with no server to install.

Migrates the SQLite database under var/, creates a local admin login (its
password is printed once, when it is made), then starts and watches:

- the bundled Exotel simulator, when EXOTEL_ACCOUNTS is not set, sending
  Exotel's Heartbeat to the web app every minute (a token of its own);
- a Celery worker and Celery beat on kombu's filesystem transport (the
  broker is a folder under var/, so no Redis or RabbitMQ is needed);
- the web app on http://127.0.0.1:8000 (PORT to change it).

A first sync is queued at once so the inventory fills within a minute.
Ctrl-C (or SIGTERM) stops every child; if one child dies, all are stopped.
Data stays in var/ for the next run.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from exoinventory.config import private_directory

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("EXOINVENTORY_VAR_DIR", BASE_DIR / "var"))
ADMIN_USERNAME = "admin"
SIMULATED_NUMBERS = 300
SIMULATED_ACCOUNT = "ExoSim"
STOP_GRACE_SECONDS = 10


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _secret_key() -> str:
    path = VAR_DIR / "secret_key"
    if not path.exists():
        # Created readable by this user only, before anything is written.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def local_environment() -> dict[str, str]:
    """The environment the children run with: the user's, plus local defaults."""
    environ = dict(os.environ)
    environ.setdefault("DJANGO_SETTINGS_MODULE", "exoinventory.settings")
    environ.setdefault("DJANGO_DEBUG", "true")
    environ.setdefault("DJANGO_SECRET_KEY", _secret_key())
    environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    environ.setdefault("CELERY_BROKER_URL", "filesystem://")
    environ["PYTHONUNBUFFERED"] = "1"
    if not environ.get("EXOTEL_ACCOUNTS"):
        # The simulator is on loopback and has no limit of its own: sweep it
        # every minute, checking every number, so outages show up quickly,
        # and list it every five.
        environ.setdefault("SYNC_INTERVAL_MINUTES", "1")
        environ.setdefault("LISTING_INTERVAL_MINUTES", "5")
        environ.setdefault("EXOTEL_RATE_LIMIT_PER_MINUTE", "6000")
    return environ


class Supervisor:
    """Starts children, and stops all of them when asked or when one dies."""

    def __init__(self, environ: dict[str, str]) -> None:
        self.environ = environ
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False

    def start(self, name: str, *command: str) -> subprocess.Popen[bytes]:
        # Each child in its own process group: Ctrl-C reaches only this
        # supervisor, which then stops the children in order.
        child = subprocess.Popen(command, cwd=BASE_DIR, env=self.environ, process_group=0)
        self.children[name] = child
        return child

    def manage(self, *arguments: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *arguments], cwd=BASE_DIR, env=self.environ, check=True
        )

    def stop(self, *_: object) -> None:
        self.stopping = True

    def watch(self) -> int:
        """Wait until stopped or a child dies; return the exit status."""
        while not self.stopping:
            for name, child in self.children.items():
                if child.poll() is not None:
                    print(f"exoinventory: {name} exited with {child.returncode}; stopping")
                    self.stop_all()
                    return 1
            time.sleep(0.5)
        self.stop_all()
        return 0

    def stop_all(self) -> None:
        # Newest first: the web app and beat before the worker, the worker
        # (maybe mid-sync) before the simulator it talks to.
        children = list(reversed(self.children.values()))
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _start_simulator(supervisor: Supervisor) -> int:
    port = _free_port()
    simulator = supervisor.start(
        "simulator",
        sys.executable, "manage.py", "exotel_simulator",
        "--port", str(port), "--numbers", str(SIMULATED_NUMBERS), "--seed", "1",
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and simulator.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        raise SystemExit("exoinventory: the Exotel simulator did not start")
    return port


def _admin_login(supervisor: Supervisor) -> None:
    """Create the local admin once and print its password that one time.

    The password reaches createsuperuser through its environment, never on a
    command line that `ps` would show."""
    password = secrets.token_urlsafe(12)
    created = subprocess.run(
        [sys.executable, "manage.py", "createsuperuser", "--noinput",
         "--username", ADMIN_USERNAME, "--email", ""],
        cwd=BASE_DIR, env={**supervisor.environ, "DJANGO_SUPERUSER_PASSWORD": password},
        capture_output=True, text=True,
    )  # fmt: skip
    if created.returncode != 0 and "already taken" not in created.stderr:
        raise subprocess.CalledProcessError(created.returncode, created.args, stderr=created.stderr)
    if created.returncode == 0:
        print(f"\n  Local admin login: {ADMIN_USERNAME} / {password}  (shown only this once)\n")
    else:
        print(
            f"\n  Log in as {ADMIN_USERNAME} (password shown on the first run; reset it with "
            f"'.venv/bin/python manage.py changepassword {ADMIN_USERNAME}')\n"
        )


def main() -> int:
    # Readable by this user alone: the SQLite file holds password hashes
    # and sessions, the folder the secret key.
    try:
        private_directory("EXOINVENTORY_VAR_DIR", VAR_DIR)
    except ImproperlyConfigured as error:
        print(f"exoinventory: configuration error: {error}", file=sys.stderr)
        return 2
    for folder in ("processed", "control"):
        (VAR_DIR / "celery-broker" / folder).mkdir(parents=True, exist_ok=True)
    environ = local_environment()
    supervisor = Supervisor(environ)
    # Ctrl-C, a kill, or the terminal closing: stop every child either way.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, supervisor.stop)
    port = environ.get("PORT", "8000")
    try:
        supervisor.manage("migrate", "--noinput", "-v", "0")
        if not environ.get("EXOTEL_ACCOUNTS"):
            # The simulator sends Exotel's Heartbeat to the web app every
            # minute, under a fresh secret that reaches it through its
            # environment, never a command line `ps` would show.
            secret = secrets.token_urlsafe(32)
            environ["EXOTEL_SIMULATOR_HEARTBEAT_URL"] = (
                f"http://127.0.0.1:{port}/webhooks/exotel/heartbeat/{secret}/"
            )
            sim_port = _start_simulator(supervisor)
            key = os.environ.get("EXOTEL_SIMULATOR_KEY", "simkey")
            token = os.environ.get("EXOTEL_SIMULATOR_TOKEN", "simtoken")
            environ["EXOTEL_ACCOUNTS"] = (
                f"http://{key}:{token}@127.0.0.1:{sim_port}/{SIMULATED_ACCOUNT}"
            )
            environ["EXOTEL_HEARTBEAT_TOKENS"] = f"{SIMULATED_ACCOUNT}={secret}"
            print(f"exoinventory: no EXOTEL_ACCOUNTS; syncing the simulator on port {sim_port}")
        _admin_login(supervisor)
        celery = [sys.executable, "-m", "celery", "-A", "exoinventory"]
        # Both queues, two threads: a paced listing runs for minutes, and the
        # sweeps go on beside it.
        supervisor.start(
            "worker", *celery, "worker", "--queues=celery,listing",
            "--pool=threads", "--concurrency=2", "--loglevel=INFO",
        )  # fmt: skip
        supervisor.start("beat", *celery, "beat", "--loglevel=INFO")
        # The first listing now (an account never listed gets half the
        # budget, so it is paced only lightly), so the inventory is there at
        # once; beat's first sweep follows within a minute.
        supervisor.manage("shell", "--no-imports", "-c",
                          "from exoinventory.numbers.tasks import list_all_accounts; "
                          "list_all_accounts.delay()")  # fmt: skip
        supervisor.start(
            "web", sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"
        )
        print(f"exoinventory: open http://127.0.0.1:{port}/admin/  (Ctrl-C stops everything)")
        return supervisor.watch()
    except (subprocess.CalledProcessError, SystemExit, KeyboardInterrupt) as error:
        supervisor.stop_all()
        if isinstance(error, subprocess.CalledProcessError):
            print(f"exoinventory: {' '.join(map(str, error.cmd[1:3]))} failed ({error.returncode})")
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
