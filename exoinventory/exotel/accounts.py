"""EXOTEL_ACCOUNTS: account URLs read into accounts.

Pure: no Django. Errors name an entry by position, host and sid, never by
its key or token.
"""

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

EXOTEL_HOSTS = {
    "api.exotel.com": "Singapore",
    "api.in.exotel.com": "Mumbai",
}


class ExotelConfigError(ValueError):
    """EXOTEL_ACCOUNTS cannot be read. The message never holds a key or token."""


@dataclass(frozen=True)
class ExotelAccount:
    """One configured account. The key and token stay out of repr() and str()."""

    sid: str
    scheme: str
    host: str
    port: int | None
    key: str = field(repr=False)
    token: str = field(repr=False)

    @property
    def api_host(self) -> str:
        # An IPv6 literal (a simulator on [::1]) is bracketed in a URL.
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port else host

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.api_host}"

    def __str__(self) -> str:
        return f"{self.sid}@{self.api_host}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_accounts(value: str) -> list[ExotelAccount]:
    """Read EXOTEL_ACCOUNTS: comma-separated https://KEY:TOKEN@HOST[:PORT]/SID.

    HOST is one of Exotel's clusters, or a loopback address (the simulator,
    which may use plain http). Errors name the entry by position, host and
    sid, never by its credentials.
    """
    accounts: list[ExotelAccount] = []
    entries = [entry.strip() for entry in value.split(",")]
    for position, entry in enumerate(entries, start=1):
        if not entry:
            if len(entries) > 1:
                raise ExotelConfigError(f"EXOTEL_ACCOUNTS entry {position} is empty")
            continue
        accounts.append(_parse_account(entry, position))
    sids = [account.sid for account in accounts]
    duplicated = sorted({sid for sid in sids if sids.count(sid) > 1})
    if duplicated:
        raise ExotelConfigError(f"EXOTEL_ACCOUNTS names account {duplicated[0]} more than once")
    return accounts


_NOT_A_URL = "is not a URL like https://KEY:TOKEN@HOST/ACCOUNT_SID"


def _parse_account(entry: str, position: int) -> ExotelAccount:
    try:
        parts = urlsplit(entry)
    except ValueError:
        raise ExotelConfigError(f"EXOTEL_ACCOUNTS entry {position} {_NOT_A_URL}") from None
    # An '@' outside the netloc means urlsplit did not find the credentials
    # where they belong (no scheme, or an unencoded '/', '?' or '#' in them):
    # the host and path it found may then hold them, so neither is named.
    if entry.count("@") != parts.netloc.count("@"):
        raise ExotelConfigError(
            f"EXOTEL_ACCOUNTS entry {position} {_NOT_A_URL}"
            " (percent-encode '/', '?', '#', '@', ':' and '%' in the key and token)"
        )
    try:
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise ExotelConfigError(f"EXOTEL_ACCOUNTS entry {position} {_NOT_A_URL}") from None
    if not parts.netloc:
        # Without "//" the "scheme" and path are whatever came first, possibly
        # the key and token ("KEY:TOKEN"): name nothing of the entry.
        raise ExotelConfigError(f"EXOTEL_ACCOUNTS entry {position} {_NOT_A_URL}")
    sid = parts.path.strip("/")
    where = f"EXOTEL_ACCOUNTS entry {position} (host {host or '?'}, account {sid or '?'})"
    if parts.scheme not in ("https", "http"):
        raise ExotelConfigError(f"{where}: the URL must start with https://")
    loopback = _is_loopback(host)
    if parts.scheme == "http" and not loopback:
        raise ExotelConfigError(f"{where}: plain http is only for a simulator on loopback")
    if host not in EXOTEL_HOSTS and not loopback:
        known = " or ".join(EXOTEL_HOSTS)
        raise ExotelConfigError(f"{where}: the host must be {known} (or a loopback simulator)")
    if not sid or "/" in sid:
        raise ExotelConfigError(f"{where}: the path must be the account sid alone")
    if not parts.username or not parts.password:
        raise ExotelConfigError(f"{where}: the URL needs KEY:TOKEN@ before the host")
    if parts.query or parts.fragment:
        raise ExotelConfigError(f"{where}: the URL must not have a query or fragment")
    key, token = unquote(parts.username), unquote(parts.password)
    # HTTP basic auth sends them as Latin-1 bytes: anything else would fail
    # at the first request, inside a traceback. Exotel's are ASCII.
    if not all(_printable_ascii(text) for text in (sid, key, token)):
        raise ExotelConfigError(
            f"{where}: the account sid, key and token must be printable ASCII"
            " (letters, digits and punctuation, no spaces)"
        )
    return ExotelAccount(sid=sid, scheme=parts.scheme, host=host, port=port, key=key, token=token)


def _printable_ascii(text: str) -> bool:
    return text.isascii() and text.isprintable() and " " not in text
