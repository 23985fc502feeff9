"""Benchmark 4: the ExoPhone admin list at two inventory sizes.

A logged-in superuser opens /admin/numbers/exophone/ with Django's test
client. The page shows list_per_page numbers whatever the inventory holds,
so its query count must be the same at both sizes and its time nearly so.
"""

from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse

from benchmarks.dataset import Dataset, synced
from benchmarks.harness import SummaryRow, measure, numbers_tables_emptied, ratio, seconds, table

TITLE = "4. Admin ExoPhone list"
SIZES = (1_000, 20_000)
REPEATS = 5
# Pages render without collectstatic: production's manifest storage needs
# its output for every {% static %} (and WhiteNoise warns without STATIC_ROOT).
PLAIN_STATIC_FILES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def _page(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered HTTP {response.status_code}")


def run(dataset: Dataset) -> list[SummaryRow]:
    print(f"### {TITLE}: {' vs '.join(f'{n:,}' for n in SIZES)} numbers\n", flush=True)
    try:
        url = reverse("admin:numbers_exophone_changelist")
    except NoReverseMatch:
        print("skipped: the ExoPhone admin is not registered yet\n")
        return [SummaryRow(TITLE, "skipped", "ExoPhone admin not registered")]
    user, _ = get_user_model().objects.update_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    # A host in the default ALLOWED_HOSTS, rather than the test client's "testserver".
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    results = {}
    with override_settings(STORAGES=PLAIN_STATIC_FILES, STATIC_ROOT=None):
        for numbers in SIZES:
            numbers_tables_emptied()
            synced(dataset.first(numbers).before)
            try:
                # Warms the caches (templates, content types, session) untimed.
                _page(client, url)
            except Exception as error:  # the admin is being finished: report, go on
                reason = " ".join(f"{type(error).__name__}: {error}".split())[:200]
                print(f"skipped: the list page fails: {reason}\n")
                return [SummaryRow(TITLE, "skipped", reason)]
            results[numbers] = measure(lambda: _page(client, url), repeats=REPEATS)
    numbers_tables_emptied()

    rows = [
        (f"{numbers:,} numbers", m.runs, seconds(m.seconds), seconds(m.sql_seconds), m.queries)
        for numbers, m in results.items()
    ]
    print(
        table(
            f"{TITLE}: GET {url} (best run)",
            ("inventory", "runs", "best s", "of which SQL s", "queries"),
            rows,
        )
    )
    small, large = (results[n] for n in SIZES)
    time_ratio = ratio(large.seconds / small.seconds)
    same = "yes" if small.queries == large.queries else "no"
    print(f"time {SIZES[-1]:,} ÷ {SIZES[0]:,}: {time_ratio}; same query count: {same}\n")
    return [
        SummaryRow(TITLE, f"time, {SIZES[-1]:,} ÷ {SIZES[0]:,} numbers", time_ratio),
        SummaryRow(
            TITLE, f"queries at {SIZES[0]:,} / {SIZES[-1]:,}", f"{small.queries} / {large.queries}"
        ),
    ]
