"""Pages at scale: the overview, the ExoPhone list and the reports against a
stock admin changelist of the same table, and the CSV export against a bare
read of the same rows.

This module is also the URLconf the pages are served from while measured:
the project's own URLs plus a plain ModelAdmin of ExoPhone on a throwaway
AdminSite, Django's defaults throughout (count, ordering, 100 rows a page).
That stock changelist is the yardstick: what Django itself costs for a page
of this table, measured turn about with each page so both meet the same noise.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, override_settings
from django.urls import path, reverse

from benchmarks.harness import Figure, at_least, at_most, best_of, peak_rss_growth, progress
from exoinventory.numbers.models import MIRRORED_FIELDS, Account, ExoPhone
from exoinventory.urls import urlpatterns as project_urlpatterns

stock_site = admin.AdminSite(name="stock")
stock_site.register(ExoPhone)
urlpatterns = [path("stock-admin/", stock_site.urls), *project_urlpatterns]

# (figure name, URL name, query string, target of page time / stock changelist)
PAGES = (
    ("overview", "admin:index", "", 2.0),
    ("ExoPhone list", "admin:numbers_exophone_changelist", "", 2.0),
    ("costs, HTML", "reports:costs", "", 1.0),
    ("costs, JSON", "reports:costs", "?format=json", 1.0),
    ("flows, HTML", "reports:flows", "", 1.0),
    ("flows, JSON", "reports:flows", "?format=json", 1.0),
    ("outages 7 d, HTML", "reports:outages", "?last=7d", 2.0),
    ("outages 7 d, JSON", "reports:outages", "?last=7d&format=json", 2.0),
    ("outages 90 d, HTML", "reports:outages", "?last=90d", 2.0),
    ("outages 90 d, JSON", "reports:outages", "?last=90d&format=json", 2.0),
)
QUERIES_PER_PAGE = 15
PAGE_REPEATS = 3
CSV_REPEATS = 2
# Pages render without collectstatic: production's manifest storage needs
# its output for every {% static %} (and WhiteNoise warns without STATIC_ROOT).
PLAIN_STATIC_FILES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Exotel's documented budget: with it, observations stay fresh for a day at
# 100,000 numbers, as in production (the benchmark's own, far higher budget,
# which lets one sweep check every number, would make them stale in minutes).
PRODUCTION_RATE_LIMIT = 200


class Fetch:
    """A GET of `url` read to its last byte (a streamed body too), keeping
    the size of the last body."""

    def __init__(self, client: Client, url: str) -> None:
        self.client = client
        self.url = url
        self.size = 0

    def __call__(self) -> None:
        response = self.client.get(self.url)
        if response.status_code != 200:
            raise RuntimeError(f"{self.url} answered HTTP {response.status_code}")
        if response.streaming:
            self.size = sum(len(chunk) for chunk in response.streaming_content)
        else:
            self.size = len(response.content)


def page_figures(*, exotel_accounts: str, numbers: int, runs: int) -> list[Figure]:
    """Each page against the stock changelist, its queries, and the CSV export."""
    user, _ = get_user_model().objects.update_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    # A host in the default ALLOWED_HOSTS, rather than the test client's "testserver".
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    with override_settings(
        ROOT_URLCONF=__name__,
        STORAGES=PLAIN_STATIC_FILES,
        STATIC_ROOT=None,
        EXOTEL_ACCOUNTS=exotel_accounts,
        EXOTEL_RATE_LIMIT_PER_MINUTE=PRODUCTION_RATE_LIMIT,
    ):
        stock = Fetch(client, reverse("stock:numbers_exophone_changelist"))
        # Warms the caches (templates, content types, session) untimed; each
        # page's own first run is measured too, as a page can take a minute.
        stock()
        figures = []
        timings = []
        for name, url_name, query, limit in PAGES:
            page = Fetch(client, reverse(url_name) + query)
            ours, theirs = best_of([page, stock], repeats=PAGE_REPEATS)
            progress(f"{name}: {ours.seconds:.3f} s, stock changelist {theirs.seconds:.3f} s")
            timings.append((name, limit, ours, theirs, page.size))
        for name, limit, ours, theirs, size in timings:
            figures.append(
                at_most(
                    f"page time / stock changelist: {name}",
                    ours.seconds / theirs.seconds,
                    limit,
                    f"{ours.seconds:.3f} s ({ours.sql_seconds:.3f} s in SQL, {size:,} bytes) "
                    f"against {theirs.seconds:.3f} s, {numbers:,} numbers and {runs:,} runs",
                )
            )
        for name, _, ours, theirs, _ in timings:
            figures.append(
                at_most(
                    f"queries per page: {name}",
                    ours.queries,
                    QUERIES_PER_PAGE,
                    f"the stock changelist sends {theirs.queries}",
                )
            )
        figures += _csv_figures(client, numbers=numbers)
    return figures


def _bare_export_read() -> None:
    """The export's rows with a bare psycopg cursor, in the export's order."""
    columns = ", ".join(
        f"p.{name}"
        for name in ("sid", *MIRRORED_FIELDS, "owner", "cost_centre", "incoming_status",
                     "outgoing_status", "released_at")
    )  # fmt: skip
    phones, accounts = ExoPhone._meta.db_table, Account._meta.db_table
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.sid, {columns} FROM {phones} p "  # noqa: S608
            f"JOIN {accounts} a ON a.id = p.account_id ORDER BY p.phone_number, p.id"
        )
        for _ in cursor:
            pass


def _csv_figures(client: Client, *, numbers: int) -> list[Figure]:
    export = Fetch(client, reverse("reports:numbers") + "?format=csv")
    streamed, bare = best_of([export, _bare_export_read], repeats=CSV_REPEATS)
    with peak_rss_growth() as growth:
        export()
    progress(f"CSV export: {streamed.seconds:.2f} s, bare read {bare.seconds:.2f} s")
    return [
        at_least(
            "CSV export / bare fetch (rate)",
            bare.seconds / streamed.seconds,
            0.5,
            f"/reports/numbers/?format=csv of {numbers:,} numbers ({export.size:,} bytes, "
            f"{streamed.queries} queries) streamed in {streamed.seconds:.2f} s; the same "
            f"rows by a bare psycopg cursor in {bare.seconds:.2f} s",
        ),
        at_most(
            "CSV export peak RSS growth (MB)",
            growth[0],
            50,
            "growth of the serving process's peak resident memory (VmHWM, reset first)",
        ),
    ]
