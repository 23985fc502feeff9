"""Exotel's two date formats, read into aware UTC datetimes.

- v2 (detail with connectivity): RFC 3339, "2018-08-22T12:22:49Z".
- v2_beta (listing): no zone, "2016-03-04 17:31:50", read in a zone the
  caller names (EXOTEL_LISTING_TIME_ZONE, IST by default).

ExotelDateError is the only exception these parsers raise: a date is one
field of one record, and an unreadable one must empty that field, never
fail the account's sync.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exoinventory.exotel.quoting import quoted

_LISTING_FORMAT = "%Y-%m-%d %H:%M:%S"
# A stored date must be shown in any zone (TIME_ZONE is configurable): within
# a day of datetime's limits, converting it to a zone far from UTC overflows
# when a page renders it. "0001-01-01T00:00:00Z" is such a placeholder.
_EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
_LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


class ExotelDateError(ValueError):
    """A date that is in neither of Exotel's formats, or no instant a page can show."""


def _in_range(moment: datetime, text: str) -> datetime:
    if not _EARLIEST <= moment <= _LATEST:
        raise ExotelDateError(f"{quoted(text)} is out of range")
    return moment


def parse_rfc3339(text: object) -> datetime:
    """'2018-08-22T12:22:49Z' (or with an offset) → aware UTC datetime."""
    if not isinstance(text, str):
        raise ExotelDateError(f"expected an RFC 3339 date string, got {type(text).__name__}")
    try:
        # RFC 3339 allows a lower-case 't' and 'z'; fromisoformat does not.
        parsed = datetime.fromisoformat(text.strip().upper())
    except ValueError:
        raise ExotelDateError(f"{quoted(text)} is not an RFC 3339 date") from None
    if "T" not in text.upper() or parsed.tzinfo is None:
        raise ExotelDateError(f"{quoted(text)} is not an RFC 3339 date (needs a time and a zone)")
    try:
        # "9999-12-31T23:59:59-05:00" is past datetime.max in UTC.
        moment = parsed.astimezone(UTC)
    except OverflowError:
        raise ExotelDateError(f"{quoted(text)} is out of range") from None
    return _in_range(moment, text)


def parse_listing_date(text: object, *, zone: str) -> datetime:
    """'2016-03-04 17:31:50', read in `zone` → aware UTC datetime."""
    if not isinstance(text, str):
        raise ExotelDateError(f"expected a 'YYYY-MM-DD HH:mm:ss' string, got {type(text).__name__}")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ExotelDateError(f"{quoted(zone)} is not a known time zone") from None
    try:
        # "0000-00-00 00:00:00", a common "no date", has no month 0.
        naive = datetime.strptime(text.strip(), _LISTING_FORMAT)
    except ValueError:
        raise ExotelDateError(f"{quoted(text)} is not a 'YYYY-MM-DD HH:mm:ss' date") from None
    try:
        # "0001-01-01 00:00:00" in IST is before datetime.min in UTC.
        moment = naive.replace(tzinfo=tz).astimezone(UTC)
    except OverflowError:
        raise ExotelDateError(f"{quoted(text)} in {zone} is out of range") from None
    return _in_range(moment, text)


def parse_exotel_date(text: object, *, zone: str) -> datetime:
    """Either format: RFC 3339 if it carries a 'T', else the listing format."""
    if isinstance(text, str) and "T" in text.upper():
        return parse_rfc3339(text)
    return parse_listing_date(text, zone=zone)


def format_rfc3339(moment: datetime) -> str:
    """Aware datetime → '2018-08-22T12:22:49Z' (UTC), the form pages and history use."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
