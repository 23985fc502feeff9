"""python manage.py sync_exophones [--account SID]: one full sync, now, in this process."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exoinventory.exotel.accounts import ExotelConfigError
from exoinventory.numbers.models import SyncRun
from exoinventory.numbers.services.sync import configured_accounts, exophones_sync


def summary(run: SyncRun) -> str:
    """One line on what a sync run did, for people and logs."""
    sid = run.account.sid
    if run.outcome == SyncRun.Outcome.SKIPPED:
        return f"{sid}: skipped, another sync of this account is running"
    if run.outcome == SyncRun.Outcome.FAILED:
        return f"{sid}: failed: {run.error}"
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    return (
        f"{sid}: synced in {seconds:.1f}s: {run.numbers_seen} numbers "
        f"({run.numbers_created} new, {run.numbers_updated} changed, "
        f"{run.numbers_released} released, {run.numbers_unchanged} unchanged); "
        f"connectivity of {run.connectivity_checked} checked "
        f"({run.runs_opened} runs opened, {run.runs_extended} extended); "
        f"{run.records_skipped} skipped; {run.requests} requests, {run.retries} retries"
    )


class Command(BaseCommand):
    help = "Sync the ExoPhones of the configured Exotel accounts now (EXOTEL_ACCOUNTS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", metavar="SID", help="Sync only this account.")

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

            def progress(stage: str, done: int, total: int | None, sid: str = account.sid) -> None:
                counted = f"{done}/{total}" if total else f"{done} pages"
                self.stdout.write(f"\r\033[K{sid}: {stage} {counted}", ending="")
                self.stdout.flush()

            run = exophones_sync(
                account=account,
                trigger=SyncRun.Trigger.COMMAND,
                progress=progress if interactive else None,
            )
            if interactive:
                self.stdout.write("\r\033[K", ending="")
            failed += run.outcome == SyncRun.Outcome.FAILED
            self.stdout.write(summary(run))
        if failed:
            raise CommandError(f"{failed} of {len(accounts)} accounts failed to sync")
