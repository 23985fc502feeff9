"""WSGI entry point (gunicorn exoinventory.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from exoinventory.config import GUNICORN_BOOT_ERROR, settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exoinventory.settings")
settings_or_exit(status=GUNICORN_BOOT_ERROR)

application = get_wsgi_application()
