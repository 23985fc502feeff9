"""Settings read from the environment: safe in production, loud when wrong.

Each case starts `manage.py` in a fresh interpreter, as a deployment would,
with only the variables it names (the test run's own are left out).
"""

import os
import secrets
import stat
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils.dateparse import parse_datetime

from exoinventory.numbers.models import SyncRun
from tests.factories import make_account

REPO = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "inventory.example.com",
}
# The settings' own variables, which this test run may have set for itself.
SETTINGS_VARIABLES = (
    "DJANGO_",
    "EXOTEL_",
    "SYNC_",
    "LISTING_",
    "TIME_ZONE",
    "CELERY_",
    "REDIS_URL",
    "EXOINVENTORY_",
    "DATABASE_URL",
    "LOG_LEVEL",
    "AXES_",
)


def clean_environment(**variables: str) -> dict[str, str]:
    """This process's environment without the settings' own variables, plus `variables`."""
    env = {
        name: value for name, value in os.environ.items() if not name.startswith(SETTINGS_VARIABLES)
    }
    return {**env, **variables}


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=clean_environment(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )


def setting(name: str, **variables: str) -> str:
    result = manage(
        "shell",
        "--verbosity=0",
        "--command",
        f"from django.conf import settings; print(settings.{name})",
        **variables,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_deployment_checklist_passes_with_production_values() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("secret_key", ["", None])
def test_a_missing_secret_key_stops_start_up_with_a_clear_message(secret_key: str | None) -> None:
    variables = {**PRODUCTION, "DJANGO_SECRET_KEY": secret_key}
    if secret_key is None:
        if (REPO / ".env").exists():
            pytest.skip(".env may set DJANGO_SECRET_KEY")
        del variables["DJANGO_SECRET_KEY"]

    result = manage("check", **variables)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


# Every variable the settings read, with each kind of wrong value: one line
# naming the variable and what is wrong, never a traceback.
BAD_VALUES = [
    ("DJANGO_DEBUG", "ture", "DJANGO_DEBUG must be true or false, not 'ture'"),
    ("DJANGO_SECURE_SSL_REDIRECT", "maybe", "DJANGO_SECURE_SSL_REDIRECT must be true or false"),
    ("SYNC_INTERVAL_MINUTES", "abc", "SYNC_INTERVAL_MINUTES must be a whole number, not 'abc'"),
    ("SYNC_INTERVAL_MINUTES", "2.5", "SYNC_INTERVAL_MINUTES must be a whole number, not '2.5'"),
    ("SYNC_INTERVAL_MINUTES", "0", "SYNC_INTERVAL_MINUTES must be a whole number from 1 to 1440"),
    ("SYNC_INTERVAL_MINUTES", "-5", "SYNC_INTERVAL_MINUTES must be a whole number from 1 to"),
    ("SYNC_INTERVAL_MINUTES", "99999999999999", "from 1 to 1440, not 99999999999999"),
    ("LISTING_INTERVAL_MINUTES", "hourly", "LISTING_INTERVAL_MINUTES must be a whole number"),
    ("LISTING_INTERVAL_MINUTES", "0", "LISTING_INTERVAL_MINUTES must be a whole number from 1"),
    ("LISTING_INTERVAL_MINUTES", "20000", "LISTING_INTERVAL_MINUTES must be a whole number from"),
    ("EXOTEL_RATE_LIMIT_PER_MINUTE", "fifty", "EXOTEL_RATE_LIMIT_PER_MINUTE must be a whole"),
    ("EXOTEL_RATE_LIMIT_PER_MINUTE", "0", "EXOTEL_RATE_LIMIT_PER_MINUTE must be"),
    ("EXOTEL_RATE_LIMIT_PER_MINUTE", "10" * 12, "EXOTEL_RATE_LIMIT_PER_MINUTE must be"),
    ("DJANGO_CONN_MAX_AGE", "a minute", "DJANGO_CONN_MAX_AGE must be a whole number"),
    ("DJANGO_CONN_MAX_AGE", "-1", "DJANGO_CONN_MAX_AGE must be a whole number from 0"),
    ("DJANGO_CONN_MAX_AGE", "9" * 30, "DJANGO_CONN_MAX_AGE must be a whole number from 0"),
    ("DJANGO_SECURE_HSTS_SECONDS", "forever", "DJANGO_SECURE_HSTS_SECONDS must be a whole"),
    ("DJANGO_SECURE_HSTS_SECONDS", "9" * 20, "DJANGO_SECURE_HSTS_SECONDS must be a whole"),
    ("AXES_FAILURE_LIMIT", "0", "AXES_FAILURE_LIMIT must be a whole number from 1 to 100"),
    ("AXES_FAILURE_LIMIT", "five", "AXES_FAILURE_LIMIT must be a whole number, not 'five'"),
    ("AXES_COOLOFF_MINUTES", "0", "AXES_COOLOFF_MINUTES must be a whole number from 1 to 1440"),
    ("AXES_COOLOFF_MINUTES", "1e9", "AXES_COOLOFF_MINUTES must be a whole number, not '1e9'"),
    ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("TIME_ZONE", "Mars/Olympus_Mons", "TIME_ZONE must be a time zone name"),
    ("TIME_ZONE", "../../etc/passwd", "TIME_ZONE must be a time zone name"),
    ("EXOTEL_LISTING_TIME_ZONE", "IST+5:30", "EXOTEL_LISTING_TIME_ZONE must be a time zone"),
    ("DATABASE_URL", "garbage", "DATABASE_URL is not a URL like postgres://"),
    ("DATABASE_URL", "mysql://db/inventory", "DATABASE_URL must start with postgres://"),
    ("DATABASE_URL", "postgres://db:port/inventory", "DATABASE_URL is not a URL like"),
    ("DATABASE_URL", "postgres://db:5432", "DATABASE_URL must name the database"),
    ("CELERY_BROKER_URL", "garbage", "CELERY_BROKER_URL is not a URL like redis://"),
    ("CELERY_BROKER_URL", "http://broker:6379/0", "CELERY_BROKER_URL must start with one of"),
    ("CELERY_BROKER_URL", "redis://broker:six/0", "CELERY_BROKER_URL is not a URL like"),
    ("CELERY_BROKER_URL", "redis:///0", "CELERY_BROKER_URL must name a host"),
    ("REDIS_URL", "localhost:6379", "REDIS_URL is not a URL like redis://"),
    ("REDIS_URL", "amqp://localhost/", "REDIS_URL must start with one of redis://, rediss://"),
    ("REDIS_URL", "redis://localhost:99999/0", "REDIS_URL is not a URL like"),
]


@pytest.mark.parametrize(("variable", "value", "complaint"), BAD_VALUES)
def test_a_bad_value_stops_start_up_with_one_line_naming_the_variable(
    variable: str, value: str, complaint: str
) -> None:
    result = manage("check", **{**PRODUCTION, variable: value})

    assert result.returncode == 2
    assert result.stderr == f"exoinventory: configuration error: {result.stderr.split(': ', 2)[2]}"
    assert result.stderr.count("\n") == 1, result.stderr
    assert complaint in result.stderr


HEARTBEAT_SECRET = "Hb7-Qw2_Er9Ty4Ui1Op6As3Df8Gh5Jk0Lz"
ACCOUNTS = "https://key:token@api.exotel.com/acme,https://key:token@api.in.exotel.com/beta"


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("acme", "EXOTEL_HEARTBEAT_TOKENS entry 1 is not ACCOUNT_SID=SECRET"),
        (f"acme={HEARTBEAT_SECRET},", "EXOTEL_HEARTBEAT_TOKENS entry 2 is empty"),
        (f"=={HEARTBEAT_SECRET}", "EXOTEL_HEARTBEAT_TOKENS entry 1 is not ACCOUNT_SID=SECRET"),
        (f"gamma={HEARTBEAT_SECRET}", "(account 'gamma'): the account is not in EXOTEL_ACCOUNTS"),
        (
            f"acme={HEARTBEAT_SECRET},acme={HEARTBEAT_SECRET[::-1]}",
            "entry 2 (account 'acme'): the account has a secret already",
        ),
        (
            f"acme={HEARTBEAT_SECRET},beta={HEARTBEAT_SECRET}",
            "entry 2 (account 'beta'): the secret is another account's too",
        ),
        ("acme=short-Secret-9", "(account 'acme'): the secret must be at least 32 random"),
        ("acme=" + "ab" * 20, "the secret must be at least 32 random letters"),
        ("acme=" + HEARTBEAT_SECRET + "/x", "the secret must be at least 32 random letters"),
    ],
)
def test_a_bad_heartbeat_token_stops_start_up_with_one_line_never_showing_a_secret(
    value: str, complaint: str
) -> None:
    result = manage("check", **PRODUCTION, EXOTEL_ACCOUNTS=ACCOUNTS, EXOTEL_HEARTBEAT_TOKENS=value)

    assert result.returncode == 2
    assert result.stderr.startswith("exoinventory: configuration error: EXOTEL_HEARTBEAT_TOKENS")
    assert result.stderr.count("\n") == 1, result.stderr
    assert complaint in result.stderr
    for secret in (HEARTBEAT_SECRET, HEARTBEAT_SECRET[::-1], "short-Secret-9", "ab" * 20):
        assert secret not in result.stderr


