"""System checks: a malformed EXOTEL_ACCOUNTS stops `manage.py check`,
`migrate`, the Celery worker and beat, and `make run` at start, with one line
naming the entry (never its key or token), instead of a traceback on every
tick and a /healthz that says ok."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from exoinventory.exotel.accounts import ExotelConfigError, parse_accounts


@register()
def exotel_accounts_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        parse_accounts(settings.EXOTEL_ACCOUNTS)
    except ExotelConfigError as error:
        return [Error(str(error), hint="See EXOTEL_ACCOUNTS in README.md.", id="numbers.E001")]
    return []
