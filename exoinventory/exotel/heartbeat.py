"""Exotel's Heartbeat: EXOTEL_HEARTBEAT_TOKENS, and a heartbeat's body read
into a typed report.

Pure: no Django. Exotel POSTs a heartbeat for every ExoPhone of an account
to the URL the customer set; no signature is documented, so the URL carries
a secret in its path, one per account. The body, per Exotel's developer
docs ("heart-beat", "heartbeat-webhook"):

- `timestamp`: RFC 3339;
- `status_type`: OK (all healthy), WARNING (one or more affected), CRITICAL
  (all affected), PAYLOAD_TOO_LARGE (over 10 MB: fall back to the API);
- `incoming_affected`, `outgoing_affected`: lists of ExoPhone sids (they
  often look like 0-prefixed national numbers, but they are sids);
- `data`: an object keyed by sid whose entries carry at least `phone_number`.

Errors never quote a secret; a body's values are quoted cut (quoting.quoted).
"""

import json
from dataclasses import dataclass
from datetime import datetime

from exoinventory.exotel.dates import ExotelDateError, parse_rfc3339
from exoinventory.exotel.quoting import quoted

# Over this, Exotel sends PAYLOAD_TOO_LARGE instead of the lists.
MAX_BODY_BYTES = 10 * 1024 * 1024
STATUS_TYPES = ("OK", "WARNING", "CRITICAL", "PAYLOAD_TOO_LARGE")
# The longest sid stored (ExoPhone.sid); a longer one is none of ours.
LONGEST_SID = 64
# A secret is a path segment anyone may try: long, random, and URL-safe.
SHORTEST_SECRET = 32
FEWEST_DISTINCT_CHARACTERS = 10
_URL_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class HeartbeatConfigError(ValueError):
    """EXOTEL_HEARTBEAT_TOKENS cannot be used. The message never holds a secret."""


class HeartbeatError(ValueError):
    """A heartbeat body that cannot be read: one line saying why."""


def parse_heartbeat_tokens(value: str, *, account_sids: list[str] | None) -> dict[str, str]:
    """Read EXOTEL_HEARTBEAT_TOKENS: comma-separated ACCOUNT_SID=SECRET, one
    per account, into {account sid: secret}. `account_sids`: the accounts of
    EXOTEL_ACCOUNTS (None when it cannot be read: its own check says so)."""
    tokens: dict[str, str] = {}
    entries = [entry.strip() for entry in value.split(",")]
    for position, entry in enumerate(entries, start=1):
        where = f"EXOTEL_HEARTBEAT_TOKENS entry {position}"
        if not entry:
            if len(entries) > 1:
                raise HeartbeatConfigError(f"{where} is empty")
            continue
        sid, equals, secret = (part.strip() for part in entry.partition("="))
        if not equals or not sid or not secret:
            raise HeartbeatConfigError(f"{where} is not ACCOUNT_SID=SECRET")
        where = f"{where} (account {quoted(sid)})"
        if account_sids is not None and sid not in account_sids:
            raise HeartbeatConfigError(f"{where}: the account is not in EXOTEL_ACCOUNTS")
        if sid in tokens:
            raise HeartbeatConfigError(f"{where}: the account has a secret already")
        if (
            len(secret) < SHORTEST_SECRET
            or not set(secret) <= _URL_SAFE
            or len(set(secret)) < FEWEST_DISTINCT_CHARACTERS
        ):
            raise HeartbeatConfigError(
                f"{where}: the secret must be at least {SHORTEST_SECRET} random letters, digits,"
                f" '-' and '_' (make one with: {GENERATE})"
            )
        if secret in tokens.values():
            raise HeartbeatConfigError(f"{where}: the secret is another account's too")
        tokens[sid] = secret
    return tokens


@dataclass(frozen=True)
class HeartbeatReport:
    """One heartbeat as Exotel sent it."""

    timestamp: datetime
    status_type: str
    incoming_affected: frozenset[str]
    outgoing_affected: frozenset[str]
    # Every sid the body names: the keys of `data` and both lists.
    sids: frozenset[str]

    @property
    def observes(self) -> bool:
        """Whether it tells each number's status (PAYLOAD_TOO_LARGE does not)."""
        return self.status_type != "PAYLOAD_TOO_LARGE"

    def affected(self, direction: str, sid: str) -> bool:
        """Whether the number is affected for `direction` (incoming/outgoing):
        CRITICAL means every number, whatever the lists say."""
        if self.status_type == "CRITICAL":
            return True
        listed = self.incoming_affected if direction == "incoming" else self.outgoing_affected
        return sid in listed

    def as_message(self) -> dict[str, object]:
        """The report as JSON values, for a queued task (from_message reads it
        back): the sids only, not the body's `data` entries."""
        return {
            "timestamp": self.timestamp.isoformat(),
            "status_type": self.status_type,
            "incoming_affected": sorted(self.incoming_affected),
            "outgoing_affected": sorted(self.outgoing_affected),
            "sids": sorted(self.sids),
        }

    @classmethod
    def from_message(cls, message: dict[str, object]) -> "HeartbeatReport":
        """The report as_message wrote, equal to the one it was made from."""
        return cls(
            timestamp=datetime.fromisoformat(message["timestamp"]),
            status_type=message["status_type"],
            incoming_affected=frozenset(message["incoming_affected"]),
            outgoing_affected=frozenset(message["outgoing_affected"]),
            sids=frozenset(message["sids"]),
        )


def _sids(body: dict[str, object], key: str) -> frozenset[str]:
    value = body.get(key)
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise HeartbeatError(f"{key} must be a list of sids, not {type(value).__name__}")
    for sid in value:
        if not isinstance(sid, str) or not sid:
            raise HeartbeatError(f"{key} must hold sids as strings, not {quoted(sid)}")
    return frozenset(value)


def parse_heartbeat(body: bytes) -> HeartbeatReport:
    """A heartbeat's body → HeartbeatReport, or HeartbeatError saying what is wrong."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise HeartbeatError("the body is not JSON") from None
    if not isinstance(data, dict):
        raise HeartbeatError(f"the body must be a JSON object, not {type(data).__name__}")
    try:
        timestamp = parse_rfc3339(data.get("timestamp"))
    except ExotelDateError as error:
        raise HeartbeatError(f"timestamp: {error}") from None
    status_type = data.get("status_type")
    if status_type not in STATUS_TYPES:
        raise HeartbeatError(
            f"status_type must be one of {', '.join(STATUS_TYPES)}, not {quoted(status_type)}"
        )
    entries = data.get("data")
    if entries is None:
        entries = {}
    if not isinstance(entries, dict):
        raise HeartbeatError(f"data must be an object keyed by sid, not {type(entries).__name__}")
    for sid, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("phone_number"), str):
            raise HeartbeatError(f"data[{quoted(sid)}] must be an object with a phone_number")
    incoming = _sids(data, "incoming_affected")
    outgoing = _sids(data, "outgoing_affected")
    return HeartbeatReport(
        timestamp=timestamp,
        status_type=status_type,
        incoming_affected=incoming,
        outgoing_affected=outgoing,
        sids=frozenset(entries) | incoming | outgoing,
    )
