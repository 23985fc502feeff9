"""Template tags of the numbers admin templates (templates/admin/)."""

from dataclasses import dataclass
from datetime import datetime

from django import template
from django.conf import settings
from django.contrib.auth.models import User
from django.template import Context
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from exoinventory.numbers.admin.display import (
    NO_DATA,
    circle_label,
    duration_text,
    local_time_text,
    money,
    status_badge,
    status_now_badge,
)
from exoinventory.numbers.admin.filters import IncomingStatusFilter, OutgoingStatusFilter
from exoinventory.numbers.models import ConnectivityStatus, Direction, SyncRun
from exoinventory.numbers.reports.outages import DOWN_NOW
from exoinventory.numbers.selectors.alternates import Alternate
from exoinventory.numbers.selectors.overview import (
    AccountOverview,
    DownNumber,
    HeartbeatNow,
    Rental,
    RunPair,
    status_overview,
)
from exoinventory.numbers.selectors.sync import interval, sync_states

register = template.Library()
register.filter("status_badge", status_badge)


@register.simple_tag
def stale_sync_warnings() -> list[str]:
    """One line per configured account whose listing or sweep is overdue."""
    now = timezone.now()
    warnings = []
    for state in sync_states():
        for kind in state.overdue(now=now):
            name = SyncRun.Kind(kind).label.lower()
            every = int(interval(kind).total_seconds() // 60)
            last = state.last_good[kind]
            if last is None:
                warnings.append(f"Account {state.sid}: no {name} has succeeded yet.")
            else:
                warnings.append(
                    f"Account {state.sid}: the last good {name} finished "
                    f"{timesince(last, now)} ago "
                    f"({date_format(timezone.localtime(last), 'DATETIME_FORMAT')}); "
                    f"one is due every {every} minutes."
                )
    return warnings


# --- Status now: the admin index's overview (selectors.overview), with the
# links and labels its template shows.

# The status filters of the ExoPhone list, by direction: their parameters.
STATUS_FILTERS = {
    Direction.INCOMING: IncomingStatusFilter.parameter_name,
    Direction.OUTGOING: OutgoingStatusFilter.parameter_name,
}
# The rows every account's counts show, in this order; a word we do not
# know gets a row of its own after them.
KNOWN_STATUSES = (
    ConnectivityStatus.ACTIVE,
    ConnectivityStatus.PARTIAL_NETWORK_OUTAGE,
    ConnectivityStatus.MAJOR_OUTAGE,
    "",
)


@dataclass(frozen=True)
class RunLine:
    """A listing or sweep as the overview says it."""

    run: SyncRun
    age: str  # "12 min ago", or "running, started 3 min ago"
    at: str  # when, in the configured zone with the zone named
    detail: str  # numbers listed, or numbers left unchecked
    url: str | None  # its admin page; None: the user may not view sync runs

    @classmethod
    def of(cls, run: SyncRun, *, now: datetime, linked: bool) -> "RunLine":
        if run.finished_at is None:
            age = f"running, started {duration_text(now - run.started_at)} ago"
        else:
            age = f"{duration_text(now - run.finished_at)} ago"
        if run.kind == SyncRun.Kind.LISTING:
            detail = f"{_numbers(run.numbers_seen)} listed"
        else:
            detail = f"{_numbers(run.numbers_unchecked)} left unchecked"
        return cls(
            run=run,
            age=age,
            at=local_time_text(run.finished_at or run.started_at),
            detail=detail,
            url=reverse("admin:numbers_syncrun_change", args=[run.pk]) if linked else None,
        )


@dataclass(frozen=True)
class KindLine:
    """An account's last listing or sweep, and its last good one when the
    last one is not good (failed, skipped or still running)."""

    label: str
    lines: list[tuple[str, RunLine]]  # each with its heading ("" for the last one)
    never_good: bool  # it ran, and none has succeeded yet


@dataclass(frozen=True)
class CountCell:
    count: int
    url: str  # the ExoPhone list filtered to these numbers


@dataclass(frozen=True)
class CountRow:
    badge: SafeString  # the status
    cells: list[CountCell]  # incoming, outgoing


@dataclass(frozen=True)
class HeartbeatLine:
    """An account's last Exotel heartbeat as the overview says it."""

    heartbeat: HeartbeatNow
    age: str  # "40 s ago"
    at: str
    detail: str  # what it said
    warning: str  # "" while they arrive


@dataclass(frozen=True)
class AccountBlock:
    account: AccountOverview
    runs: list[KindLine]
    heartbeat: HeartbeatLine | None  # None: none has arrived
    heartbeat_configured: bool  # EXOTEL_HEARTBEAT_TOKENS has the account
    counts: list[CountRow]  # a row per status
    rentals: list[tuple[str, Rental]]  # the amount as shown, and its figures


@dataclass(frozen=True)
class AlternateLink:
    """An alternate: a link to its own number with its own status now, or,
    when it is not one of our current numbers, the number as Exotel sent it."""

    phone_number: str
    url: str | None
    badge: SafeString | None


@dataclass(frozen=True)
class DirectionNow:
    down: bool
    badge: SafeString  # the status now with since when (admin.display)
    alternates: list[AlternateLink]


@dataclass(frozen=True)
class DownRow:
    number: DownNumber
    url: str
    circle: str
    directions: list[DirectionNow]  # incoming, outgoing


@dataclass(frozen=True)
class StatusNow:
    now: str  # the page's moment, in the configured zone with the zone named
    accounts_readable: bool
    accounts: list[AccountBlock]
    down: list[DownRow]
    down_total: int  # every number down now
    down_more: int  # the numbers down now that are not listed
    more_url: str | None  # where they all are, for those who may open it


@register.simple_tag(takes_context=True)
def status_now(context: Context) -> StatusNow | None:
    """The overview for the user of the page; None for one who may not view
    the numbers (the overview is about nothing else)."""
    user = context["request"].user
    if not user.has_perm("numbers.view_exophone"):
        return None
    now = timezone.now()
    overview = status_overview(now=now, with_rental=user.has_perm("numbers.view_cost_report"))
    down = [_down_row(number, now=now) for number in overview.down]
    return StatusNow(
        now=local_time_text(now),
        accounts_readable=overview.accounts_readable,
        accounts=[_account_block(account, user=user, now=now) for account in overview.accounts],
        down=down,
        down_total=overview.down_total,
        down_more=overview.down_total - len(down),
        more_url=_outages_url(user),
    )


def _numbers(count: int) -> str:
    return f"{count} number" if count == 1 else f"{count:,} numbers"


def _exophones_url(**query: str | int) -> str:
    return f"{reverse('admin:numbers_exophone_changelist')}?{urlencode(query)}"


def _account_block(account: AccountOverview, *, user: User, now: datetime) -> AccountBlock:
    linked = user.has_perm("numbers.view_syncrun")

    def kind_line(kind: str, pair: RunPair) -> KindLine:
        lines = []
        if pair.last is not None:
            lines.append(("", RunLine.of(pair.last, now=now, linked=linked)))
        if pair.last_good is not None and not pair.last_is_good:
            lines.append(("Last good", RunLine.of(pair.last_good, now=now, linked=linked)))
        return KindLine(
            label=f"Last {SyncRun.Kind(kind).label.lower()}",
            lines=lines,
            never_good=pair.last is not None and pair.last_good is None,
        )

    unknown = sorted(
        {
            status
            for counts in account.statuses.values()
            for status in counts
            if status not in KNOWN_STATUSES
        }
    )
    counts = [
        CountRow(
            badge=status_badge(status),
            cells=[
                CountCell(
                    count=account.statuses[direction][status],
                    url=_exophones_url(
                        account__id__exact=account.pk or "",
                        released="current",
                        **{STATUS_FILTERS[direction]: status or NO_DATA},
                    ),
                )
                for direction in Direction.values
            ],
        )
        for status in [*KNOWN_STATUSES, *unknown]
    ]
    return AccountBlock(
        account=account,
        runs=[kind_line(kind, pair) for kind, pair in account.runs.items()],
        heartbeat=_heartbeat_line(account.heartbeat, now=now) if account.heartbeat else None,
        heartbeat_configured=account.sid in settings.EXOTEL_HEARTBEAT_TOKENS,
        counts=counts,
        rentals=[
            (money(rental.monthly_rental, rental.currency), rental) for rental in account.rentals
        ],
    )


def _heartbeat_line(heartbeat: HeartbeatNow, *, now: datetime) -> HeartbeatLine:
    if heartbeat.status_type == "PAYLOAD_TOO_LARGE":
        detail = "too large to send: a sweep was started instead"
    else:
        detail = (
            f"{_numbers(heartbeat.numbers_observed)} observed; affected: "
            f"{heartbeat.incoming_affected:,} incoming, {heartbeat.outgoing_affected:,} outgoing"
        )
    if heartbeat.unknown_sids:
        detail += f"; {heartbeat.unknown_sids:,} sids named that are none of our numbers"
    warning = ""
    if heartbeat.stopped:
        warning = (
            f"Heartbeats have stopped: none for {timesince(heartbeat.received_at, now)}, "
            f"one was expected every {duration_text(heartbeat.expected_every)}. "
            "Statuses come from the sweep alone until they resume."
        )
    return HeartbeatLine(
        heartbeat=heartbeat,
        age=f"{duration_text(now - heartbeat.received_at)} ago",
        at=local_time_text(heartbeat.received_at),
        detail=detail,
        warning=warning,
    )


def _alternate_link(alternate: Alternate) -> AlternateLink:
    if not alternate.ours:
        return AlternateLink(phone_number=alternate.phone_number, url=None, badge=None)
    return AlternateLink(
        phone_number=alternate.phone_number,
        url=reverse("admin:numbers_exophone_change", args=[alternate.pk]),
        badge=status_badge(alternate.status_now or ""),
    )


def _down_row(number: DownNumber, *, now: datetime) -> DownRow:
    phone = number.phone
    return DownRow(
        number=number,
        url=reverse("admin:numbers_exophone_change", args=[phone.pk]),
        circle=circle_label(phone.region, phone.circle_name),
        directions=[
            DirectionNow(
                down=number.down(direction),
                badge=status_now_badge(phone, direction, now=now),
                alternates=[
                    _alternate_link(alternate) for alternate in number.alternates.get(direction, [])
                ],
            )
            for direction in Direction.values
        ],
    )


def _outages_url(user: User) -> str | None:
    """The outages report's "down now", for those who may open it: every
    number down now, where the overview lists the first few."""
    if not user.has_perm("numbers.view_outage_report"):
        return None
    return f"{reverse('reports:outages')}?{urlencode({'down_now': DOWN_NOW})}"
