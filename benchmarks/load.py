"""The load test: 20 users on every page while syncs run, against gunicorn on
PostgreSQL and against `make run` (python -m benchmarks.load, in make bench;
a short variant is tests/test_load.py).

The users are benchmarks/load_users.py, driven by Locust in a child process
(see there why); this module starts the targets, runs
`manage.py sync_exophones --all` back to back meanwhile, and turns what the
users measured into figures. Only loopback is ever addressed, every loop
stops by itself, and every process started here is stopped, by its process
group, on the way out, failure or not.
"""

import argparse
import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MANAGE = str(REPO / "manage.py")

USERNAME = "admin"  # make run's own local admin; the gunicorn target makes it too
SIMULATED_NUMBERS = 300
# What a child may inherit: a fresh machine's shell, never the test run's or
# the benchmark's own settings (a DJANGO_DEBUG=false, a Redis broker…).
INHERITED = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR")


# --- the figures


@dataclass(frozen=True)
class Figures:
    """Requests answered within the measured window, and their times in ms."""

    requests: int
    errors: int
    p50_ms: float
    p95_ms: float


@dataclass(frozen=True)
class LoadResult:
    users: int
    seconds: float  # the measured window, logins excluded
    pages: dict[str, Figures]
    total: Figures  # every page together
    errors: list[str]  # every failure, logins included


@dataclass(frozen=True)
class SyncReport:
    """The syncs run during a load, and the sync-run records they left."""

    commands: int
    failed_commands: list[str]
    runs: list[tuple[str, str, str]]  # kind, outcome, error

    @property
    def problems(self) -> list[str]:
        """Every sync lost, failed or skipped; empty when all went well."""
        found = list(self.failed_commands)
        if self.commands == 0:
            found.append("no sync ran during the load")
        found += [
            f"{kind} {outcome}: {error}"
            for kind, outcome, error in self.runs
            if outcome != "success"
        ]
        listings = sum(kind == "listing" for kind, _, _ in self.runs)
        if listings != self.commands:
            found.append(f"{self.commands} syncs ran but {listings} listings were recorded")
        return found


@dataclass(frozen=True)
class Target:
    """A running exoinventory: where to send the users, and how to reach its database."""

    name: str
    base_url: str
    password: str
    manage_environ: dict[str, str]  # runs manage.py against the target's database
    # Production sets secure cookies and sits behind a TLS proxy: the users
    # then say so in X-Forwarded-Proto, as the proxy would.
    behind_tls_proxy: bool


def percentile(times: list[float], percent: float) -> float:
    """Nearest-rank percentile: a time some request really took."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)] if ordered else 0.0


def _figures(times: list[float], errors: int) -> Figures:
    return Figures(len(times), errors, percentile(times, 50), percentile(times, 95))


def run_load(target: Target, *, users: int, seconds: float) -> LoadResult:
    """`users` users on every page of `target` for `seconds` once all are logged
    in (benchmarks/load_users.py, in a child process); the figures of that window."""
    command = [
        sys.executable, "-m", "benchmarks.load_users", target.base_url, "--username", USERNAME,
        "--users", str(users), "--seconds", str(seconds),
    ]  # fmt: skip
    if target.behind_tls_proxy:
        command.append("--tls-proxy")
    child = subprocess.run(
        command,
        cwd=REPO,
        env=_fresh_environ(),
        input=target.password,  # never on a command line that `ps` shows
        capture_output=True,
        text=True,
        timeout=seconds + 300,  # load_users stops itself well before
    )
    if child.returncode != 0:
        raise RuntimeError(f"the load users failed ({child.returncode}):\n{child.stderr[-3000:]}")
    measured = json.loads(child.stdout)
    times: dict[str, list[float]] = measured["times"]
    errors: dict[str, int] = measured["page_errors"]
    return LoadResult(
        users=users,
        seconds=measured["seconds"],
        pages={page: _figures(times[page], errors[page]) for page in times},
        total=_figures([t for page in times.values() for t in page], sum(errors.values())),
        errors=measured["failures"],
    )


# --- the syncs that run meanwhile


SYNC_RUNS = (
    "import json; from exoinventory.numbers.models import SyncRun; "
    "print(json.dumps(list(SyncRun.objects.order_by('id')"
    ".values_list('id', 'kind', 'outcome', 'error'))))"
)


def sync_runs(target: Target) -> list[tuple[int, str, str, str]]:
    """Every sync-run record of the target's database, oldest first."""
    output = _manage(target.manage_environ, "shell", "--no-imports", "-c", SYNC_RUNS)
    return [tuple(run) for run in json.loads(output.splitlines()[-1])]


