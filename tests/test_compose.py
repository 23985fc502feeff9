"""docker-compose.yml, Dockerfile and .env.example agree with the code.

There is no Docker engine here: the files are parsed, and every module,
command and console script they name is looked up in this installation.
"""

import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from celery.bin.celery import celery as celery_cli
from django.core.management import get_commands
from django.urls import resolve

from exoinventory.exotel.accounts import parse_accounts

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, dict] = COMPOSE["services"]
# Services built from this repository: they run the app's code.
APP_SERVICES = {name: service for name, service in SERVICES.items() if "build" in service}
# One-shot services: others wait for them to exit successfully.
ONE_SHOT = {
    name
    for service in SERVICES.values()
    for name, condition in (service.get("depends_on") or {}).items()
    if condition.get("condition") == "service_completed_successfully"
}
LONG_RUNNING = {name: service for name, service in SERVICES.items() if name not in ONE_SHOT}

# env("NAME", …), env.int("NAME", …), env.db("NAME", …): what settings read.
SETTINGS_VARIABLES = frozenset(
    re.findall(
        r"\benv(?:\.\w+|_\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"",
        (ROOT / "exoinventory" / "settings.py").read_text(),
    )
)


def _env_example() -> dict[str, tuple[str, bool]]:
    """NAME → (value, active). "# NAME=value" lines are optional examples."""
    entries: dict[str, tuple[str, bool]] = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.fullmatch(r"(#\s?)?([A-Z][A-Z0-9_]*)=(.*)", line)
        if match:
            entries[match[2]] = (match[3], match[1] is None)
    return entries


ENV_EXAMPLE = _env_example()


def _argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def _healthcheck_argv(service: dict) -> list[str]:
    kind, *rest = service["healthcheck"]["test"]
    if kind == "CMD-SHELL":
        # Compose turns $$ into $; the shell then expands it.
        return shlex.split(rest[0].replace("$$", "$"))
    assert kind == "CMD"
    return rest


def _option(args: list[str], name: str) -> str:
    """The value of `name VALUE` or `name=VALUE` in args."""
    for index, arg in enumerate(args):
        if arg == name:
            return args[index + 1]
        if arg.startswith(f"{name}="):
            return arg.split("=", 1)[1]
    raise AssertionError(f"{name} missing from {args}")


def _assert_names_real_things(argv: list[str]) -> None:
    """The program is installed and every module or subcommand it names exists."""
    program, *args = argv
    if program == "python":
        if args[0] == "-c":
            compile(args[1], "<healthcheck>", "exec")
            return
        assert args[0] == "manage.py"
        assert (ROOT / "manage.py").is_file()
        assert args[1] in get_commands(), f"no management command {args[1]!r}"
        return
    # Console scripts of the installed dependencies, beside this interpreter
    # (the .venv when run by make test).
    assert shutil.which(program, path=str(Path(sys.executable).parent)), f"{program} missing"
    if program == "gunicorn":
        target = next(arg for arg in args if not arg.startswith("-"))
        module_name, attribute = target.split(":")
        assert callable(getattr(importlib.import_module(module_name), attribute))
    elif program == "celery":
        app_name = _option(args, "-A")
        assert isinstance(find_app(app_name), Celery)
        subcommand = args[args.index(app_name) + 1]
        assert subcommand in celery_cli.commands, f"no celery command {subcommand!r}"
    else:
        raise AssertionError(f"unexpected program {program!r}")


def _without_interpolation(value: str) -> str:
    return re.sub(r"\$\{[^}]*\}", "x", value)


def test_settings_read_the_variables_this_test_expects() -> None:
    # Guards the regex: if it stopped matching, every test below would pass.
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "EXOTEL_ACCOUNTS"} <= SETTINGS_VARIABLES


def test_every_long_running_service_has_a_healthcheck_and_restarts_unless_stopped() -> None:
    assert set(LONG_RUNNING) == {"postgres", "redis", "web", "worker", "listing-worker", "beat"}
    for name, service in LONG_RUNNING.items():
        assert service["healthcheck"]["test"], name
        assert not service["healthcheck"].get("disable"), name
        assert service["restart"] == "unless-stopped", name


