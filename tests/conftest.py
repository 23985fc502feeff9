"""Shared fixtures."""

import os
from pathlib import Path

import pytest

# `make screenshots` sets this: only then do browser tests write the README's
# pictures, so `make test` leaves every tracked file as it was.
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
WRITE_SCREENSHOTS = os.environ.get("EXOINVENTORY_SCREENSHOTS") == "1"


def save_screenshot(page: object, name: str) -> None:
    """Save a full-page screenshot as docs/screenshots/NAME.png under `make screenshots`."""
    if WRITE_SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.fixture(autouse=True)
def _test_settings(settings) -> None:
    # Pages render without `collectstatic`: production's manifest storage
    # (DEBUG is off in tests) needs its output for every {% static %}, and
    # WhiteNoise would warn about the missing folder.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = None
    # A real hash costs about a second per user created or logged in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
