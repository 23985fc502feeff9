"""Exotel payloads read into typed records.

Pure: no HTTP, no ORM. A record is refused (RecordError, one line naming the
field, so a skipped record can be explained in a sync run) only when it
cannot be told apart from the others: its sid or its phone number is
unusable. Any other field that is unusable is stored empty and named in the
record's `emptied`, so that the number stays in the inventory and the sync
run can count what it could not read.

"Unusable" is judged against the two API documents: a value of the wrong
type, unstorable text, or absent where the documents always show one. What
the documents allow is not unusable: a null flow URL (no flow), a capability
left out (the v2 form names only those a number has), null alternates.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit

from exoinventory.exotel.dates import ExotelDateError, parse_exotel_date, parse_rfc3339
from exoinventory.exotel.money import MoneyError, parse_money
from exoinventory.exotel.phones import PhoneNumberError, normalise_phone_number
from exoinventory.exotel.quoting import clipped, quoted

# Pulses are seconds to a minute. A "pulse" past a day is garbage, and one
# past the integer column would fail the whole sync instead of one field.
MAX_PULSE_SECONDS = 86_400
# Alternates are stored whole with every observation, and an observation is
# compared with the last on every sweep: an unbounded list from upstream
# would be stored and compared whole. Exotel documents no bound.
MAX_ALTERNATES = 20
# The longest way people write a phone number (+, spaces, dashes) is well
# under this; a longer "alternate" is not a number and would be stored whole.
MAX_ALTERNATE_LENGTH = 32
# Keys that may carry the number when alternates come as objects.
_ALTERNATE_KEYS = ("phone_number", "number", "exophone")

_T = TypeVar("_T")


class RecordError(ValueError):
    """An item from Exotel that cannot be stored as it is."""


class ExoPhoneNotFound(RecordError):
    """Exotel's detail endpoint says the number is not in the account (404)."""


@dataclass(frozen=True)
class ExoPhoneRecord:
    """The mirrored fields of one ExoPhone, typed (see models.ExoPhone for units).

    `emptied` names the fields (as the model names them) that Exotel sent
    unusable and that are therefore empty here: None, or "" for text.
    """

    sid: str
    phone_number: str
    friendly_name: str
    voice_capable: bool | None
    sms_capable: bool | None
    country: str
    region: str
    one_time_price: Decimal | None
    rental_price: Decimal | None
    incoming_rate: Decimal | None
    incoming_pulse: int | None
    currency: str
    number_type: str
    vanity_number: bool | None
    voice_url: str | None
    sms_url: str | None
    uri: str
    date_created: datetime | None
    date_updated: datetime | None
    emptied: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConnectivityObservation:
    """One direction's connectivity as the v2 detail endpoint reported it."""

    status: str
    checked_at: datetime | None
    alternates: tuple[str, ...] | None


@dataclass(frozen=True)
class ConnectivityReport:
    """A number's connectivity, stamped when Exotel's answer arrived
    (`observed_at`, aware UTC): Exotel's own `last_check_time` says when it
    last checked, not when we learnt it. `emptied` names the parts that were
    unusable and are empty, e.g. "incoming_call.alternate_exophone"."""

    sid: str
    incoming: ConnectivityObservation
    outgoing: ConnectivityObservation
    observed_at: datetime
    emptied: tuple[str, ...] = ()


@dataclass(frozen=True)
class SkippedRecord:
    """An item that was not stored, and why (one line, no credentials)."""

    sid: str | None
    reason: str


# What the field readers raise for an unusable value.
_UNUSABLE = (RecordError, MoneyError, ExotelDateError)