def test_migrations_run_once_before_web_worker_and_beat_start() -> None:
    assert {"migrate"} == ONE_SHOT
    migrate = SERVICES["migrate"]
    assert _argv(migrate["command"]) == ["python", "manage.py", "migrate", "--noinput"]
    # Run once per `up`: neither restarted nor health-checked.
    assert migrate["restart"] == "no"
    assert migrate["healthcheck"] == {"disable": True}
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "listing-worker", "beat"):
        depends_on = SERVICES[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name


def test_beat_runs_as_exactly_one_replica() -> None:
    beat = SERVICES["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in beat


def test_app_services_share_one_image_and_the_env_file() -> None:
    assert set(APP_SERVICES) == {"migrate", "web", "worker", "listing-worker", "beat"}
    images = {(service["build"], service["image"]) for service in APP_SERVICES.values()}
    assert images == {(".", "exoinventory:latest")}
    for name, service in APP_SERVICES.items():
        assert service["env_file"] == ".env", name


def test_app_service_commands_name_real_modules_and_commands() -> None:
    for name, service in APP_SERVICES.items():
        _assert_names_real_things(_argv(service["command"]))
        if name not in ONE_SHOT:
            _assert_names_real_things(_healthcheck_argv(service))


def test_web_serves_the_wsgi_application_and_checks_healthz() -> None:
    assert _argv(SERVICES["web"]["command"])[:2] == ["gunicorn", "exoinventory.wsgi:application"]
    code = _healthcheck_argv(SERVICES["web"])[2]
    url = urlsplit(re.search(r"'(http://[^']+)'", code)[1])
    assert url.port == 8000
    assert resolve(url.path).url_name == "healthz"


def test_the_web_healthcheck_host_is_allowed_by_the_example_settings() -> None:
    code = _healthcheck_argv(SERVICES["web"])[2]
    host = urlsplit(re.search(r"'(http://[^']+)'", code)[1]).hostname
    allowed, _ = ENV_EXAMPLE["DJANGO_ALLOWED_HOSTS"]
    assert host in allowed.split(",")


def test_the_worker_healthcheck_pings_its_own_node() -> None:
    argv = _healthcheck_argv(SERVICES["worker"])
    assert argv[3:5] == ["inspect", "ping"]
    assert _option(argv, "-d") == "celery@$HOSTNAME"


def test_listings_have_a_worker_of_their_own_and_sweeps_never_wait_behind_them(settings) -> None:
    route = settings.CELERY_TASK_ROUTES["numbers.list_account"]["queue"]
    listing = _argv(SERVICES["listing-worker"]["command"])
    sweeping = _argv(SERVICES["worker"]["command"])

    assert "--queues=" + route in listing
    assert "--queues=celery" in sweeping
    assert "numbers.sweep_account" not in settings.CELERY_TASK_ROUTES
    host = next(arg for arg in listing if arg.startswith("--hostname=")).split("=", 1)[1]
    node = _option(_healthcheck_argv(SERVICES["listing-worker"]), "-d")
    assert node == host.replace("%h", "$HOSTNAME")


def test_the_beat_healthcheck_watches_the_schedule_file_beat_writes() -> None:
    schedule = _option(_argv(SERVICES["beat"]["command"]), "--schedule")
    code = _healthcheck_argv(SERVICES["beat"])[2]
    # dbm may add a suffix (.db, .dat): the check globs for it.
    assert f"glob.glob('{schedule}*')" in code


def test_app_services_set_only_variables_settings_read() -> None:
    for name, service in APP_SERVICES.items():
        assert set(service["environment"]) <= SETTINGS_VARIABLES, name


def test_app_services_reach_the_database_and_redis_services() -> None:
    postgres = SERVICES["postgres"]["environment"]
    for service in APP_SERVICES.values():
        environment = service["environment"]
        database = urlsplit(_without_interpolation(environment["DATABASE_URL"]))
        assert database.scheme == "postgres"
        assert database.hostname in SERVICES
        assert database.username == postgres["POSTGRES_USER"]
        assert database.path == f"/{postgres['POSTGRES_DB']}"
        assert "${POSTGRES_PASSWORD" in environment["DATABASE_URL"]
        broker = urlsplit(environment["CELERY_BROKER_URL"])
        budget = urlsplit(environment["REDIS_URL"])
        assert broker.hostname == budget.hostname == "redis"
        # Separate databases: a flush of one never empties the other.
        assert broker.path != budget.path


def test_the_database_keeps_its_data_in_a_named_volume() -> None:
    volumes = SERVICES["postgres"]["volumes"]
    assert volumes == ["postgres-data:/var/lib/postgresql/data"]
    assert set(COMPOSE["volumes"]) == {"postgres-data"}


def test_compose_interpolates_only_variables_env_example_defines() -> None:
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_TEXT))
    assert used == {"POSTGRES_PASSWORD"}
    assert used <= set(ENV_EXAMPLE)


