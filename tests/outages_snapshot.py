"""One dataset of numbers and connectivity runs, and what the outage reads
and pages make of it, as plain JSON: tests/test_outages_sqlite.py compares
the answer on PostgreSQL (its test database) with the one on SQLite (make
run's database), which `main` prints from a fresh SQLite database
(DATABASE_URL) in a child process:

    manage.py shell -c "from tests.outages_snapshot import main; main()"

Time stands at T0. At 1 request a minute and a sweep every 5 minutes,
"acme" (4 numbers) re-checks each number every 10 minutes, so its statuses
stay fresh for 20 minutes; "beta" and "gamma" (fewer numbers; none current)
for 10. Some times carry microseconds, and some runs sit exactly on a
boundary (a window's edge, a span ending where the next run begins).
"""

import json
import re
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

from exoinventory.numbers.models import ExoPhone
from exoinventory.numbers.selectors.freshness import Freshness
from exoinventory.numbers.selectors.outage_rules import NumberOutages, OutageWindow
from exoinventory.numbers.selectors.outages import (
    OutageFilters,
    circle_uptimes,
    number_outages,
    numbers_down_now,
    outage_page,
    outage_rows,
)
from tests.factories import (
    T0,
    make_account,
    make_connectivity_run,
    make_exophone,
    restart_serial,
)
from tests.test_reports_base import body

SETTINGS = {
    "EXOTEL_RATE_LIMIT_PER_MINUTE": 1,
    "SYNC_INTERVAL_MINUTES": 5,
    "LISTING_INTERVAL_MINUTES": 60,
    "TIME_ZONE": "Asia/Kolkata",
}
WINDOW_HOURS = 2
# What differs between two renderings of a page other than the data: the
# numbers' pks in links, and a fresh token for each response.
_UNSHARED = re.compile(
    r"(?<=/)\d+(?=/(?:change|history)/)|(?<=__id__exact=)\d+|(?<=value=\")[A-Za-z0-9]{64}(?=\")"
)


def at(minutes: float, microseconds: int = 0) -> datetime:
    """`minutes` before T0, less `microseconds`."""
    return T0 - timedelta(minutes=minutes, microseconds=microseconds)


def build() -> None:
    """The dataset, in the current database."""
    # The factories' sids, names and flow URLs count up from here on both
    # sides, wherever earlier tests left the counter.
    restart_serial()

    def run(phone: ExoPhone, status: str, first: datetime, last: datetime, **fields: Any) -> None:
        fields.setdefault("is_current", False)
        make_connectivity_run(exophone=phone, status=status, first=first, last=last, **fields)

    acme, beta, gamma = (make_account(sid=sid) for sid in ("acme", "beta", "gamma"))
    # Up, a cut by the window's start, an outage seen once, a silence
    # longer than fresh_for; outgoing, two outages back to back.
    first = make_exophone(account=acme, phone_number="+911100000001")
    run(first, "active", at(180), at(100))
    run(first, "major_outage", at(95, 500), at(95, 500))
    run(first, "active", at(90), at(70, 123456))
    run(first, "active", at(40), at(2), is_current=True)
    run(first, "partial_network_outage", at(60), at(50, 1), direction="outgoing")
    run(first, "major_outage", at(45, 999999), at(30), direction="outgoing")
    run(first, "active", at(25), at(2), direction="outgoing", is_current=True)
    # Down now: an outage ongoing in both directions' view of it.
    ongoing = make_exophone(
        account=acme,
        phone_number="+911100000002",
        incoming_status="major_outage",
        incoming_alternates=["+911100000001"],
        connectivity_observed_at=at(1),
    )
    run(ongoing, "active", at(300), at(35))
    run(ongoing, "major_outage", at(30, 250), at(1), is_current=True)
    run(ongoing, "active", at(120), at(1), direction="outgoing", is_current=True)
    # Another circle, observed outgoing only.
    mumbai = make_exophone(account=acme, region="MU", phone_number="+912200000003")
    run(mumbai, "active", at(60), at(2), direction="outgoing", is_current=True)
    # Ties: a run last observed exactly fresh_for before the window (out of
    # it); an outage whose span ends by fresh_for exactly where the next
    # run begins.
    ties = make_exophone(account=acme, phone_number="+911100000004")
    run(ties, "major_outage", at(200), at(140))
    run(ties, "partial_network_outage", at(130), at(125))
    run(ties, "active", at(105), at(3), is_current=True)
    # beta: seen once then up; outgoing, current but too old (no data now).
    once = make_exophone(
        account=beta,
        phone_number="+911100000005",
        outgoing_status="network_degraded",
        connectivity_observed_at=at(30),
    )
    run(once, "partial_network_outage", at(60), at(60))
    run(once, "active", at(52), at(2))
    run(once, "network_degraded", at(50), at(30), direction="outgoing", is_current=True)
    released = make_exophone(
        account=beta,
        phone_number="+911100000006",
        released_at=at(25, 42),
        incoming_status="",
        outgoing_status="",
    )
    run(released, "major_outage", at(40), at(30))
    make_exophone(account=beta, phone_number="+911100000007", first_seen=at(-1))
    # gamma: released during the window, its only account's number.
    gone = make_exophone(
        account=gamma,
        phone_number="+913300000008",
        region="KO",
        released_at=at(119),
        incoming_status="",
        outgoing_status="",
    )
    run(gone, "major_outage", at(150), at(119, 500000))


