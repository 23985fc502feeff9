"""Status now, the admin index: per configured account its last listing and
sweep, its last Exotel heartbeat (and whether they stopped), its current
numbers per direction and status now, the numbers down now with since when
and their alternates, and, for finance, monthly rental per currency.

Every query of the page is here, and how many there are does not depend on
how many numbers exist: counts and sums are grouped by the database, and of
the numbers down now only the first DOWN_SHOWN are loaded, with all their
alternates in one more query (selectors.alternates).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from exoinventory.numbers.cadence import HEARTBEAT_FRESH_PERIODS, heartbeat_period_expected
from exoinventory.numbers.models import (
    GOOD_OUTCOMES,
    Account,
    ConnectivityStatus,
    Direction,
    ExoPhone,
    SyncRun,
)
from exoinventory.numbers.selectors.admin import with_circle_name
from exoinventory.numbers.selectors.alternates import Alternate, alternate_book
from exoinventory.numbers.selectors.freshness import Freshness, with_status_since
from exoinventory.numbers.selectors.sync import KINDS, accounts_readable, configured_sids

# The numbers down now that the page lists; the rest are counted.
DOWN_SHOWN = 50
# The statuses now that mean a number is up, or that nothing is known: any
# other fresh word, Exotel's outages and words we do not know, is "down".
NOT_DOWN = (ConnectivityStatus.ACTIVE.value, "")


@dataclass(frozen=True)
class RunPair:
    """An account's latest listing or sweep, whatever its outcome, and its
    latest good one (the same run when the latest is good). None: none yet."""

    last: SyncRun | None
    last_good: SyncRun | None

    @property
    def last_is_good(self) -> bool:
        return self.last is not None and self.last.outcome in GOOD_OUTCOMES


@dataclass(frozen=True)
class HeartbeatNow:
    """An account's last Exotel heartbeat (models.Heartbeat) as of now."""

    received_at: datetime
    status_type: str
    numbers_observed: int
    incoming_affected: int
    outgoing_affected: int
    unknown_sids: int  # sids it named that are none of the account's current numbers
    expected_every: timedelta  # the period heartbeats are expected at
    stopped: bool  # none for HEARTBEAT_FRESH_PERIODS expected periods


@dataclass(frozen=True)
class Rental:
    """The monthly rental of an account's current numbers in one currency."""

    currency: str
    numbers: int
    monthly_rental: Decimal | None  # of the readable rentals; None: none is readable
    unreadable: int  # numbers whose rental Exotel sent unreadably (stored empty)


@dataclass(frozen=True)
class AccountOverview:
    """One configured account. `pk` is None until a first run makes its row."""

    sid: str
    pk: int | None
    display_name: str
    runs: dict[str, RunPair]  # by SyncRun.Kind
    # Per direction: Exotel's word now ("" for no data) → current numbers.
    statuses: dict[str, Counter[str]]
    rentals: list[Rental]  # by currency; empty unless asked for
    heartbeat: HeartbeatNow | None  # None: none has arrived

    @property
    def numbers(self) -> int:
        """Its current numbers (each has one status now per direction)."""
        return self.statuses[Direction.INCOMING].total()


@dataclass(frozen=True)
class DownNumber:
    """A number down now. `phone` carries `<direction>_now` and
    `<direction>_since` (selectors.freshness), `circle_name` and its account."""

    phone: ExoPhone
    alternates: dict[str, list[Alternate]]  # for each direction down

    def down(self, direction: str) -> bool:
        return direction in self.alternates


@dataclass(frozen=True)
class Overview:
    now: datetime
    accounts_readable: bool  # False: EXOTEL_ACCOUNTS cannot be read, nothing else is known
    accounts: list[AccountOverview]  # in EXOTEL_ACCOUNTS's order
    down: list[DownNumber]  # the first DOWN_SHOWN, by account and number
    down_total: int


def status_overview(*, now: datetime, with_rental: bool = False) -> Overview:
    """The page's reads at `now`; the rentals only `with_rental`."""
    if not accounts_readable():
        return Overview(now=now, accounts_readable=False, accounts=[], down=[], down_total=0)
    sids = configured_sids()
    rows = {row["sid"]: row for row in _accounts_with_latest_runs(sids)}
    runs = SyncRun.objects.in_bulk(
        [row[name] for row in rows.values() for name in LATEST_RUNS if row[name]]
    )
    statuses: dict[tuple[int, str], Counter[str]] = {}
    rentals: dict[int, list[Rental]] = {}
    down: list[DownNumber] = []
    down_total = 0
    if rows:
        freshness = Freshness.at(now)
        current = ExoPhone.objects.filter(
            released_at__isnull=True, account_id__in=[row["pk"] for row in rows.values()]
        )
        statuses, down_total = _statuses_now(freshness.annotate(current))
        if down_total:
            down = _down_now(freshness.annotate(current), freshness)
        if with_rental:
            rentals = _rentals(current)

    def account(sid: str) -> AccountOverview:
        row = rows.get(sid, {})
        pk = row.get("pk")
        return AccountOverview(
            sid=sid,
            pk=pk,
            display_name=row.get("display_name", ""),
            runs={
                kind: RunPair(
                    last=runs.get(row.get(f"{kind}_last")),
                    last_good=runs.get(row.get(f"{kind}_good")),
                )
                for kind in KINDS
            },
            statuses={
                direction: statuses.get((pk, direction), Counter())
                for direction in Direction.values
            },
            rentals=rentals.get(pk, []),
            heartbeat=_heartbeat(row, now=now),
        )

    return Overview(
        now=now,
        accounts_readable=True,
        accounts=[account(sid) for sid in sids],
        down=down,
        down_total=down_total,
    )