def test_env_example_names_only_variables_settings_read_or_postgres_uses() -> None:
    postgres_variables = set(re.findall(r"\$\{(POSTGRES_[A-Z0-9_]*)", COMPOSE_TEXT))
    assert set(ENV_EXAMPLE) - SETTINGS_VARIABLES == postgres_variables


def test_env_example_lists_every_variable_settings_read() -> None:
    assert sorted(SETTINGS_VARIABLES - set(ENV_EXAMPLE)) == []


def test_env_example_requires_a_secret_key_and_a_database_password_to_be_filled_in() -> None:
    assert ENV_EXAMPLE["DJANGO_SECRET_KEY"] == ("", True)
    assert ENV_EXAMPLE["POSTGRES_PASSWORD"] == ("", True)
    assert "secrets.token_urlsafe(50)" in (ROOT / ".env.example").read_text()


def test_env_example_holds_no_real_looking_secret() -> None:
    for name, (value, _) in ENV_EXAMPLE.items():
        # Generated keys and tokens are long runs mixing letters and digits.
        for run in re.findall(r"[A-Za-z0-9_+/=-]{20,}", value):
            looks_generated = re.search(r"\d", run) and re.search(r"[A-Za-z]", run)
            assert not looks_generated, f"{name} holds {run!r}"
    accounts = parse_accounts(ENV_EXAMPLE["EXOTEL_ACCOUNTS"][0])
    assert accounts
    for account in accounts:
        assert account.key.startswith("FAKE-")
        assert account.token.startswith("FAKE-")


def test_every_example_value_is_accepted_by_settings(tmp_path: Path) -> None:
    environment = {
        "PATH": os.environ["PATH"],
        **{name: value for name, (value, _) in ENV_EXAMPLE.items()},
        "DJANGO_SECRET_KEY": "not-a-secret",
        "EXOINVENTORY_VAR_DIR": str(tmp_path / "var"),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import exoinventory.settings as s; print(s.DATABASES)"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_is_python_3_11_slim_and_runs_as_a_non_root_user() -> None:
    instructions = _dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [argument for instruction, argument in instructions if instruction == "USER"]
    assert users
    assert users[-1] not in ("root", "0")


def test_the_image_installs_the_project_and_collects_static_files_at_build() -> None:
    runs = [
        argument for instruction, argument in _dockerfile_instructions() if instruction == "RUN"
    ]
    assert any(re.search(r"pip install (-e )?\.$", run) for run in runs)
    collect = next(run for run in runs if "collectstatic" in run)
    assert "DJANGO_SECRET_KEY=" in collect
    assert _argv(collect)[1:] == ["python", "manage.py", "collectstatic", "--noinput"]


@pytest.mark.parametrize("instruction", ["CMD", "ENTRYPOINT"])
def test_the_image_command_names_real_things(instruction: str) -> None:
    commands = [
        json.loads(argument) for kind, argument in _dockerfile_instructions() if kind == instruction
    ]
    if instruction == "CMD":
        assert commands
        assert commands[-1][:2] == ["gunicorn", "exoinventory.wsgi:application"]
    for argv in commands:
        _assert_names_real_things(argv)


def test_the_image_never_contains_the_env_file() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ".env" in ignored
