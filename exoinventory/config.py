"""Reading the environment: each variable checked where settings.py reads it.

A bad value stops start-up with one line that names the variable and says
what is wrong, never a traceback and never the value of a secret:
settings.py raises ImproperlyConfigured through these readers, and every
entry point (manage.py, wsgi.py, the Celery app) calls `settings_or_exit`
before anything else reads the settings.
"""

import logging
import os
import sys
import zoneinfo
from collections.abc import Collection
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import SplitResult, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from exoinventory.exotel.accounts import ExotelConfigError, parse_accounts
from exoinventory.exotel.heartbeat import HeartbeatConfigError, parse_heartbeat_tokens
from exoinventory.exotel.quoting import quoted

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_SCHEMES = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "sqlite": "django.db.backends.sqlite3",
}
BROKER_SCHEMES = ("redis", "rediss", "amqp", "amqps", "pyamqp", "filesystem")
REDIS_SCHEMES = ("redis", "rediss")


def _raw(name: str) -> str:
    return env.str(name, default="").strip()


def env_bool(name: str, *, default: bool) -> bool:
    """A boolean variable; anything but true/false/yes/no/on/off/1/0 is refused
    (django-environ would read a typo such as "ture" as false)."""
    raw = _raw(name).lower()
    if not raw:
        return default
    if raw not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"{name} must be true or false, not {quoted(raw)}")
    return raw in _TRUE


def env_int(name: str, *, default: int, minimum: int = 0, maximum: int) -> int:
    """A whole number between `minimum` and `maximum`: an absurd value (an
    interval of 190 million years) would pass start-up and break later."""
    raw = _raw(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {quoted(raw)}") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(
            f"{name} must be a whole number from {minimum} to {maximum}, not {value}"
        )
    return value


def env_choice(name: str, *, default: str, choices: Collection[str]) -> str:
    """One of `choices` (compared in upper case, as log levels are)."""
    raw = _raw(name).upper()
    if not raw:
        return default
    if raw not in choices:
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(choices)}, not {quoted(_raw(name))}"
        )
    return raw


def env_time_zone(name: str, *, default: str) -> str:
    """An IANA time zone name such as Asia/Kolkata."""
    raw = _raw(name) or default
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be a time zone name such as Asia/Kolkata, not {quoted(raw)}"
        ) from None
    return raw


def env_database(name: str, *, default: str) -> dict[str, Any]:
    """DATABASE_URL as Django's DATABASES entry: postgres://USER@HOST:PORT/NAME
    or sqlite:///PATH. The URL may hold a password, so it is never shown."""
    raw = _raw(name) or default
    parts = _split(name, raw, "postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:///PATH")
    if parts.scheme not in DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"{name} must start with postgres:// or sqlite:///, not {quoted(parts.scheme)}://"
        )
    if not parts.path.strip("/"):
        raise ImproperlyConfigured(f"{name} must name the database after the host (…/NAME)")
    config = env.db_url_config(raw)
    config["ENGINE"] = DATABASE_SCHEMES[parts.scheme]
    return config


def env_url(name: str, *, default: str, schemes: Collection[str]) -> str:
    """A server URL such as redis://HOST:PORT/0. It may hold a password, so
    only its scheme is ever shown."""
    raw = _raw(name)
    if not raw:
        return default
    example = f"{next(iter(schemes))}://HOST:PORT/…"
    parts = _split(name, raw, example)
    if parts.scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} must start with one of {', '.join(s + '://' for s in schemes)}"
            f" (a URL like {example})"
        )
    if parts.scheme != "filesystem" and not parts.hostname:
        raise ImproperlyConfigured(f"{name} must name a host (a URL like {example})")
    return raw


def env_heartbeat_tokens(name: str, *, accounts: str) -> dict[str, str]:
    """ACCOUNT_SID=SECRET pairs, one per account of `accounts` (EXOTEL_ACCOUNTS):
    {account sid: secret}. A secret is never shown."""
    try:
        sids = [account.sid for account in parse_accounts(accounts)]
    except ExotelConfigError:
        # EXOTEL_ACCOUNTS's own check (numbers.E001) stops start-up and says why.
        sids = None
    try:
        return parse_heartbeat_tokens(_raw(name), account_sids=sids)
    except HeartbeatConfigError as error:
        raise ImproperlyConfigured(str(error)) from None


def private_directory(name: str, path: Path) -> Path:
    """The folder `name` points to, created if need be and readable by this
    user alone: it holds the SQLite database (password hashes, sessions)
    and the local secret key."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.stat().st_uid == os.getuid():
            path.chmod(0o700)
    except OSError as error:
        raise ImproperlyConfigured(
            f"{name}: cannot create the folder {path} ({error.strerror})"
        ) from None
    return path


def _split(name: str, raw: str, example: str) -> SplitResult:
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ImproperlyConfigured(f"{name} is not a URL like {example}") from None
    if not parts.scheme or "://" not in raw:
        raise ImproperlyConfigured(f"{name} is not a URL like {example}")
    return parts


# The exit status that makes gunicorn stop ("Worker failed to boot") rather
# than start the worker again and again.
GUNICORN_BOOT_ERROR = 3


def settings_or_exit(*, status: int = 2) -> None:
    """Load the settings; if a variable is wrong, print its one line and exit
    with `status`.

    Django would print the ImproperlyConfigured inside a long traceback, and
    Celery and gunicorn theirs."""
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings module
    except ImproperlyConfigured as error:
        _exit(str(error), status)


def __getattr__(name: str) -> Any:
    """`checked_settings`: Django's settings once `settings_or_exit` has
    loaded them (the Celery app's configuration source, read lazily)."""
    if name == "checked_settings":
        settings_or_exit()
        from django.conf import settings

        return settings
    raise AttributeError(name)


def _exit(message: str, status: int) -> NoReturn:
    print(f"exoinventory: configuration error: {message}", file=sys.stderr)
    sys.stderr.flush()
    logging.shutdown()
    sys.exit(status)