@dataclass
class SyncLoop:
    """`manage.py sync_exophones --all` back to back in a thread, from start()
    until finish(), which waits for the sync under way and reads the records."""

    target: Target
    commands: int = 0
    failed: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self._before = max((run[0] for run in sync_runs(self.target)), default=0)
        self._thread = threading.Thread(target=self._loop, name="sync-loop", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            sync = subprocess.run(
                [sys.executable, MANAGE, "sync_exophones", "--all"],
                cwd=REPO,
                env=self.target.manage_environ,
                capture_output=True,
                text=True,
                timeout=600,
            )
            self.commands += 1
            if sync.returncode != 0:
                self.failed.append(f"sync_exophones exited {sync.returncode}: {sync.stderr[-500:]}")

    def finish(self) -> SyncReport:
        self._stop.set()
        self._thread.join()
        runs = [run[1:] for run in sync_runs(self.target) if run[0] > self._before]
        return SyncReport(self.commands, self.failed, runs)


def loaded(target: Target, *, users: int, seconds: float) -> tuple[LoadResult, SyncReport]:
    """A load while syncs run back to back, begun before the users and waited for after."""
    syncs = SyncLoop(target)
    syncs.start()
    try:
        result = run_load(target, users=users, seconds=seconds)
    finally:
        report = syncs.finish()
    return result, report


# --- the two targets


def _fresh_environ(**settings: str) -> dict[str, str]:
    return {key: os.environ[key] for key in INHERITED if key in os.environ} | settings


def _manage(environ: dict[str, str], *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, MANAGE, *arguments],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {arguments[0]} failed: {done.stderr[-2000:]}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"it exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listened on port {port} within 120 s:\n{log.read_text()[-3000:]}")


def _stop_group(process: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> None:
    """Stop a child started in its own process group, and everything in it."""
    if process.poll() is None:
        os.killpg(process.pid, signum)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def _database(database_url: str) -> Iterator[str]:
    """A new, empty database on the server of `database_url`, dropped afterwards;
    its URL. Its name is this process's own: nothing else's data is touched."""
    import environ as django_environ
    import psycopg
    from psycopg import sql

    config = django_environ.Env.db_url_config(database_url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise ValueError("the gunicorn target needs a PostgreSQL DATABASE_URL")
    name = f"exoinventory_load_{os.getpid()}"
    server = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }
    with psycopg.connect(**server, dbname="postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(**server, dbname="postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def gunicorn_on_postgresql(
    database_url: str, *, numbers: int = SIMULATED_NUMBERS, exotel_latency: float = 0.3
) -> Iterator[Target]:
    """Production's web server as compose runs it (three workers, DEBUG off,
    collected static files) on a new PostgreSQL database, holding `numbers`
    numbers from a first sync of the simulator. The simulator then answers
    after `exotel_latency` seconds, as Exotel would, for the syncs to come."""
    from exoinventory.simulator import ExotelSimulator

    password = secrets.token_urlsafe(12)
    with (
        _database(database_url) as url,
        tempfile.TemporaryDirectory(prefix="exoinventory-load-") as folder,
        ExotelSimulator(numbers=numbers, seed=1) as simulator,
    ):
        environ = _fresh_environ(
            DATABASE_URL=url,
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_DEBUG="false",
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_STATIC_ROOT=str(Path(folder) / "static"),
            EXOINVENTORY_VAR_DIR=str(Path(folder) / "var"),
            EXOTEL_ACCOUNTS=simulator.exotel_accounts,
            EXOTEL_RATE_LIMIT_PER_MINUTE="100000",
        )
        _manage(environ, "migrate", "--noinput")
        _manage(environ, "collectstatic", "--noinput")
        _manage(
            {**environ, "DJANGO_SUPERUSER_PASSWORD": password},
            "createsuperuser", "--noinput", "--username", USERNAME, "--email", "",
        )  # fmt: skip
        _manage(environ, "sync_exophones", "--all")
        simulator.set_latency(exotel_latency)
        port = _free_port()
        log = Path(folder) / "gunicorn.log"
        with log.open("wb") as output:
            gunicorn = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "exoinventory.wsgi:application",
                 f"--bind=127.0.0.1:{port}", "--workers=3"],
                cwd=REPO, env=environ, stdout=output, stderr=subprocess.STDOUT, process_group=0,
            )  # fmt: skip
        try:
            _wait_for_port(port, gunicorn, log)
            yield Target(
                "gunicorn on PostgreSQL", f"http://127.0.0.1:{port}", password, environ, True
            )
        finally:
            _stop_group(gunicorn)


