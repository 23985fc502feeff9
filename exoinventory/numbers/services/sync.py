"""A sync of one account as `manage.py sync_exophones` runs it: the listing
(services.listing), then the connectivity sweep (services.sweep).

Each fetches first, then diffs in memory against rows loaded once, then
writes in one transaction with bulk statements: the number of queries does
not grow with the number of ExoPhones, and one that fails or is killed
leaves the previous state as it was (DESIGN.md "Sync semantics").
"""

from dataclasses import dataclass

from django.conf import settings

from exoinventory.exotel.accounts import ExotelAccount, parse_accounts
from exoinventory.exotel.client import ExotelClient, Progress
from exoinventory.numbers.models import SyncRun
from exoinventory.numbers.services.listing import exophones_list
from exoinventory.numbers.services.sweep import connectivity_sweep, connectivity_sweep_all


def configured_accounts() -> list[ExotelAccount]:
    """The accounts of EXOTEL_ACCOUNTS (ExotelConfigError if it cannot be read;
    the system check numbers.E001 stops every process that starts with it so)."""
    return parse_accounts(settings.EXOTEL_ACCOUNTS)


@dataclass(frozen=True)
class SyncResult:
    """A listing and the sweeps after it: one, or as many as checking every
    number took."""

    listing: SyncRun
    sweeps: list[SyncRun]

    @property
    def sweep(self) -> SyncRun:
        """The last sweep: the one that says how many numbers are left unchecked."""
        return self.sweeps[-1]

    @property
    def unchecked(self) -> int:
        """Current numbers none of the sweeps observed."""
        first = self.sweeps[0]
        numbers = first.numbers_unchecked + first.connectivity_checked + first.numbers_released
        observed = sum(run.connectivity_checked + run.numbers_released for run in self.sweeps)
        return max(0, numbers - observed)


def exophones_sync(
    *,
    account: ExotelAccount,
    trigger: str,
    client: ExotelClient | None = None,
    progress: Progress | None = None,
    check_all: bool = False,
) -> SyncResult:
    """A listing of the account, then one sweep allotment (`check_all`: every number)."""
    listing = exophones_list(account=account, trigger=trigger, client=client, progress=progress)
    if check_all:
        sweeps = connectivity_sweep_all(
            account=account, trigger=trigger, client=client, progress=progress
        )
    else:
        sweeps = [
            connectivity_sweep(account=account, trigger=trigger, client=client, progress=progress)
        ]
    return SyncResult(listing=listing, sweeps=sweeps)