def _plain(value: object) -> object:
    """A JSON value for what json.dumps does not know: times in UTC (a
    naive one shows as such), anything else as its str()."""
    if isinstance(value, datetime):
        return value.isoformat() if value.tzinfo is None else value.astimezone(UTC).isoformat()
    return str(value)


def _shared(page: str) -> str:
    """The page without what differs between two renderings of the same data."""
    return _UNSHARED.sub("…", page)


def _number(outages: NumberOutages) -> dict[str, Any]:
    """NumberOutages as data, without its pk (the two databases number rows apart)."""
    data = asdict(outages)
    del data["pk"]
    return {
        **data,
        "incidents": [asdict(incident) for incident in outages.incidents],
        "uptime": {direction: asdict(uptime) for direction, uptime in outages.uptime.items()},
        "lanes": {
            direction: [asdict(piece) for piece in lane]
            for direction, lane in outages.lanes.items()
        },
    }


def snapshot(client: Client) -> dict[str, Any]:
    """What the outage reads and pages answer over the dataset, at T0;
    `client` is logged in as a superuser."""
    window = OutageWindow(since=at(WINDOW_HOURS * 60), until=T0, now=T0)
    cut = OutageWindow(since=at(180), until=at(60, 7), now=T0)
    freshness = Freshness.at(T0)
    phones = list(ExoPhone.objects.order_by("phone_number"))
    filters = {
        "all": OutageFilters(),
        "major": OutageFilters(status="major_outage"),
        "outgoing": OutageFilters(direction="outgoing"),
        "down now": OutageFilters(down_now=True),
        "acme in DL": OutageFilters(account_sid="acme", region="DL"),
    }
    reads: dict[str, Any] = {
        "numbers": {
            phone.phone_number: [
                _number(
                    number_outages(exophone=phone, since=shown.since, until=shown.until, now=T0)
                )
                for shown in (window, cut, OutageWindow(since=at(30 * 24 * 60), until=T0, now=T0))
            ]
            for phone in phones
        },
    }
    for name, chosen in filters.items():
        for label, shown in (("window", window), ("cut", cut)):
            page = outage_page(filters=chosen, window=shown, freshness=freshness, page=1)
            down = numbers_down_now(filters=chosen, window=shown, freshness=freshness)
            reads[f"{name}, {label}"] = {
                "page": [_number(number) for number in page.object_list],
                "rows": [
                    _number(number)
                    for number in outage_rows(filters=chosen, window=shown, freshness=freshness)
                ],
                "with incident": [
                    number.phone_number
                    for number in outage_rows(
                        filters=chosen, window=shown, freshness=freshness, with_incident_only=True
                    )
                ],
                "circles": [
                    asdict(circle)
                    for circle in circle_uptimes(filters=chosen, window=shown, freshness=freshness)
                ],
                "down now": [down.count, [number.phone_number for number in down.numbers]],
            }
    pages: dict[str, Any] = {}
    for query in (
        {},
        {"last": "24h"},
        {"since": cut.since.isoformat(), "until": cut.until.isoformat()},
        {"status": "major_outage", "direction": "incoming"},
    ):
        html = client.get("/reports/outages/", query)
        csv = client.get("/reports/outages/", {**query, "format": "csv"})
        document = client.get("/reports/outages/", {**query, "format": "json"})
        for kind, response in (("html", html), ("csv", csv), ("json", document)):
            pages[f"{kind} {json.dumps(query)}"] = [response.status_code, _shared(body(response))]
    for phone in phones:
        response = client.get(f"/admin/numbers/exophone/{phone.pk}/change/")
        pages[phone.phone_number] = [response.status_code, _shared(body(response))]
    return {"database": connection.vendor, "reads": reads, "pages": pages}


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, default=_plain, sort_keys=True)


def main() -> None:
    """Migrate the database DATABASE_URL names, build the dataset, print the snapshot."""
    setup_test_environment()  # as the test runner does before a Client's requests
    call_command("migrate", verbosity=0)
    with time_machine.travel(T0, tick=False):
        build()
        client = Client()
        client.force_login(User.objects.create_superuser("admin", email="", password=None))
        sys.stdout.write(as_json(snapshot(client)))
