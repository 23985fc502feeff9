"""python manage.py sync_exophones [--account SID] [--all]: a listing, then one
sweep allotment of connectivity checks (--all: every number), now, in this process."""

import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exoinventory.exotel.accounts import ExotelConfigError
from exoinventory.numbers.models import SyncRun
from exoinventory.numbers.services.sync import SyncResult, configured_accounts, exophones_sync


def _outcome(run: SyncRun) -> str | None:
    """The words for a run that did not do its work; None if it did."""
    if run.outcome == SyncRun.Outcome.SKIPPED:
        return f"skipped, another {run.get_kind_display().lower()} of this account is running"
    if run.outcome == SyncRun.Outcome.FAILED:
        return f"failed: {run.error}"
    return None


def _emptied(run: SyncRun) -> str:
    if not run.fields_emptied:
        return ""
    fields = ", ".join(f"{name} {count}" for name, count in run.fields_emptied.items())
    return f", unreadable values stored empty ({fields})"


def summary(result: SyncResult) -> str:
    """One line on what a listing and its sweeps did, for people and logs."""
    listing = result.listing
    sid = listing.account.sid
    listed = _outcome(listing)
    if listed is None:
        seconds = (listing.finished_at - listing.started_at).total_seconds()
        listed = (
            f"listed {listing.numbers_seen} numbers in {seconds:.1f}s "
            f"({listing.numbers_created} new, {listing.numbers_updated} changed, "
            f"{listing.numbers_unchanged} unchanged, {listing.records_skipped} skipped"
            f"{_emptied(listing)})"
        )
    sweeps = result.sweeps
    swept = _outcome(result.sweep)
    if swept is None or len(sweeps) > 1:
        checked = sum(run.connectivity_checked for run in sweeps)
        swept = (
            f"connectivity of {checked} checked "
            f"({sum(run.runs_opened for run in sweeps)} runs opened, "
            f"{sum(run.runs_extended for run in sweeps)} extended, "
            f"{sum(run.records_skipped for run in sweeps)} failed, "
            f"{sum(run.numbers_released for run in sweeps)} released"
            f"{_emptied(result.sweep)}); "
            f"{result.unchecked} numbers left unchecked"
            + (f" (last sweep {_outcome(result.sweep)})" if _outcome(result.sweep) else "")
        )
    requests = listing.requests + sum(run.requests for run in sweeps)
    retries = listing.retries + sum(run.retries for run in sweeps)
    return f"{sid}: {listed}; {swept}; {requests} requests, {retries} retries"


class Command(BaseCommand):
    help = (
        "List the ExoPhones of the configured Exotel accounts (EXOTEL_ACCOUNTS) now, then "
        "check the connectivity of one sweep allotment of them (--all: of every number)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", metavar="SID", help="Sync only this account.")
        parser.add_argument(
            "--all",
            action="store_true",
            dest="check_all",
            help="Check every number's connectivity, paced by the rate limit (may take hours).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            accounts = configured_accounts()
        except ExotelConfigError as error:
            raise CommandError(str(error)) from None
        if not accounts:
            raise CommandError(
                "EXOTEL_ACCOUNTS is not set: give it https://KEY:TOKEN@HOST/ACCOUNT_SID"
            )
        if options["account"]:
            accounts = [a for a in accounts if a.sid == options["account"]]
            if not accounts:
                raise CommandError(f"account {options['account']} is not in EXOTEL_ACCOUNTS")

        interactive = self.stdout.isatty()
        failed = 0
        for account in accounts:
            started: dict[str, float] = {}

            def progress(
                stage: str,
                done: int,
                total: int | None,
                sid: str = account.sid,
                started: dict[str, float] = started,
            ) -> None:
                counted = f"{done}/{total}" if total else f"{done} pages"
                began = started.setdefault(stage, time.monotonic())
                eta = ""
                if stage == "connectivity" and total and done:
                    per_number = (time.monotonic() - began) / done
                    left = timedelta(seconds=round(per_number * (total - done)))
                    eta = f", about {left} left"
                self.stdout.write(f"\r\033[K{sid}: {stage} {counted}{eta}", ending="")
                self.stdout.flush()

            result = exophones_sync(
                account=account,
                trigger=SyncRun.Trigger.COMMAND,
                progress=progress if interactive else None,
                check_all=options["check_all"],
            )
            if interactive:
                self.stdout.write("\r\033[K", ending="")
            runs = [result.listing, *result.sweeps]
            failed += any(run.outcome == SyncRun.Outcome.FAILED for run in runs)
            self.stdout.write(summary(result))
        if failed:
            raise CommandError(f"{failed} of {len(accounts)} accounts failed to sync")
