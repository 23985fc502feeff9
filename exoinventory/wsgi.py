"""WSGI entry point (gunicorn exoinventory.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exoinventory.settings")

application = get_wsgi_application()
