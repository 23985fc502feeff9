"""Shared fixtures."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

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


# What every browser test module marks itself with: the `browser` marker
# (`make screenshots` selects it), a transactional database (the live server
# reads what the test wrote; an earlier such test may have flushed the data
# migrations' groups and circles, so tests give users their permissions
# directly), and a skip where Chromium is not installed (CI installs it).
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The live server starts before the tests' settings stop WhiteNoise
    # looking for collectstatic's folder.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="Chromium is not installed (CI installs it)"
    ),
]

# Debian's Chromium, as root, headless, with no call home (the machine's
# network is closed: those connections would only fail).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page(live_server) -> Iterator[object]:
    """A Chromium page at 1400 x 900 on the live server; `page.console_errors`
    collects what the browser reports as errors."""
    # Playwright's sync API runs an event loop in this thread, and Django
    # refuses ORM calls from a thread with a running loop unless told.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            context = browser.new_context(
                viewport={"width": 1400, "height": 900}, accept_downloads=True
            )
            page = context.new_page()
            page.console_errors = []
            page.on("console", lambda message: _console(page, message))
            page.on("pageerror", lambda error: page.console_errors.append(str(error)))
            yield page
            browser.close()
            connections.close_all()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def _console(page: object, message: object) -> None:
    # Chromium asks for /favicon.ico on its own; nothing here links it.
    if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
        page.console_errors.append(f"{message.text} ({message.location['url']})")
