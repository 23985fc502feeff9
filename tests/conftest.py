"""Shared fixtures."""

import pytest


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
