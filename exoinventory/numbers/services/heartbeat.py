"""Exotel's Heartbeat of one account: an observation of every current number
at once (issue 12; the body is exotel.heartbeat).

A heartbeat observes each current (unreleased) number of the account at its
`timestamp` (never later than it arrived): affected for a direction means
down there, anything else active. Exotel does not say which outage, so a
number affected is `major_outage` unless the number is already in an outage
of another word (the sweep's detail said `partial_network_outage`): then
that word, with its alternates, goes on; the same for an active number's
alternates. Heartbeats and sweeps feed the same runs
(services.observations), each run naming its sources.

A heartbeat not newer than the account's last one (a retry, a replay, one
out of order) changes nothing. PAYLOAD_TOO_LARGE observes nothing: it is
recorded and starts a connectivity sweep (within the account's budget).
Sids the heartbeat names that are none of the account's current numbers are
counted on its record, and shown on the overview.

The work is a few statements whatever the number of numbers: the account's
numbers and current runs are read once, and written in bulk.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from exoinventory.exotel.accounts import ExotelAccount
from exoinventory.exotel.heartbeat import HeartbeatReport
from exoinventory.numbers.cadence import account_cadence, heartbeat_period_now
from exoinventory.numbers.models import (
    Account,
    ConnectivityRun,
    ConnectivityStatus,
    Direction,
    ExoPhone,
    Heartbeat,
)
from exoinventory.numbers.services.bulk import bulk_update_rows
from exoinventory.numbers.services.observations import (
    OBSERVED_FIELDS,
    RunChanges,
    current_runs,
    observe,
    write_runs,
)
from exoinventory.numbers.services.sync_lock import account_write_lock
from exoinventory.numbers.tasks import sweep_account

DOWN = ConnectivityStatus.MAJOR_OUTAGE.value
ACTIVE = ConnectivityStatus.ACTIVE.value


@dataclass(frozen=True)
class HeartbeatOutcome:
    """What one heartbeat did: `recorded` False when it was not newer than
    the last one (and changed nothing)."""

    recorded: bool
    numbers_observed: int = 0
    unknown_sids: int = 0
    sweep_started: bool = False


def _word(phone: ExoPhone, direction: str, *, down: bool) -> tuple[str, list[str] | None]:
    """The status and alternates a heartbeat observes: down or active, in the
    number's own word and with its alternates when those already say so."""
    status = getattr(phone, f"{direction}_status")
    alternates = getattr(phone, f"{direction}_alternates")
    if down and status not in ("", ACTIVE):
        return status, alternates
    if not down and status == ACTIVE:
        return ACTIVE, alternates
    return (DOWN if down else ACTIVE), None


def heartbeat_receive(
    *, account: ExotelAccount, report: HeartbeatReport, received_at: datetime
) -> HeartbeatOutcome:
    """Record the account's heartbeat and observe its numbers, in one transaction."""
    with transaction.atomic():
        account_write_lock(account.sid)
        account_row, _ = Account.objects.get_or_create(
            sid=account.sid, defaults={"api_host": account.api_host}
        )
        heartbeat = Heartbeat.objects.filter(account=account_row).first()
        if heartbeat is not None and report.timestamp <= heartbeat.timestamp:
            return HeartbeatOutcome(recorded=False)
        heartbeat = heartbeat or Heartbeat(account=account_row)
        heartbeat.received_at = received_at
        heartbeat.timestamp = report.timestamp
        heartbeat.status_type = report.status_type
        if not report.observes:
            heartbeat.observed_at = None
            heartbeat.numbers_observed = heartbeat.unknown_sids = 0
            heartbeat.incoming_affected = heartbeat.outgoing_affected = 0
            heartbeat.save()
            transaction.on_commit(lambda: sweep_account.delay(account.sid))
            return HeartbeatOutcome(recorded=True, sweep_started=True)
        outcome = _observe_numbers(account_row, heartbeat, report, received_at)
        heartbeat.save()
    return outcome


def _observe_numbers(
    account: Account, heartbeat: Heartbeat, report: HeartbeatReport, received_at: datetime
) -> HeartbeatOutcome:
    # Never later than it arrived: a clock ahead of ours must not keep a
    # status fresh for longer than it is.
    observed_at = min(report.timestamp, received_at)
    if heartbeat.observed_at is not None:
        heartbeat.period = observed_at - heartbeat.observed_at
    heartbeat.observed_at = observed_at
    current = ExoPhone.objects.filter(account=account, released_at__isnull=True)
    phones = list(current.only("account_id", "sid", *OBSERVED_FIELDS))
    period = heartbeat_period_now(
        observed_at=observed_at, measured=heartbeat.period, now=observed_at
    )
    changes = RunChanges(
        cadence=account_cadence(len(phones), heartbeat_period=period),
        source=ConnectivityRun.Source.HEARTBEAT,
    )
    runs = current_runs(ConnectivityRun.objects.filter(exophone__in=current))
    affected = {Direction.INCOMING: 0, Direction.OUTGOING: 0}
    for phone in phones:
        for direction in Direction.values:
            down = report.affected(direction, phone.sid)
            affected[direction] += down
            status, alternates = _word(phone, direction, down=down)
            observe(
                changes,
                phone,
                direction,
                status=status,
                alternates=alternates,
                checked_at=report.timestamp,
                current=runs.get((phone.pk, direction)),
                observed_at=observed_at,
            )
    bulk_update_rows(phones, OBSERVED_FIELDS)
    write_runs(changes)
    unknown = len(report.sids - {phone.sid for phone in phones})
    heartbeat.numbers_observed = len(phones)
    heartbeat.incoming_affected = affected[Direction.INCOMING]
    heartbeat.outgoing_affected = affected[Direction.OUTGOING]
    heartbeat.unknown_sids = unknown
    return HeartbeatOutcome(recorded=True, numbers_observed=len(phones), unknown_sids=unknown)
