"""Test-run environment, set before Django reads its settings."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-test-only-key")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
