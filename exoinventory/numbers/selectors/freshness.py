"""Which statuses are fresh: the one freshness rule (Cadence.is_fresh) for pages.

A status observed longer ago than its account's `fresh_for` (twice the
re-check period, see numbers.cadence) is "no data": the list badge, the
status filters, the number page, /healthz and the reports all read it from
here, so none of them shows an old status as if it were live. Released
numbers have no status at all. While Exotel's heartbeats arrive for an
account, its window follows their period (numbers.cadence).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.timesince import timesince

from exoinventory.numbers.cadence import Cadence, account_cadence, heartbeat_period_now
from exoinventory.numbers.models import (
    Account,
    ConnectivityRun,
    ConnectivityStatus,
    Direction,
    ExoPhone,
    Heartbeat,
)


def cadences_by_account(*, now: datetime) -> dict[int, Cadence]:
    """Account pk → its cadence at `now`, in one query: its current
    (unreleased) numbers, counted per account from their partial index, and
    its last heartbeat. Accounts with no current number are absent."""
    # COUNT(*), not COUNT(id): the partial index holds no id, and counting
    # one would read every row from the table.
    current = (
        ExoPhone.objects.filter(account=OuterRef("pk"), released_at__isnull=True)
        .order_by()
        .values("account")
        .annotate(numbers=Count("*"))
        .values("numbers")
    )
    rows = Account.objects.annotate(numbers=Subquery(current)).values_list(
        "pk", "numbers", "heartbeat__observed_at", "heartbeat__period"
    )
    return {
        pk: account_cadence(
            numbers,
            heartbeat_period=heartbeat_period_now(observed_at=seen, measured=period, now=now),
        )
        for pk, numbers, seen, period in rows
        if numbers
    }


def account_heartbeat_period(account_id: int, *, now: datetime) -> timedelta | None:
    """The account's heartbeat period while its heartbeats arrive, else None: one query."""
    last = Heartbeat.objects.filter(account_id=account_id).values("observed_at", "period").first()
    if last is None:
        return None
    return heartbeat_period_now(observed_at=last["observed_at"], measured=last["period"], now=now)


@dataclass(frozen=True)
class Freshness:
    """The cut-off of every account at one moment: one query, then any number of rows."""

    now: datetime
    cadences: dict[int, Cadence]

    @classmethod
    def at(cls, now: datetime) -> "Freshness":
        return cls(now=now, cadences=cadences_by_account(now=now))

    def cadence(self, account_id: int | None) -> Cadence:
        return self.cadences.get(account_id) or account_cadence(0)

    def is_fresh(self, phone: ExoPhone) -> bool:
        """Whether the number's status may be shown as its status now."""
        return phone.released_at is None and self.cadence(phone.account_id).is_fresh(
            phone.connectivity_observed_at, now=self.now
        )

    def status_now(self, phone: ExoPhone, direction: str) -> str | None:
        """Exotel's word for the direction now, or None: no data."""
        status = getattr(phone, f"{direction}_status")
        return status if status and self.is_fresh(phone) else None

    def fresh_q(self) -> Q:
        """The same rule as a filter: numbers whose status is fresh."""
        fresh = Q(pk__in=[])
        for account_id, cadence in self.cadences.items():
            cutoff = self.now - cadence.fresh_for
            fresh |= Q(account_id=account_id, connectivity_observed_at__gte=cutoff)
        return fresh & Q(released_at__isnull=True)

    def annotate(self, queryset: QuerySet[ExoPhone]) -> QuerySet[ExoPhone]:
        """Annotate `incoming_now` and `outgoing_now`: the status, or "" for no data."""
        fresh = self.fresh_q()
        return queryset.annotate(
            **{
                f"{direction}_now": Case(
                    When(fresh, then=F(f"{direction}_status")),
                    default=Value(""),
                    output_field=CharField(),
                )
                for direction in Direction.values
            }
        )


def with_status_since(queryset: QuerySet[ExoPhone]) -> QuerySet[ExoPhone]:
    """Annotate `incoming_since` and `outgoing_since`: when the direction's
    current run began (None: never observed). A run breaks wherever its
    status changed or went unobserved for longer than the freshness window,
    so for a fresh status this is since when it has been so, continuously."""
    return queryset.annotate(
        **{
            f"{direction}_since": Subquery(
                ConnectivityRun.objects.filter(
                    exophone=OuterRef("pk"), direction=direction, is_current=True
                )
                # At most one current run: no ordering (the model's would join the number).
                .order_by()
                .values("first_observed_at")[:1]
            )
            for direction in Direction.values
        }
    )


def no_data_by_account(freshness: Freshness) -> dict[int, int]:
    """Account pk → its current numbers whose status is "no data", in one query."""
    rows = (
        ExoPhone.objects.filter(released_at__isnull=True)
        .exclude(freshness.fresh_q())
        .order_by()
        .values("account")
        .annotate(numbers=Count("id"))
        .values_list("account", "numbers")
    )
    return dict(rows)


def last_seen_text(phone: ExoPhone, direction: str, *, now: datetime) -> str:
    """What a "no data" badge says beside it: the last status and its age."""
    if phone.released_at is not None:
        return "released"
    status = getattr(phone, f"{direction}_status")
    observed = phone.connectivity_observed_at
    if not status or observed is None:
        return "not observed yet"
    label = ConnectivityStatus.label_of(status)
    return f"last seen {label}, {timesince(observed, now, depth=1)} ago"
