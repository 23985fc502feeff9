"""The listing of one account: every ExoPhone and its mirrored fields, from the
v2_beta list (DESIGN.md "Sync semantics" 1, 4 and 5).

New numbers are created, changed fields become change records, a released
number that is listed again comes back. A number missing from a complete
listing becomes a release candidate (`unlisted_since`), which the sweep
releases only once Exotel's detail answers 404 for it.

An unchanged listing writes no number: the moment it saw them all is kept
once, on the account (`Account.listed_at`, see ExoPhone.last_listed), and a
number's own `last_seen` is written only when it leaves or rejoins the
listings. So a re-listing costs what its changes cost, not a row per number.
"""

from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from exoinventory.exotel.accounts import ExotelAccount
from exoinventory.exotel.client import ExotelClient, Listing, Progress
from exoinventory.exotel.dates import format_rfc3339
from exoinventory.numbers.cadence import account_cadence
from exoinventory.numbers.models import (
    MIRRORED_FIELDS,
    Account,
    ExoPhone,
    ExoPhoneChange,
    SyncRun,
)
from exoinventory.numbers.services.bulk import bulk_insert_rows, bulk_update_rows
from exoinventory.numbers.services.runs import (
    client_for,
    count_emptied,
    finish_outcome,
    log_skipped,
    recorded_run,
)
from exoinventory.numbers.services.sync_lock import account_write_lock

# date_updated moves with every other change; it is kept on each change
# record (exotel_date_updated) rather than recorded as a change of its own.
RECORDED_FIELDS = tuple(f for f in MIRRORED_FIELDS if f != "date_updated")
# What the diff reads of each stored number, in the model's field order (as
# Model.from_db takes them).
_LOADED = {"id", "account_id", "sid", "released_at", "unlisted_since", "last_seen"}
LOADED_FIELDS = tuple(
    f.attname
    for f in ExoPhone._meta.concrete_fields
    if f.attname in _LOADED or f.attname in MIRRORED_FIELDS
)
SID, RELEASED_AT, UNLISTED_SINCE = (
    LOADED_FIELDS.index(name) for name in ("sid", "released_at", "unlisted_since")
)
_mirrored = itemgetter(*(LOADED_FIELDS.index(name) for name in MIRRORED_FIELDS))
ROWS_PER_FETCH = 5000

Row = tuple[Any, ...]


def _phone(row: Row) -> ExoPhone:
    """A stored number as a model instance holding what the diff loaded."""
    return ExoPhone.from_db(DEFAULT_DB_ALIAS, LOADED_FIELDS, row)


def exophones_list(
    *,
    account: ExotelAccount,
    trigger: str,
    client: ExotelClient | None = None,
    progress: Progress | None = None,
    paced: bool = False,
) -> SyncRun:
    """List the account now and return the listing's sync run.

    `paced` (the scheduled listing) spaces the pages across the listing
    interval (numbers.cadence); otherwise pages go as fast as the account's
    budget allows, as `manage.py sync_exophones` wants.
    """

    def make_client() -> ExotelClient:
        if client is not None:
            return client
        if not paced:
            return client_for(account)
        numbers = ExoPhone.objects.filter(
            account__sid=account.sid, released_at__isnull=True
        ).count()
        return client_for(account, page_spacing=account_cadence(numbers).listing_page_spacing)

    def work(run: SyncRun, account_row: Account, used: ExotelClient) -> None:
        _list(run, account_row, used, progress)

    return recorded_run(
        account=account, kind=SyncRun.Kind.LISTING, trigger=trigger, client=make_client, work=work
    )


def _list(run: SyncRun, account: Account, client: ExotelClient, progress: Progress | None) -> None:
    listing = client.list_exophones(progress=progress)
    # The moment the listing was complete: what it says is true as of then.
    seen_at = timezone.now()
    run.listing_complete = True
    run.records_skipped = len(listing.skipped)
    log_skipped(run, listing.skipped)
    count_emptied(run, (name for record in listing.records for name in record.emptied))

    with transaction.atomic():
        account_write_lock(account.sid)
        # Rows as tuples of what the diff reads: a listing's rows are most of
        # the account's, and only a changed one becomes a model instance.
        rows = ExoPhone.objects.filter(account=account).values_list(*LOADED_FIELDS)
        existing = {row[SID]: row for row in rows.iterator(chunk_size=ROWS_PER_FETCH)}
        plan = _diff(run, account, listing, existing, seen_at=seen_at)
        _write(plan, account, listing, existing)
        run.numbers_seen = len(listing.records)
        run.numbers_created = len(plan.created)
        run.numbers_updated = len(plan.updated)
        run.numbers_unchanged = run.numbers_seen - run.numbers_created - run.numbers_updated
        finish_outcome(run)
        # Saved with the data, so the run's counts and the rows agree.
        run.save()


