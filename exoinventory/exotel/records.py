"""Exotel payloads read into typed records.

Pure: no HTTP, no ORM. Every reason a payload is refused is one line that
names the field, so a skipped record can be explained in a sync run.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from exoinventory.exotel.dates import ExotelDateError, parse_exotel_date, parse_rfc3339
from exoinventory.exotel.money import MoneyError, parse_money
from exoinventory.exotel.phones import PhoneNumberError, normalise_phone_number

# Pulses are seconds to a minute. A "pulse" past a day is garbage, and one
# past the integer column would fail the whole sync instead of one record.
MAX_PULSE_SECONDS = 86_400


class RecordError(ValueError):
    """An item from Exotel that cannot be stored as it is."""


class ExoPhoneNotFound(RecordError):
    """Exotel's detail endpoint says the number is not in the account (404)."""


@dataclass(frozen=True)
class ExoPhoneRecord:
    """The mirrored fields of one ExoPhone, typed (see models.ExoPhone for units)."""

    sid: str
    phone_number: str
    friendly_name: str
    voice_capable: bool | None
    sms_capable: bool | None
    country: str
    region: str
    one_time_price: Decimal
    rental_price: Decimal
    incoming_rate: Decimal
    incoming_pulse: int
    currency: str
    number_type: str
    vanity_number: bool | None
    voice_url: str | None
    sms_url: str | None
    uri: str
    date_created: datetime | None
    date_updated: datetime | None


@dataclass(frozen=True)
class ConnectivityObservation:
    """One direction's connectivity as the v2 detail endpoint reported it."""

    status: str
    checked_at: datetime | None
    alternates: tuple[str, ...] | None


@dataclass(frozen=True)
class ConnectivityReport:
    sid: str
    incoming: ConnectivityObservation
    outgoing: ConnectivityObservation


@dataclass(frozen=True)
class SkippedRecord:
    """An item that was not stored, and why (one line, no credentials)."""

    sid: str | None
    reason: str


