"""The Celery app, configured from Django settings under the CELERY_ namespace."""

import os
import sys
from typing import Any

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exoinventory.settings")

app = Celery("exoinventory")
# Django's settings, loaded when Celery first reads its configuration: a bad
# variable stops the worker or beat with its one line there
# (exoinventory.config), not inside Celery's traceback.
app.config_from_object("exoinventory.config:checked_settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_bad_settings(**kwargs: Any) -> None:
    """Run Django's system checks before a worker or beat starts: a bad
    EXOTEL_ACCOUNTS stops it with its one-line message, rather than failing
    every tick later. Celery does not run the checks by itself."""
    from django.core.checks import run_checks

    errors = [message for message in run_checks() if message.is_serious()]
    if errors:
        for message in errors:
            print(f"exoinventory: {message.msg}", file=sys.stderr)
        # os._exit: Celery turns SystemExit in a signal handler into a traceback.
        sys.stderr.flush()
        os._exit(1)