# The account's last heartbeat, read with its row.
HEARTBEAT_FIELDS = (
    "received_at",
    "status_type",
    "numbers_observed",
    "incoming_affected",
    "outgoing_affected",
    "unknown_sids",
    "period",
)


def _heartbeat(row: dict[str, Any], *, now: datetime) -> HeartbeatNow | None:
    fields = {name: row.get(f"heartbeat__{name}") for name in HEARTBEAT_FIELDS}
    if fields["received_at"] is None:
        return None
    expected = heartbeat_period_expected(fields.pop("period"))
    return HeartbeatNow(
        **fields,
        expected_every=expected,
        stopped=now - fields["received_at"] > HEARTBEAT_FRESH_PERIODS * expected,
    )


# The annotations of _accounts_with_latest_runs, each the pk of a run:
# per kind, its latest run and its latest good run.
LATEST_RUNS = {
    f"{kind}_{which}": (kind, which == "good") for kind in KINDS for which in ("last", "good")
}


def _accounts_with_latest_runs(sids: list[str]) -> list[dict[str, Any]]:
    """The configured accounts' rows with LATEST_RUNS and their last heartbeat: one query."""

    def latest(kind: str, good: bool) -> Subquery:
        runs = SyncRun.objects.filter(account=OuterRef("pk"), kind=kind)
        if good:
            runs = runs.filter(outcome__in=GOOD_OUTCOMES)
        return Subquery(runs.order_by("-started_at", "-pk").values("pk")[:1])

    return list(
        Account.objects.filter(sid__in=sids)
        .annotate(**{name: latest(*which) for name, which in LATEST_RUNS.items()})
        .values(
            "pk",
            "sid",
            "display_name",
            *LATEST_RUNS,
            *(f"heartbeat__{name}" for name in HEARTBEAT_FIELDS),
        )
    )


def _statuses_now(
    annotated: QuerySet[ExoPhone],
) -> tuple[dict[tuple[int, str], Counter[str]], int]:
    """(account pk, direction) → status now → numbers, and how many numbers
    are down now in either direction: one query grouped by account and the
    two statuses now, a few rows per account however many numbers."""
    rows = (
        annotated.order_by()
        .values("account_id", "incoming_now", "outgoing_now")
        .annotate(numbers=Count("pk"))
        .values_list("account_id", "incoming_now", "outgoing_now", "numbers")
    )
    statuses: dict[tuple[int, str], Counter[str]] = {}
    down = 0
    for account_id, incoming, outgoing, numbers in rows:
        statuses.setdefault((account_id, Direction.INCOMING), Counter())[incoming] += numbers
        statuses.setdefault((account_id, Direction.OUTGOING), Counter())[outgoing] += numbers
        if incoming not in NOT_DOWN or outgoing not in NOT_DOWN:
            down += numbers
    return statuses, down


def _down_q() -> Q:
    """Numbers whose status now is an outage (or a word we do not know) in
    either direction."""
    return Q(
        *(~Q(**{f"{direction}_now__in": NOT_DOWN}) for direction in Direction.values),
        _connector=Q.OR,
    )


def _down_now(annotated: QuerySet[ExoPhone], freshness: Freshness) -> list[DownNumber]:
    """The first DOWN_SHOWN numbers down now, with the alternates of each
    direction down, each as our own number with its status now: two queries."""
    phones = list(
        with_status_since(with_circle_name(annotated.filter(_down_q())))
        .select_related("account")
        .order_by("account__sid", "phone_number")[:DOWN_SHOWN]
    )

    def down_directions(phone: ExoPhone) -> list[str]:
        return [d for d in Direction.values if getattr(phone, f"{d}_now") not in NOT_DOWN]

    book = alternate_book(
        (
            getattr(phone, f"{direction}_alternates")
            for phone in phones
            for direction in down_directions(phone)
        ),
        freshness=freshness,
    )
    return [
        DownNumber(
            phone=phone,
            alternates={
                direction: book.of(getattr(phone, f"{direction}_alternates"), direction)
                for direction in down_directions(phone)
            },
        )
        for phone in phones
    ]


def _rentals(current: QuerySet[ExoPhone]) -> dict[int, list[Rental]]:
    """Account pk → the monthly rental of its current numbers per currency:
    one grouped query. A rental stored empty is counted apart, never as 0."""
    rows = (
        current.order_by()
        .values("account_id", "currency")
        .annotate(
            numbers=Count("pk"),
            monthly_rental=Sum("rental_price"),
            unreadable=Count("pk", filter=Q(rental_price__isnull=True)),
        )
        .order_by("account_id", "currency")
    )
    rentals: dict[int, list[Rental]] = {}
    for row in rows:
        rentals.setdefault(row.pop("account_id"), []).append(Rental(**row))
    return rentals
