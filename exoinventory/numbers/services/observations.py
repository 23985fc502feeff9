"""Connectivity observations into runs: the one rule for both sources, the
sweep's detail requests (services.sweep) and Exotel's Heartbeat
(services.heartbeat) (DESIGN.md "Sync semantics" 5).

An observation of a number and direction equal to its current run (same
status and alternates) extends that run while the run is still fresh at
the observation (Cadence.is_fresh); anything else closes it and opens a new
one. An observation older than the current run's latest changes nothing:
the two sources write in turn (the account's write lock), and a sweep's
answer that arrived before a heartbeat written first, or a heartbeat
retried late, must not rewrite what is already known. Each run records
which sources observed it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet

from exoinventory.numbers.cadence import Cadence
from exoinventory.numbers.models import ConnectivityRun, Direction, ExoPhone
from exoinventory.numbers.services.bulk import bulk_insert_rows, bulk_update_rows

# What an observation writes on the number: its state now.
OBSERVED_FIELDS = ["connectivity_observed_at"] + [
    f"{direction}_{name}"
    for direction in Direction.values
    for name in ("status", "checked_at", "alternates")
]

RunKey = tuple[int, str]


@dataclass(kw_only=True)
class RunChanges:
    """The runs one batch of observations extends, closes and opens."""

    cadence: Cadence
    source: str  # a ConnectivityRun.Source
    new_runs: list[ConnectivityRun] = field(default_factory=list)
    extended_runs: list[ConnectivityRun] = field(default_factory=list)
    closed_runs: list[ConnectivityRun] = field(default_factory=list)


def current_runs(runs: QuerySet[ConnectivityRun]) -> dict[RunKey, ConnectivityRun]:
    """(number pk, direction) → the current run, of the runs `runs` selects: one query."""
    return {(run.exophone_id, run.direction): run for run in runs.filter(is_current=True)}


def refresh_observed(phones: Iterable[ExoPhone]) -> None:
    """Read the numbers' OBSERVED_FIELDS again, in one query: inside the write
    lock, what the other source wrote since they were loaded."""
    by_pk = {phone.pk: phone for phone in phones}
    for row in ExoPhone.objects.filter(pk__in=by_pk).values("pk", *OBSERVED_FIELDS):
        phone = by_pk[row.pop("pk")]
        for name, value in row.items():
            setattr(phone, name, value)


def with_source(sources: str, source: str) -> str:
    """`sources` (comma-separated words) with `source` among them, sorted."""
    return ",".join(sorted({*filter(None, sources.split(",")), source}))


def observe(
    changes: RunChanges,
    phone: ExoPhone,
    direction: str,
    *,
    status: str,
    alternates: list[str] | None,
    checked_at: datetime | None,
    current: ConnectivityRun | None,
    observed_at: datetime,
) -> bool:
    """One observation of the number's `direction`: set it on `phone` and
    extend, close or open its run in `changes`. False: it was older than the
    current run's latest observation, and changed nothing."""
    if current is not None and observed_at < current.last_observed_at:
        return False
    setattr(phone, f"{direction}_status", status)
    setattr(phone, f"{direction}_checked_at", checked_at)
    setattr(phone, f"{direction}_alternates", alternates)
    phone.connectivity_observed_at = max(observed_at, phone.connectivity_observed_at or observed_at)
    if (
        current is not None
        and current.status == status
        and current.alternates == alternates
        and changes.cadence.is_fresh(current.last_observed_at, now=observed_at)
    ):
        current.last_observed_at = observed_at
        current.exotel_checked_at = checked_at
        current.sources = with_source(current.sources, changes.source)
        changes.extended_runs.append(current)
        return True
    if current is not None:
        current.is_current = False
        changes.closed_runs.append(current)
    changes.new_runs.append(
        ConnectivityRun(
            exophone=phone,
            direction=direction,
            status=status,
            alternates=alternates,
            first_observed_at=observed_at,
            last_observed_at=observed_at,
            exotel_checked_at=checked_at,
            sources=changes.source,
        )
    )
    return True


def write_runs(changes: RunChanges) -> None:
    """Write the runs in three bulk statements, closed runs first (one
    current run per number and direction)."""
    bulk_update_rows(changes.closed_runs, ["is_current", "last_observed_at"])
    bulk_update_rows(changes.extended_runs, ["last_observed_at", "exotel_checked_at", "sources"])
    for new_run in changes.new_runs:
        new_run.exophone_id = new_run.exophone.pk
    bulk_insert_rows(changes.new_runs)
