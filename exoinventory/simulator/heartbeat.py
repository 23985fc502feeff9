"""The simulator's Exotel Heartbeat: every `every` seconds, a POST of one
account's heartbeat (the body of Exotel's developer docs, from the
simulator's connectivity now) to a URL, as Exotel does once the customer
set it in the dashboard. No Django: the local run points it at its own
web app (exoinventory.localrun).
"""

import json
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from exoinventory.simulator.data import ACTIVE, DIRECTIONS
from exoinventory.simulator.state import SimulatorState

DEFAULT_EVERY_SECONDS = 60.0
# Exotel waits 15 s for an answer.
TIMEOUT_SECONDS = 15.0


def heartbeat_body(state: SimulatorState, account_sid: str) -> dict[str, Any]:
    """The account's heartbeat now: every current number in `data`, those not
    active in a direction among that direction's affected sids."""
    numbers = state.numbers(account_sid)
    affected: dict[str, list[str]] = {direction: [] for direction in DIRECTIONS}
    for item in numbers:
        block = state.connectivity(account_sid, item["sid"])
        for direction, key in DIRECTIONS.items():
            if block[key]["status"] != ACTIVE:
                affected[direction].append(item["sid"])
    down = set(affected["incoming"]) | set(affected["outgoing"])
    all_down = bool(numbers) and all(
        len(affected[direction]) == len(numbers) for direction in DIRECTIONS
    )
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "status_type": "CRITICAL" if all_down else "WARNING" if down else "OK",
        "incoming_affected": affected["incoming"],
        "outgoing_affected": affected["outgoing"],
        "data": {item["sid"]: {"phone_number": item["phone_number"]} for item in numbers},
    }


class HeartbeatSender:
    """Sends the heartbeat of `account_sid` to `url` now and every `every`
    seconds, in a background thread, until stopped. A failed POST (the web
    app not up yet) is counted and the next one comes at its time."""

    def __init__(
        self,
        state: SimulatorState,
        *,
        account_sid: str,
        url: str,
        every: float = DEFAULT_EVERY_SECONDS,
    ) -> None:
        if every <= 0:
            raise ValueError("the heartbeat period must be above 0 seconds")
        self.state = state
        self.account_sid = account_sid
        self.url = url
        self.every = every
        self.sent = 0
        self.failed = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def send(self) -> int | None:
        """POST one heartbeat now; its HTTP status, or None when none came."""
        body = json.dumps(heartbeat_body(self.state, self.account_sid)).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the local run's own
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            self.failed += 1
            return None
        if 200 <= status < 300:
            self.sent += 1
        else:
            self.failed += 1
        return status

    def start(self) -> "HeartbeatSender":
        self._thread = threading.Thread(target=self._run, name="exotel-heartbeat", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            self.send()
            self._stopping.wait(self.every)
