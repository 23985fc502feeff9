"""What Django's error reports (debug pages, error e-mails) may show."""

import re

from django.views.debug import SafeExceptionReporterFilter


class ExoinventoryReporterFilter(SafeExceptionReporterFilter):
    """Django's filter hides settings named like API, KEY, TOKEN or SECRET; the
    Exotel credentials live in EXOTEL_ACCOUNTS and a password can sit in any
    *_URL (DATABASE_URL, REDIS_URL, CELERY_BROKER_URL), so those are hidden too."""

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|ACCOUNTS|_URL", flags=re.IGNORECASE
    )