class _Emptied:
    """Reads fields one by one, turning an unusable one into its empty value
    and noting its name, so that one bad field costs that field alone."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def read(self, name: str, empty: _T, parse: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """parse(*args, **kwargs), or `empty` (and `name` noted) if unusable."""
        try:
            return parse(*args, **kwargs)
        except _UNUSABLE:
            self.names.append(name)
            return empty


def _storable(value: str, key: str) -> None:
    """Refuse text PostgreSQL cannot store: one such value would fail the
    whole account's write."""
    if "\x00" in value:
        raise RecordError(f"{key} holds a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RecordError(f"{key} is not valid Unicode") from None


def _text(value: object, key: str, *, limit: int) -> str:
    """A string, stripped, that fits its column."""
    if not isinstance(value, str):
        raise RecordError(f"{key} must be a string, got {type(value).__name__}")
    _storable(value, key)
    text = value.strip()
    if len(text) > limit:
        raise RecordError(f"{key} is longer than {limit} characters")
    return text


def _required_text(value: object, key: str, *, limit: int) -> str:
    if value is None:
        raise RecordError(f"{key} is missing")
    text = _text(value, key, limit=limit)
    if not text:
        raise RecordError(f"{key} is empty")
    return text


def _upper_text(value: object, key: str, *, limit: int) -> str:
    return _text(value, key, limit=limit).upper()


def _currency(value: object) -> str:
    currency = _text(value, "currency", limit=3).upper()
    if len(currency) != 3 or not (currency.isascii() and currency.isalpha()):
        raise RecordError(f"currency {quoted(currency)} is not a three-letter code")
    return currency


def _flow_url(value: object, key: str) -> str | None:
    """A flow URL; null (documented) and "" are both "no flow". Exotel's
    flows are http(s) URLs on its own hosts: anything else (`javascript:`,
    `data:`, a bare path) is not a flow, and must never reach a page, an
    export or a link as if it were one."""
    if value is None:
        return None
    url = _text(value, key, limit=1024)
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        raise RecordError(f"{key} {quoted(url)} is not a URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise RecordError(f"{key} {quoted(url)} is not an http(s) URL")
    return url


def _bool(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise RecordError(f"{key} must be true or false, got {quoted(value)}")
    return value


def _capability(capabilities: object, key: str) -> bool | None:
    """One capability; None when Exotel does not name it (the v2 form names
    only the capabilities the number has)."""
    if not isinstance(capabilities, dict):
        raise RecordError("capabilities must be an object")
    value = capabilities.get(key)
    return None if value is None else _bool(value, f"capabilities.{key}")


def _pulse(value: object) -> int:
    """Seconds per pulse, sent as "60", 60 or 60.0 (read as Decimal)."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise RecordError(f"incoming_pulse must be a number of seconds, got {type(value).__name__}")
    try:
        seconds = Decimal(value)
    except ArithmeticError:
        raise RecordError(f"incoming_pulse {quoted(value)} is not a number of seconds") from None
    if not seconds.is_finite() or seconds != seconds.to_integral():
        raise RecordError(f"incoming_pulse {quoted(value)} is not a whole number of seconds")
    if seconds < 0:
        raise RecordError(f"incoming_pulse {quoted(value)} is negative")
    if seconds > MAX_PULSE_SECONDS:
        raise RecordError(f"incoming_pulse {quoted(value)} is longer than a day")
    return int(seconds)


def parse_exophone(item: object, *, zone: str) -> ExoPhoneRecord:
    """A listing or detail item → ExoPhoneRecord, with unusable fields empty
    and named in `emptied`; RecordError only for an unusable sid or phone
    number (or an item that is not an object).

    `zone` is how the listing's zone-less dates are read.
    """
    if not isinstance(item, dict):
        raise RecordError(f"expected an object, got {type(item).__name__}")
    sid = _required_text(item.get("sid"), "sid", limit=64)
    try:
        phone_number = normalise_phone_number(
            _required_text(item.get("phone_number"), "phone_number", limit=255)
        )
    except PhoneNumberError as error:
        raise RecordError(f"phone_number: {error}") from None
    emptied = _Emptied()
    prices = {
        key: emptied.read(key, None, parse_money, item.get(key), field=key)
        for key in ("one_time_price", "rental_price", "incoming_rate")
    }
    incoming_pulse = emptied.read("incoming_pulse", None, _pulse, item.get("incoming_pulse"))
    currency = emptied.read("currency", "", _currency, item.get("currency"))
    texts = {
        key: emptied.read(key, "", read, item.get(key), key, limit=limit)
        for key, read, limit in (
            ("country", _upper_text, 2),
            ("region", _upper_text, 8),
            ("number_type", _text, 32),
            ("friendly_name", _text, 255),
            ("uri", _text, 512),
        )
    }
    flows = {
        key: emptied.read(key, None, _flow_url, item.get(key), key)
        for key in ("voice_url", "sms_url")
    }
    able = {
        f"{key}_capable": emptied.read(
            f"{key}_capable", None, _capability, item.get("capabilities"), key
        )
        for key in ("voice", "sms")
    }
    vanity_number = emptied.read(
        "vanity_number", None, _bool, item.get("vanity_number"), "vanity_number"
    )
    dates = {
        key: emptied.read(key, None, parse_exotel_date, item.get(key), zone=zone)
        for key in ("date_created", "date_updated")
    }
    return ExoPhoneRecord(
        sid=sid,
        phone_number=phone_number,
        incoming_pulse=incoming_pulse,
        currency=currency,
        vanity_number=vanity_number,
        emptied=tuple(emptied.names),
        **prices,
        **texts,
        **flows,
        **able,
        **dates,
    )


def _alternate(entry: object, key: str) -> str:
    """One alternate: a number as a string, or an object carrying one."""
    if isinstance(entry, dict):
        entry = next((entry[k] for k in _ALTERNATE_KEYS if entry.get(k) is not None), None)
    text = _text(entry, key, limit=MAX_ALTERNATE_LENGTH)
    if not text:
        raise RecordError(f"{key} holds an empty number")
    return text


def _alternates(value: object, key: str) -> tuple[str, ...] | None:
    """Null, a number, or a list of numbers or of objects carrying one. One
    unusable entry makes the list unusable; of a usable one, the first
    MAX_ALTERNATES are kept."""
    if value is None:
        return None
    entries = value if isinstance(value, list) else [value]
    numbers = [_alternate(entry, key) for entry in entries]
    # Exotel documents null for "no alternates"; [] says the same, and must
    # not split a run of identical observations.
    return tuple(numbers[:MAX_ALTERNATES]) or None


def _observation(block: object, name: str, emptied: _Emptied) -> ConnectivityObservation:
    """One direction. Without a status there is no observation (RecordError);
    an unusable check time or alternates are emptied and noted."""
    if not isinstance(block, dict):
        raise RecordError(f"connectivity.{name} is missing")
    status = block.get("status")
    if not isinstance(status, str) or not status.strip():
        raise RecordError(f"connectivity.{name}.status is missing")
    _storable(status, f"connectivity.{name}.status")
    checked_at = emptied.read(
        f"{name}.last_check_time", None, parse_rfc3339, block.get("last_check_time")
    )
    key = f"{name}.alternate_exophone"
    alternates = emptied.read(key, None, _alternates, block.get("alternate_exophone"), key)
    return ConnectivityObservation(
        status=status.strip()[:64], checked_at=checked_at, alternates=alternates
    )


def parse_detail_envelope(body: object, *, sid: str, observed_at: datetime) -> ConnectivityReport:
    """The v2 detail envelope → connectivity of one number, observed at
    `observed_at` (aware: when the answer arrived).

    The envelope is read whole: a failed item (its own `code`, `status` and
    `error_data`, as in an HTTP 207 partial success) or a null `data` is a
    RecordError carrying Exotel's own message.
    """
    if observed_at.utcoffset() is None:
        raise ValueError("observed_at must be an aware datetime")
    if not isinstance(body, dict) or not isinstance(body.get("response"), list):
        raise RecordError("the detail response has no 'response' list")
    items = [item for item in body["response"] if isinstance(item, dict)]
    if not items:
        raise RecordError("the detail response is empty")
    item = items[0]
    error = item.get("error_data")
    if item.get("status") != "success" or item.get("code") not in (200, None) or error:
        detail = ""
        if isinstance(error, dict):
            said = error.get("message") or error.get("description")
            detail = f": {clipped(error.get('code'))} {clipped(said)}"
        message = (
            f"Exotel answered {clipped(item.get('code'))} {clipped(item.get('status'))}{detail}"
        )
        if item.get("code") == 404:
            raise ExoPhoneNotFound(message)
        raise RecordError(message)
    # A successful item in an envelope whose own http_code is an error (not
    # 200, nor 207 for a partial success) is not trusted either.
    http_code = body.get("http_code")
    if isinstance(http_code, int) and http_code not in (200, 207):
        raise RecordError(f"Exotel answered http_code {http_code} around a successful item")
    data = item.get("data")
    if not isinstance(data, dict):
        raise RecordError("the detail item has no data")
    if data.get("sid") not in (None, sid):
        raise RecordError(f"asked for {sid} but Exotel answered for {data.get('sid')}")
    connectivity = data.get("connectivity")
    if not isinstance(connectivity, dict):
        raise RecordError("the detail item has no connectivity")
    emptied = _Emptied()
    incoming = _observation(connectivity.get("incoming_call"), "incoming_call", emptied)
    outgoing = _observation(connectivity.get("outgoing_call"), "outgoing_call", emptied)
    return ConnectivityReport(
        sid=sid,
        incoming=incoming,
        outgoing=outgoing,
        observed_at=observed_at.astimezone(UTC),
        emptied=tuple(emptied.names),
    )
