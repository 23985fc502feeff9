"""Error reports (the debug page, error e-mails) never show a credential."""

from django.test import RequestFactory
from django.views.debug import ExceptionReporter

TOKEN = "report-tok-K4v8-SECRET"


def test_the_debug_page_hides_the_exotel_accounts_and_every_url_setting(settings):
    settings.DEBUG = True
    settings.EXOTEL_ACCOUNTS = f"https://key:{TOKEN}@api.exotel.com/Acme"
    settings.REDIS_URL = f"redis://:{TOKEN}@127.0.0.1:6379/1"
    settings.CELERY_BROKER_URL = f"redis://:{TOKEN}@127.0.0.1:6379/0"
    request = RequestFactory().get("/admin/")
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        reporter = ExceptionReporter(request, type(error), error, error.__traceback__)
        page = reporter.get_traceback_html()

    assert "EXOTEL_ACCOUNTS" in page and "REDIS_URL" in page
    assert TOKEN not in page
