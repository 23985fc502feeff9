"""Exotel's two date formats, read into aware UTC datetimes.

- v2 (detail with connectivity): RFC 3339, "2018-08-22T12:22:49Z".
- v2_beta (listing): no zone, "2016-03-04 17:31:50", read in a zone the
  caller names (EXOTEL_LISTING_TIME_ZONE, IST by default).
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_LISTING_FORMAT = "%Y-%m-%d %H:%M:%S"


class ExotelDateError(ValueError):
    """A date that is in neither of Exotel's formats."""


def parse_rfc3339(text: object) -> datetime:
    """'2018-08-22T12:22:49Z' (or with an offset) → aware UTC datetime."""
    if not isinstance(text, str):
        raise ExotelDateError(f"expected an RFC 3339 date string, got {type(text).__name__}")
    try:
        # RFC 3339 allows a lower-case 't' and 'z'; fromisoformat does not.
        parsed = datetime.fromisoformat(text.strip().upper())
    except ValueError:
        raise ExotelDateError(f"{text!r} is not an RFC 3339 date") from None
    if "T" not in text.upper() or parsed.tzinfo is None:
        raise ExotelDateError(f"{text!r} is not an RFC 3339 date (needs a time and a zone)")
    return parsed.astimezone(UTC)


def parse_listing_date(text: object, *, zone: str) -> datetime:
    """'2016-03-04 17:31:50', read in `zone` → aware UTC datetime."""
    if not isinstance(text, str):
        raise ExotelDateError(f"expected a 'YYYY-MM-DD HH:mm:ss' string, got {type(text).__name__}")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ExotelDateError(f"{zone!r} is not a known time zone") from None
    try:
        naive = datetime.strptime(text.strip(), _LISTING_FORMAT)
    except ValueError:
        raise ExotelDateError(f"{text!r} is not a 'YYYY-MM-DD HH:mm:ss' date") from None
    return naive.replace(tzinfo=tz).astimezone(UTC)


def parse_exotel_date(text: object, *, zone: str) -> datetime:
    """Either format: RFC 3339 if it carries a 'T', else the listing format."""
    if isinstance(text, str) and "T" in text.upper():
        return parse_rfc3339(text)
    return parse_listing_date(text, zone=zone)


def format_rfc3339(moment: datetime) -> str:
    """Aware datetime → '2018-08-22T12:22:49Z' (UTC), the form pages and history use."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
