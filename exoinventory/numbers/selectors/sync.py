"""Reads about listings and sweeps: how recent each account's are.

Only configured accounts count: an account removed from EXOTEL_ACCOUNTS keeps
its numbers and history but is "not configured", and no banner or /healthz
waits for it to sync again.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min, OuterRef, Subquery

from exoinventory.exotel.accounts import ExotelConfigError, parse_accounts
from exoinventory.numbers.models import GOOD_OUTCOMES, Account, SyncRun

# A listing or sweep is overdue when its last good one finished more than
# this many of its intervals ago: two missed ticks are a slow run or a
# restart, the third is not.
STALE_AFTER_INTERVALS = 3
KINDS = (SyncRun.Kind.LISTING, SyncRun.Kind.SWEEP)


def accounts_readable() -> bool:
    """Whether EXOTEL_ACCOUNTS can be read (the system check numbers.E001
    says why not, and stops every process that runs the checks at start)."""
    try:
        parse_accounts(settings.EXOTEL_ACCOUNTS)
    except ExotelConfigError:
        return False
    return True


def configured_sids() -> list[str]:
    """The account sids of EXOTEL_ACCOUNTS; none when it cannot be read."""
    try:
        return [account.sid for account in parse_accounts(settings.EXOTEL_ACCOUNTS)]
    except ExotelConfigError:
        return []


def interval(kind: str) -> timedelta:
    minutes = (
        settings.LISTING_INTERVAL_MINUTES
        if kind == SyncRun.Kind.LISTING
        else settings.SYNC_INTERVAL_MINUTES
    )
    return timedelta(minutes=minutes)


def stale_after(kind: str) -> timedelta:
    """How long after its last good run a listing or sweep counts as overdue."""
    return STALE_AFTER_INTERVALS * interval(kind)


@dataclass(frozen=True)
class SyncState:
    """When an account's last good listing and sweep finished (None: never),
    and, for a kind never good, when its first run started (None: never ran)."""

    pk: int | None  # None: no run has made the account's row yet
    sid: str
    last_good: dict[str, datetime | None]
    first_run: dict[str, datetime | None]

    def stale(self, kind: str, *, now: datetime) -> bool:
        last = self.last_good[kind]
        if last is not None:
            return now - last > stale_after(kind)
        # Never good: overdue once its first run is that old. An account
        # with no run at all has waited for nothing yet.
        first = self.first_run.get(kind)
        return first is not None and now - first > stale_after(kind)

    def overdue(self, *, now: datetime) -> list[str]:
        return [kind for kind in KINDS if self.stale(kind, now=now)]


def sync_states() -> list[SyncState]:
    """The configured accounts' sync states, by sid: one query, and a second
    only for kinds that never had a good run."""
    sids = configured_sids()

    def last_good(kind: str) -> Subquery:
        # A correlated LIMIT 1 per account walks the syncrun_last_good index
        # instead of aggregating a year of runs.
        runs = SyncRun.objects.filter(
            account=OuterRef("pk"), kind=kind, outcome__in=GOOD_OUTCOMES
        ).order_by("-started_at")
        return Subquery(runs.values("finished_at")[:1])

    rows = list(
        Account.objects.filter(sid__in=sids)
        .annotate(**{kind: last_good(kind) for kind in KINDS})
        .values_list("pk", "sid", *KINDS)
    )
    never = {sid for _, sid, *lasts in rows if None in lasts}
    firsts = _first_runs(never) if never else {}
    # A configured account no run has reached yet (its row is made by its
    # first run) is listed too, with nothing known of it.
    known = {sid for _, sid, *_ in rows}
    rows += [(None, sid, *(None for _ in KINDS)) for sid in sids if sid not in known]
    return [
        SyncState(
            pk=pk,
            sid=sid,
            last_good=dict(zip(KINDS, lasts, strict=True)),
            first_run={kind: firsts.get((sid, kind)) for kind in KINDS},
        )
        for pk, sid, *lasts in rows
    ]


def _first_runs(sids: Collection[str]) -> dict[tuple[str, str], datetime]:
    rows = (
        SyncRun.objects.filter(account__sid__in=sids)
        .values("account__sid", "kind")
        .annotate(first=Min("started_at"))
        .values_list("account__sid", "kind", "first")
    )
    return {(sid, kind): first for sid, kind, first in rows}