def test_heartbeat_tokens_are_read_per_account() -> None:
    value = f" acme = {HEARTBEAT_SECRET} , beta={HEARTBEAT_SECRET[::-1]}"

    tokens = setting(
        "EXOTEL_HEARTBEAT_TOKENS",
        **PRODUCTION,
        EXOTEL_ACCOUNTS=ACCOUNTS,
        EXOTEL_HEARTBEAT_TOKENS=value,
    )

    assert tokens == repr({"acme": HEARTBEAT_SECRET, "beta": HEARTBEAT_SECRET[::-1]})
    assert setting("EXOTEL_HEARTBEAT_TOKENS", **PRODUCTION) == "{}"


@pytest.mark.parametrize("variable", ["DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"])
def test_a_refused_url_is_never_quoted_for_it_may_hold_a_password(variable: str) -> None:
    result = manage("check", **{**PRODUCTION, variable: "redis://user:SECRETPW@db:xx/0"})

    assert result.returncode == 2
    assert "SECRETPW" not in result.stderr


def test_an_uncreatable_var_dir_stops_start_up_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")

    result = manage("check", **PRODUCTION, EXOINVENTORY_VAR_DIR=str(blocker / "var"))

    assert result.returncode == 2
    assert result.stderr.startswith("exoinventory: configuration error: EXOINVENTORY_VAR_DIR: ")
    assert result.stderr.count("\n") == 1


