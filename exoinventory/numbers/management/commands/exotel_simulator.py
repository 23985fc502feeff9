"""python manage.py exotel_simulator --port P --numbers N [--seed S]: the bundled
Exotel simulator, until SIGINT or SIGTERM."""

import os
import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exoinventory.simulator import (
    DEFAULT_ACCOUNT,
    DEFAULT_KEY,
    DEFAULT_TOKEN,
    ExotelSimulator,
)
from exoinventory.simulator.heartbeat import DEFAULT_EVERY_SECONDS, HeartbeatSender


class Command(BaseCommand):
    help = (
        "Serve the bundled Exotel simulator on loopback and print the EXOTEL_ACCOUNTS value "
        "that points at it. Stops cleanly on SIGINT or SIGTERM."
    )
    # It touches neither the database nor the models.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=0, help="0 (default): any free port.")
        parser.add_argument(
            "--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1)."
        )
        parser.add_argument("--numbers", type=int, default=200, help="Numbers per account.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same numbers.")
        parser.add_argument(
            "--accounts",
            default=DEFAULT_ACCOUNT,
            help=f"Comma-separated account sids (default {DEFAULT_ACCOUNT}).",
        )
        parser.add_argument(
            "--key",
            default=os.environ.get("EXOTEL_SIMULATOR_KEY", DEFAULT_KEY),
            help="API key clients must send (default: $EXOTEL_SIMULATOR_KEY or simkey).",
        )
        parser.add_argument(
            "--token",
            default=os.environ.get("EXOTEL_SIMULATOR_TOKEN", DEFAULT_TOKEN),
            help="API token clients must send (default: $EXOTEL_SIMULATOR_TOKEN or simtoken).",
        )
        parser.add_argument(
            "--latency", type=float, default=0.0, help="Seconds added to every response."
        )
        parser.add_argument(
            "--rate-limit",
            type=int,
            default=None,
            metavar="PER_MINUTE",
            help="Requests per account per minute before 429 (default: unlimited).",
        )
        parser.add_argument(
            "--tick-seconds",
            type=float,
            default=30.0,
            help="Seconds per connectivity tick: outages begin and end on ticks (default 30).",
        )
        parser.add_argument(
            "--freeze",
            action="store_true",
            help="Connectivity does not change over time (nor flows and prices).",
        )
        parser.add_argument(
            "--no-drift",
            action="store_true",
            help=(
                "Flows and prices never change by themselves (by default about 1 %% of the "
                "numbers, at least one, change a flow or their rental every 10 ticks)."
            ),
        )

        parser.add_argument(
            "--heartbeat-url",
            default=os.environ.get("EXOTEL_SIMULATOR_HEARTBEAT_URL", ""),
            help=(
                "POST Exotel's Heartbeat of the first account to this URL (default: "
                "$EXOTEL_SIMULATOR_HEARTBEAT_URL; unset: no heartbeat). It holds a secret: "
                "prefer the environment to the command line."
            ),
        )
        parser.add_argument(
            "--heartbeat-seconds",
            type=float,
            default=DEFAULT_EVERY_SECONDS,
            help=f"Seconds between two heartbeats (default {DEFAULT_EVERY_SECONDS:g}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = [sid.strip() for sid in options["accounts"].split(",") if sid.strip()]
        try:
            simulator = ExotelSimulator(
                numbers=options["numbers"],
                seed=options["seed"],
                accounts=accounts,
                key=options["key"],
                token=options["token"],
                latency=options["latency"],
                rate_limit_per_minute=options["rate_limit"],
                tick_seconds=options["tick_seconds"],
                evolve=not options["freeze"],
                drift=not options["no_drift"],
                host=options["host"],
                port=options["port"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None

        stopping = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            simulator.start()
        except OSError as error:
            raise CommandError(
                f"cannot listen on {options['host']}:{options['port']}: {error}"
            ) from None
        heartbeats = None
        if options["heartbeat_url"]:
            try:
                heartbeats = HeartbeatSender(
                    simulator,
                    account_sid=accounts[0],
                    url=options["heartbeat_url"],
                    every=options["heartbeat_seconds"],
                ).start()
            except ValueError as error:
                simulator.stop()
                raise CommandError(str(error)) from None
        try:
            self.stdout.write(
                f"Exotel simulator listening on {simulator.base_url} "
                f"({len(accounts)} account(s) x {options['numbers']} numbers, "
                f"seed {options['seed']}); EXOTEL_ACCOUNTS={simulator.exotel_accounts}"
            )
            self.stdout.flush()
            stopping.wait()
        finally:
            if heartbeats is not None:
                heartbeats.stop()
            simulator.stop()