def _text(value: object) -> str | None:
    """A mirrored value as a change record stores it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_rfc3339(value)
    return str(value)


@dataclass
class _Plan:
    run: SyncRun
    seen_at: datetime
    created: list[ExoPhone] = field(default_factory=list)
    updated: dict[str, ExoPhone] = field(default_factory=dict)
    updated_fields: set[str] = field(default_factory=set)
    changes: list[ExoPhoneChange] = field(default_factory=list)

    def change(self, phone: ExoPhone, name: str, old: object, new: object) -> None:
        """Record a change; call it after the phone holds its new values."""
        self.changes.append(
            ExoPhoneChange(
                exophone=phone,
                field=name,
                old_value=_text(old),
                new_value=_text(new),
                observed_at=self.seen_at,
                sync_run=self.run,
                exotel_date_updated=phone.date_updated,
            )
        )


def _diff(
    run: SyncRun,
    account: Account,
    listing: Listing,
    existing: dict[str, Row],
    *,
    seen_at: datetime,
) -> _Plan:
    plan = _Plan(run=run, seen_at=seen_at)
    for record in listing.records:
        new = tuple(getattr(record, name) for name in MIRRORED_FIELDS)
        row = existing.get(record.sid)
        if row is None:
            values = dict(zip(MIRRORED_FIELDS, new, strict=True))
            phone = ExoPhone(
                account=account, sid=record.sid, first_seen=seen_at, last_seen=seen_at, **values
            )
            plan.created.append(phone)
            continue
        stored = _mirrored(row)
        if stored == new and row[RELEASED_AT] is None and row[UNLISTED_SINCE] is None:
            continue  # where it was: nothing to write
        phone = _phone(row)
        changed = {
            name: old
            for name, old, value in zip(MIRRORED_FIELDS, stored, new, strict=True)
            if old != value
        }
        for name, value in zip(MIRRORED_FIELDS, new, strict=True):
            setattr(phone, name, value)
        for name, old in changed.items():
            if name in RECORDED_FIELDS:
                plan.change(phone, name, old, getattr(phone, name))
        if phone.released_at is not None:
            plan.change(phone, "released_at", phone.released_at, None)
            phone.released_at = None
            changed["released_at"] = None
        if phone.unlisted_since is not None:
            # Listed again: no longer a release candidate.
            phone.unlisted_since = None
            phone.last_seen = seen_at
            changed["unlisted_since"] = changed["last_seen"] = None
        if changed:
            plan.updated[phone.sid] = phone
            plan.updated_fields.update(changed)
    return plan


def _write(plan: _Plan, account: Account, listing: Listing, existing: dict[str, Row]) -> None:
    bulk_insert_rows(plan.created)
    bulk_update_rows(list(plan.updated.values()), sorted(plan.updated_fields))
    # A number whose item was malformed this time is still listed (_diff
    # brought back those whose item was read): only the numbers in no page
    # become release candidates, seen last by the listing before this one.
    skipped = {s.sid for s in listing.skipped if s.sid}
    listed = {r.sid for r in listing.records} | skipped
    relisted = [
        _phone(row)
        for sid, row in existing.items()
        if sid in skipped and row[RELEASED_AT] is None and row[UNLISTED_SINCE] is not None
    ]
    for phone in relisted:
        phone.unlisted_since = None
        phone.last_seen = plan.seen_at
    missing = [
        _phone(row)
        for sid, row in existing.items()
        if sid not in listed and row[RELEASED_AT] is None and row[UNLISTED_SINCE] is None
    ]
    for phone in missing:
        phone.unlisted_since = plan.seen_at
        if account.listed_at is not None:
            phone.last_seen = max(phone.last_seen, account.listed_at)
    bulk_update_rows([*relisted, *missing], ["unlisted_since", "last_seen"])
    account.listed_at = plan.seen_at
    account.save(update_fields=["listed_at"])
    for change in plan.changes:
        change.exophone_id = change.exophone.pk
    bulk_insert_rows(plan.changes)