def test_the_local_database_folder_is_readable_by_its_user_alone(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"

    result = manage("migrate", "-v", "0", **PRODUCTION, EXOINVENTORY_VAR_DIR=str(var_dir))

    assert result.returncode == 0, result.stderr
    assert (var_dir / "exoinventory.sqlite3").exists()
    assert stat.S_IMODE(var_dir.stat().st_mode) == 0o700


def test_gunicorn_stops_on_a_bad_value_instead_of_restarting_workers() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "exoinventory.wsgi", "-b", "127.0.0.1:0"],
        cwd=REPO,
        env=clean_environment(**PRODUCTION, LOG_LEVEL="LOUD"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 3  # gunicorn's "Worker failed to boot"
    assert "exoinventory: configuration error: LOG_LEVEL must be one of" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_celery_worker_stops_on_a_bad_value_with_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "exoinventory", "worker"],
        cwd=REPO,
        env=clean_environment(**PRODUCTION, CELERY_BROKER_URL="http://broker/"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("exoinventory: configuration error: CELERY_BROKER_URL must")
    assert result.stderr.count("\n") == 1


def a_var_dir(tmp_path: Path, *, secret_key: str | None) -> Path:
    """A var/ folder as `make run` leaves it: with its secret_key file, or without."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    if secret_key is not None:
        (var_dir / "secret_key").write_text(secret_key + "\n")
    return var_dir


def test_in_make_runs_folder_manage_py_works_with_the_local_key(tmp_path: Path) -> None:
    local_key = secrets.token_urlsafe(50)
    var_dir = a_var_dir(tmp_path, secret_key=local_key)

    result = manage("check", EXOINVENTORY_VAR_DIR=str(var_dir))

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    # A debug run, like make run's own, with make run's key.
    assert setting("DEBUG", EXOINVENTORY_VAR_DIR=str(var_dir)) == "True"
    assert setting("SECRET_KEY", EXOINVENTORY_VAR_DIR=str(var_dir)) == local_key


def test_without_the_local_key_file_a_missing_secret_key_still_stops_start_up(
    tmp_path: Path,
) -> None:
    if (REPO / ".env").exists():
        pytest.skip(".env may set DJANGO_SECRET_KEY")
    var_dir = a_var_dir(tmp_path, secret_key=None)

    result = manage("check", EXOINVENTORY_VAR_DIR=str(var_dir))

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_the_local_key_is_never_used_when_debug_is_off(tmp_path: Path) -> None:
    var_dir = a_var_dir(tmp_path, secret_key=secrets.token_urlsafe(50))

    result = manage("check", EXOINVENTORY_VAR_DIR=str(var_dir), DJANGO_DEBUG="false")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_a_secret_key_in_the_environment_wins_over_the_local_file(tmp_path: Path) -> None:
    var_dir = a_var_dir(tmp_path, secret_key="the-local-file-key")
    variables = {**PRODUCTION, "EXOINVENTORY_VAR_DIR": str(var_dir)}

    assert setting("SECRET_KEY", **variables) == PRODUCTION["DJANGO_SECRET_KEY"]
    assert setting("DEBUG", **variables) == "False"


def test_the_beat_schedule_follows_both_intervals() -> None:
    schedule = setting(
        "CELERY_BEAT_SCHEDULE",
        **PRODUCTION,
        SYNC_INTERVAL_MINUTES="2",
        LISTING_INTERVAL_MINUTES="30",
    )

    assert "'sweep-connectivity': {'task': 'numbers.sweep_all_accounts', 'schedule': 120.0" in (
        schedule
    )
    assert "'list-exophones': {'task': 'numbers.list_all_accounts', 'schedule': 1800.0" in schedule


def test_the_task_time_limits_and_the_visibility_timeout_follow_the_intervals() -> None:
    # A daily listing is spread over 18 hours: a fixed 3-hour limit would
    # kill it every time; a 2-hour sweep interval needs more than 55 minutes.
    limits = setting(
        "LISTING_TIME_LIMIT_SECONDS, settings.SWEEP_TIME_LIMIT_SECONDS, "
        "settings.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout']",
        **PRODUCTION,
        CELERY_BROKER_URL="redis://127.0.0.1:6379/14",
        SYNC_INTERVAL_MINUTES="120",
        LISTING_INTERVAL_MINUTES="1440",
    )

    listing, sweep, visibility = map(int, limits.split())
    assert listing == 2 * 1440 * 60 and sweep == 2 * 120 * 60
    assert visibility > listing


@pytest.mark.parametrize(("command", "reused"), [("runserver", "0"), ("check", "60")])
def test_runserver_never_keeps_a_connection_for_reuse(command: str, reused: str) -> None:
    # runserver's thread per request would leave each kept connection open.
    script = (
        f"import sys; sys.argv = ['manage.py', '{command}']; "
        "from exoinventory import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=clean_environment(**PRODUCTION, DATABASE_URL="postgres://postgres@127.0.0.1/x"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip() == reused, result.stderr


def test_times_are_shown_in_india_by_default() -> None:
    assert setting("TIME_ZONE", **PRODUCTION) == "Asia/Kolkata"


def test_the_time_zone_times_are_shown_in_is_configurable() -> None:
    assert setting("TIME_ZONE", **PRODUCTION, TIME_ZONE="Europe/London") == "Europe/London"


@pytest.mark.django_db
def test_times_are_stored_in_utc() -> None:
    ist_morning = datetime.fromisoformat("2026-11-22T09:00:00+05:30")
    SyncRun.objects.create(
        account=make_account(), trigger=SyncRun.Trigger.SCHEDULE, started_at=ist_morning
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT started_at FROM numbers_syncrun")
        (stored,) = cursor.fetchone()

    if isinstance(stored, str):  # SQLite keeps text
        stored = parse_datetime(stored)
    assert settings.USE_TZ is True
    assert stored.replace(tzinfo=None) == datetime(2026, 11, 22, 3, 30)
    assert stored.utcoffset() in (None, timedelta(0))


@pytest.mark.django_db
def test_postgresql_compiles_no_query_just_in_time() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's JIT")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