@contextmanager
def make_run() -> Iterator[Target]:
    """`make run` (exoinventory.localrun) in a fresh var/ folder of its own:
    SQLite, its own simulator, a Celery worker and beat, runserver; logged in
    to with the admin password it prints once.

    Beat's schedule is pushed an hour out, so that the syncs during the load
    are all the load's own and none is skipped for meeting a scheduled one;
    the first listing, which make run queues at start, is waited for."""
    with tempfile.TemporaryDirectory(prefix="exoinventory-load-") as folder:
        var_dir = Path(folder) / "var"
        port = _free_port()
        environ = _fresh_environ(EXOINVENTORY_VAR_DIR=str(var_dir))
        log = Path(folder) / "localrun.log"
        with log.open("wb") as output:
            run = subprocess.Popen(
                [sys.executable, "-m", "exoinventory.localrun"],
                cwd=REPO,
                env={**environ, "PORT": str(port), "PYTHONUNBUFFERED": "1",
                     "SYNC_INTERVAL_MINUTES": "60", "LISTING_INTERVAL_MINUTES": "60"},
                stdout=output, stderr=subprocess.STDOUT, process_group=0,
            )  # fmt: skip
        try:
            _wait_for_port(port, run, log)
            printed = log.read_text()
            password = re.search(rf"Local admin login: {USERNAME} / (\S+)", printed)
            simulator = re.search(r"syncing the simulator on port (\d+)", printed)
            if password is None or simulator is None:
                raise RuntimeError(f"make run printed no admin password or simulator:\n{printed}")
            # What make run gives its children, for the syncs of the load:
            # the settings read the secret key from var/ and turn DEBUG on.
            environ["EXOTEL_ACCOUNTS"] = f"http://simkey:simtoken@127.0.0.1:{simulator[1]}/ExoSim"
            environ["EXOTEL_RATE_LIMIT_PER_MINUTE"] = "6000"
            target = Target("make run", f"http://127.0.0.1:{port}", password[1], environ, False)
            _wait_for_first_listing(target, run, log)
            yield target
        finally:
            _stop_localrun(run)


def _wait_for_first_listing(target: Target, run: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if run.poll() is not None:
            raise RuntimeError(f"make run exited with {run.returncode}:\n{log.read_text()[-3000:]}")
        runs = sync_runs(target)
        if runs and all(outcome != "running" for _, _, outcome, _ in runs):
            if not any(kind == "listing" and outcome == "success" for _, kind, outcome, _ in runs):
                raise RuntimeError(f"make run's first listing did not succeed: {runs}")
            return
        time.sleep(1)
    raise RuntimeError(f"make run's first listing did not end within 180 s:\n{log.read_text()}")


def _children(pid: int) -> list[int]:
    """The processes `pid` started (Linux: /proc); [] once it is gone."""
    try:
        return [
            int(child)
            for task in Path(f"/proc/{pid}/task").glob("*/children")
            for child in task.read_text().split()
        ]
    except OSError:
        return []


def _stop_localrun(run: subprocess.Popen[bytes]) -> None:
    """Ctrl-C's way first: localrun stops its children, each in a process
    group of its own. If it hangs, every child's group, then localrun."""
    children = _children(run.pid)
    if run.poll() is None:
        run.send_signal(signal.SIGTERM)
        try:
            run.wait(timeout=60)
            return
        except subprocess.TimeoutExpired:
            pass
    for pid in children:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    _stop_group(run, signal.SIGKILL)


# --- python -m benchmarks.load


def _table(title: str, results: dict[str, LoadResult]) -> str:
    """One Markdown table: a row per page and target, then each target's total."""
    lines = [
        f"**{title}**",
        "",
        "| target | users | page | requests | errors | p50 ms | p95 ms |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for name, result in results.items():
        for page, figures in [*result.pages.items(), ("all pages", result.total)]:
            lines.append(
                f"| {name} | {result.users} | {page} | {figures.requests} | {figures.errors} "
                f"| {figures.p50_ms:.0f} | {figures.p95_ms:.0f} |"
            )
    return "\n".join(lines) + "\n"


def _measured(target: Target, users: int, seconds: float) -> tuple[LoadResult, list[str]]:
    """One load with syncs under way, said as it ends; its figures and its problems."""
    result, syncs = loaded(target, users=users, seconds=seconds)
    problems = [*result.errors, *syncs.problems]
    print(
        f"{target.name}, {users} user(s): {result.total.requests} requests, "
        f"{len(result.errors)} errors; {syncs.commands} syncs, {len(syncs.runs)} sync runs, "
        f"{len(syncs.problems)} lost, failed or skipped",
        flush=True,
    )
    return result, [f"{target.name}, {users} user(s): {problem}" for problem in problems]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="the PostgreSQL server on which the gunicorn target gets a database of its own",
    )
    options = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, {options.users} users for {options.seconds:.0f} s\n", flush=True)
    results: dict[str, LoadResult] = {}
    problems: list[str] = []
    with gunicorn_on_postgresql(options.database_url) as target:
        # One user first: issue 11's p95 at 20 users / p95 at one user.
        for users in (1, options.users):
            result, found = _measured(target, users, options.seconds)
            results[f"{target.name}, {users} user(s)"] = result
            problems += found
    with make_run() as target:
        results[target.name], found = _measured(target, options.users, options.seconds)
        problems += found
    print(f"\n{_table('Load: requests and response times per page', results)}")
    one, many = list(results.values())[:2]
    print(f"gunicorn on PostgreSQL: p95 at {many.users} users / at one user: "
          f"{many.total.p95_ms / one.total.p95_ms:.2f}")  # fmt: skip
    for problem, count in Counter(problems).most_common():
        print(f"error ({count}x): {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