def _storable(value: str, key: str) -> None:
    """Refuse text PostgreSQL cannot store: one such item would fail the whole
    account's write, where it should be skipped alone."""
    if "\x00" in value:
        raise RecordError(f"{key} holds a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RecordError(f"{key} is not valid Unicode") from None


def _text(item: dict[str, Any], key: str, *, required: bool = False, limit: int = 255) -> str:
    value = item.get(key)
    if value is None:
        if required:
            raise RecordError(f"{key} is missing")
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{key} must be a string, got {type(value).__name__}")
    _storable(value, key)
    if len(value) > limit:
        raise RecordError(f"{key} is longer than {limit} characters")
    if required and not value.strip():
        raise RecordError(f"{key} is empty")
    return value.strip()


def _optional_url(item: dict[str, Any], key: str) -> str | None:
    return _text(item, key, limit=1024) or None


def _optional_bool(mapping: dict[str, Any], key: str) -> bool | None:
    value = mapping.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise RecordError(f"{key} must be true or false, got {value!r}")


def _pulse(value: object) -> int:
    try:
        seconds = Decimal(str(value))
    except ArithmeticError:
        raise RecordError(f"incoming_pulse {value!r} is not a number of seconds") from None
    if isinstance(value, bool) or not seconds.is_finite() or seconds != seconds.to_integral():
        raise RecordError(f"incoming_pulse {value!r} is not a whole number of seconds")
    if seconds < 0:
        raise RecordError(f"incoming_pulse {value!r} is negative")
    if seconds > MAX_PULSE_SECONDS:
        raise RecordError(f"incoming_pulse {value!r} is longer than a day")
    return int(seconds)


def _date(item: dict[str, Any], key: str, zone: str) -> datetime | None:
    value = item.get(key)
    if value is None:
        return None
    try:
        return parse_exotel_date(value, zone=zone)
    except ExotelDateError as error:
        raise RecordError(f"{key}: {error}") from None


def parse_exophone(item: object, *, zone: str) -> ExoPhoneRecord:
    """A listing or detail item → ExoPhoneRecord; RecordError names what is wrong.

    `zone` is how the listing's zone-less dates are read.
    """
    if not isinstance(item, dict):
        raise RecordError(f"expected an object, got {type(item).__name__}")
    capabilities = item.get("capabilities")
    if capabilities is None:
        capabilities = {}
    if not isinstance(capabilities, dict):
        raise RecordError("capabilities must be an object")
    try:
        phone_number = normalise_phone_number(_text(item, "phone_number", required=True))
    except PhoneNumberError as error:
        raise RecordError(f"phone_number: {error}") from None
    try:
        prices = {
            key: parse_money(item.get(key), field=key)
            for key in ("one_time_price", "rental_price", "incoming_rate")
        }
    except MoneyError as error:
        raise RecordError(str(error)) from None
    currency = _text(item, "currency", required=True, limit=3).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise RecordError(f"currency {currency!r} is not a three-letter code")
    return ExoPhoneRecord(
        sid=_text(item, "sid", required=True, limit=64),
        phone_number=phone_number,
        friendly_name=_text(item, "friendly_name"),
        voice_capable=_optional_bool(capabilities, "voice"),
        sms_capable=_optional_bool(capabilities, "sms"),
        country=_text(item, "country", limit=2).upper(),
        region=_text(item, "region", limit=8).upper(),
        currency=currency,
        incoming_pulse=_pulse(item.get("incoming_pulse")),
        number_type=_text(item, "number_type", limit=32),
        vanity_number=_optional_bool(item, "vanity_number"),
        voice_url=_optional_url(item, "voice_url"),
        sms_url=_optional_url(item, "sms_url"),
        uri=_text(item, "uri", limit=512),
        date_created=_date(item, "date_created", zone),
        date_updated=_date(item, "date_updated", zone),
        **prices,
    )


def _observation(block: object, name: str) -> ConnectivityObservation:
    if not isinstance(block, dict):
        raise RecordError(f"connectivity.{name} is missing")
    status = block.get("status")
    if not isinstance(status, str) or not status.strip():
        raise RecordError(f"connectivity.{name}.status is missing")
    _storable(status, f"connectivity.{name}.status")
    checked = block.get("last_check_time")
    try:
        checked_at = parse_rfc3339(checked) if checked is not None else None
    except ExotelDateError as error:
        raise RecordError(f"connectivity.{name}.last_check_time: {error}") from None
    alternates = block.get("alternate_exophone")
    if alternates is not None:
        if isinstance(alternates, str):
            alternates = [alternates]
        if not isinstance(alternates, list) or not all(isinstance(a, str) for a in alternates):
            raise RecordError(f"connectivity.{name}.alternate_exophone must be a list of numbers")
        for alternate in alternates:
            _storable(alternate, f"connectivity.{name}.alternate_exophone")
        # Exotel documents null for "no alternates"; [] says the same, and must
        # not split a run of identical observations.
        alternates = tuple(alternates) or None
    return ConnectivityObservation(
        status=status.strip()[:64], checked_at=checked_at, alternates=alternates
    )


def parse_detail_envelope(body: object, *, sid: str) -> ConnectivityReport:
    """The v2 detail envelope → connectivity of one number.

    The envelope is read whole: a failed item (its own `code`, `status` and
    `error_data`, as in an HTTP 207 partial success) or a null `data` is a
    RecordError carrying Exotel's own message.
    """
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
            detail = f": {error.get('code')} {error.get('message') or error.get('description')}"
        message = f"Exotel answered {item.get('code')} {item.get('status')}{detail}"
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
    return ConnectivityReport(
        sid=sid,
        incoming=_observation(connectivity.get("incoming_call"), "incoming_call"),
        outgoing=_observation(connectivity.get("outgoing_call"), "outgoing_call"),
    )
