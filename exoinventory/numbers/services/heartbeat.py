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
numbers and current runs are read once, and written in bulk. That still
takes about 0.8 ms a number (reading and writing three rows each), and
Exotel is to be answered within a second: an account of more than
INLINE_NUMBERS current numbers is observed by a queued task
(numbers.observe_heartbeat, heartbeat_observe), and the request only makes
the heartbeat the account's last (the replay guard) and queues it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

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
from exoinventory.numbers.tasks import observe_heartbeat, sweep_account

DOWN = ConnectivityStatus.MAJOR_OUTAGE.value
ACTIVE = ConnectivityStatus.ACTIVE.value

# Up to this many current numbers a heartbeat is observed while Exotel waits.
# Measured (PostgreSQL, the test client, a 2-core machine under other suites'
# load, two runs of three): 250 numbers answered in 0.18-0.40 s, 500 in
# 0.21-0.81 s, 1,000 in 0.36-0.70 s, 2,000 in 1.2-1.5 s. At 250 the slowest
# answer stays under half of the second Exotel is to be answered in; a queued
# one answers in under 0.1 s at 10,000 numbers.
INLINE_NUMBERS = 250
# What a claim writes on the account's record: which heartbeat is its last.
CLAIMED_FIELDS = ["received_at", "timestamp", "status_type"]
# What a PAYLOAD_TOO_LARGE claim resets: it observed nothing. The measured
# period is kept (the next heartbeat that observes has none to measure from).
UNOBSERVED_FIELDS = [
    "observed_at",
    "numbers_observed",
    "incoming_affected",
    "outgoing_affected",
    "unknown_sids",
]
# What an observation writes on it.
OBSERVATION_FIELDS = [*UNOBSERVED_FIELDS, "period"]


@dataclass(frozen=True)
class HeartbeatOutcome:
    """What one heartbeat did: `recorded` False when it was not newer than
    the last one (and changed nothing); `queued` when its observation was
    left to a task (the counts are then unknown yet)."""

    recorded: bool
    queued: bool = False
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
    """Record the account's heartbeat, and observe its numbers in the same
    transaction or, for an account of more than INLINE_NUMBERS current
    numbers, queue their observation."""
    with transaction.atomic():
        account_row, _ = Account.objects.get_or_create(
            sid=account.sid, defaults={"api_host": account.api_host}
        )
        if not report.observes:
            if not _claim(account_row, report, received_at):
                return HeartbeatOutcome(recorded=False)
            transaction.on_commit(lambda: sweep_account.delay(account.sid))
            return HeartbeatOutcome(recorded=True, sweep_started=True)
        current = ExoPhone.objects.filter(account=account_row, released_at__isnull=True)
        if current.count() > INLINE_NUMBERS:
            # No write lock: a listing's or an earlier heartbeat's writes may
            # hold it for seconds. The claim alone orders the heartbeats.
            if not _claim(account_row, report, received_at):
                return HeartbeatOutcome(recorded=False)
            message = report.as_message()
            transaction.on_commit(lambda: observe_heartbeat.delay(account.sid, message))
            return HeartbeatOutcome(recorded=True, queued=True)
        account_write_lock(account.sid)
        if not _claim(account_row, report, received_at):
            return HeartbeatOutcome(recorded=False)
        return _observe_numbers(Heartbeat.objects.get(account=account_row), report)


def heartbeat_observe(*, account_sid: str, report: HeartbeatReport) -> HeartbeatOutcome:
    """The queued observation of a heartbeat heartbeat_receive claimed.

    Idempotent and safe out of order: it observes only while the heartbeat is
    still the account's last and not yet observed. One superseded by a newer
    heartbeat changes nothing (the newer one observes every number), so
    heartbeats queued behind a busy worker cost one observation, not one each;
    one delivered again after it ran changes nothing either.
    """
    with transaction.atomic():
        account_write_lock(account_sid)
        heartbeat = Heartbeat.objects.filter(
            account__sid=account_sid, timestamp=report.timestamp
        ).first()
        if heartbeat is None or (
            heartbeat.observed_at is not None
            and heartbeat.observed_at >= _observed_at(report, heartbeat.received_at)
        ):
            return HeartbeatOutcome(recorded=False)
        return _observe_numbers(heartbeat, report)


def _claim(account: Account, report: HeartbeatReport, received_at: datetime) -> bool:
    """Make this heartbeat the account's last, if it is newer than the last: one
    INSERT … ON CONFLICT … DO UPDATE … WHERE, so that of two deliveries at the
    same time only one passes (PostgreSQL locks the row and checks the
    condition against what the other committed; SQLite writes one at a time).
    False: it was not newer, and nothing changed."""
    claimed = Heartbeat(
        account=account,
        received_at=received_at,
        timestamp=report.timestamp,
        status_type=report.status_type,
    )
    meta = Heartbeat._meta
    quote = connection.ops.quote_name
    columns = [field for field in meta.concrete_fields if field is not meta.pk]
    updated = CLAIMED_FIELDS if report.observes else CLAIMED_FIELDS + UNOBSERVED_FIELDS
    table = quote(meta.db_table)
    timestamp = quote(meta.get_field("timestamp").column)
    assignments = ", ".join(
        f"{column} = excluded.{column}"
        for column in (quote(meta.get_field(name).column) for name in updated)
    )
    # Identifiers come from the model and are quoted; values go as parameters.
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(field.column) for field in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({quote(meta.get_field('account').column)}) DO UPDATE SET {assignments} "
        f"WHERE {table}.{timestamp} < excluded.{timestamp} "
        f"RETURNING {quote(meta.pk.column)}"
    )
    values = [
        field.get_db_prep_save(getattr(claimed, field.attname), connection) for field in columns
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchone() is not None


def _observed_at(report: HeartbeatReport, received_at: datetime) -> datetime:
    """When a heartbeat observes: never later than it arrived, so that a clock
    ahead of ours does not keep a status fresh for longer than it is."""
    return min(report.timestamp, received_at)


def _observe_numbers(heartbeat: Heartbeat, report: HeartbeatReport) -> HeartbeatOutcome:
    """Observe every current number of the heartbeat's account (under its write
    lock), and write the counts on its record while it is still this one."""
    observed_at = _observed_at(report, heartbeat.received_at)
    if heartbeat.observed_at is not None:
        heartbeat.period = observed_at - heartbeat.observed_at
    heartbeat.observed_at = observed_at
    current = ExoPhone.objects.filter(account_id=heartbeat.account_id, released_at__isnull=True)
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
    heartbeat.numbers_observed = len(phones)
    heartbeat.incoming_affected = affected[Direction.INCOMING]
    heartbeat.outgoing_affected = affected[Direction.OUTGOING]
    heartbeat.unknown_sids = len(report.sids - {phone.sid for phone in phones})
    # A newer heartbeat claimed since (its observation waits for the lock)
    # keeps its record: the record never goes back to an older one.
    Heartbeat.objects.filter(pk=heartbeat.pk, timestamp=report.timestamp).update(
        **{name: getattr(heartbeat, name) for name in OBSERVATION_FIELDS}
    )
    return HeartbeatOutcome(
        recorded=True, numbers_observed=len(phones), unknown_sids=heartbeat.unknown_sids
    )
