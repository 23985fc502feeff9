"""Exotel's two date formats, read into aware UTC datetimes."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from exoinventory.exotel.dates import (
    ExotelDateError,
    format_rfc3339,
    parse_exotel_date,
    parse_listing_date,
    parse_rfc3339,
)

IST = timezone(timedelta(hours=5, minutes=30))


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2018-08-22T12:22:49Z", datetime(2018, 8, 22, 12, 22, 49, tzinfo=UTC)),
        ("2018-08-22t12:22:49z", datetime(2018, 8, 22, 12, 22, 49, tzinfo=UTC)),
        ("2018-08-22T12:22:49+00:00", datetime(2018, 8, 22, 12, 22, 49, tzinfo=UTC)),
        ("2018-08-22T17:52:49+05:30", datetime(2018, 8, 22, 12, 22, 49, tzinfo=UTC)),
        ("2018-08-22T04:22:49-08:00", datetime(2018, 8, 22, 12, 22, 49, tzinfo=UTC)),
        ("2018-08-22T12:22:49.250Z", datetime(2018, 8, 22, 12, 22, 49, 250000, tzinfo=UTC)),
        ("2018-08-23T02:00:00+05:30", datetime(2018, 8, 22, 20, 30, tzinfo=UTC)),
    ],
)
def test_it_reads_rfc3339_into_utc(text: str, moment: datetime) -> None:
    parsed = parse_rfc3339(text)

    assert parsed == moment
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "2018-08-22T12:22:49",  # no zone
        "2018-08-22",  # no time
        "2018-08-22 12:22:49Z",  # listing layout with a zone
        "2018-08-32T12:22:49Z",
        "22/08/2018T12:22:49Z",
        "yesterday",
        "",
    ],
)
def test_it_refuses_what_is_not_rfc3339(text: str) -> None:
    with pytest.raises(ExotelDateError, match="RFC 3339"):
        parse_rfc3339(text)


@pytest.mark.parametrize("value", [None, 1534940569, datetime(2018, 8, 22, tzinfo=UTC)])
def test_it_refuses_a_value_that_is_not_a_string(value: object) -> None:
    with pytest.raises(ExotelDateError, match="expected an RFC 3339 date string"):
        parse_rfc3339(value)
    with pytest.raises(ExotelDateError, match="expected a 'YYYY-MM-DD HH:mm:ss' string"):
        parse_listing_date(value, zone="Asia/Kolkata")


@pytest.mark.parametrize(
    ("zone", "moment"),
    [
        ("Asia/Kolkata", datetime(2016, 3, 4, 12, 1, 50, tzinfo=UTC)),
        ("UTC", datetime(2016, 3, 4, 17, 31, 50, tzinfo=UTC)),
        ("Asia/Singapore", datetime(2016, 3, 4, 9, 31, 50, tzinfo=UTC)),
    ],
)
def test_it_reads_a_listing_date_in_the_zone_it_is_given(zone: str, moment: datetime) -> None:
    parsed = parse_listing_date("2016-03-04 17:31:50", zone=zone)

    assert parsed == moment
    assert parsed.utcoffset() == timedelta(0)


def test_it_reads_a_listing_date_in_a_zone_with_summer_time_by_its_season() -> None:
    winter = parse_listing_date("2016-01-04 17:31:50", zone="Europe/London")
    summer = parse_listing_date("2016-07-04 17:31:50", zone="Europe/London")

    assert winter == datetime(2016, 1, 4, 17, 31, 50, tzinfo=UTC)
    assert summer == datetime(2016, 7, 4, 16, 31, 50, tzinfo=UTC)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "../../etc/passwd"])
def test_it_refuses_an_unknown_zone(zone: str) -> None:
    with pytest.raises(ExotelDateError, match="is not a known time zone"):
        parse_listing_date("2016-03-04 17:31:50", zone=zone)


@pytest.mark.parametrize(
    "text", ["2016-03-04", "04-03-2016 17:31:50", "2016-02-30 10:00:00", "2016-03-04 25:00:00", ""]
)
def test_it_refuses_what_is_not_a_listing_date(text: str) -> None:
    with pytest.raises(ExotelDateError, match="is not a 'YYYY-MM-DD HH:mm:ss' date"):
        parse_listing_date(text, zone="Asia/Kolkata")


def test_either_format_is_read_by_its_shape() -> None:
    assert parse_exotel_date("2018-08-22T12:22:49Z", zone="Asia/Kolkata") == datetime(
        2018, 8, 22, 12, 22, 49, tzinfo=UTC
    )
    assert parse_exotel_date("2016-03-04 17:31:50", zone="Asia/Kolkata") == datetime(
        2016, 3, 4, 12, 1, 50, tzinfo=UTC
    )
    with pytest.raises(ExotelDateError):
        parse_exotel_date("not a date", zone="Asia/Kolkata")


def test_a_zero_date_is_not_a_listing_date() -> None:
    with pytest.raises(ExotelDateError, match="is not a 'YYYY-MM-DD HH:mm:ss' date"):
        parse_listing_date("0000-00-00 00:00:00", zone="Asia/Kolkata")


def test_year_one_in_the_listing_zone_is_a_date_error_not_an_overflow() -> None:
    # Midnight of 1 January, year 1, in IST is before datetime.min in UTC.
    with pytest.raises(ExotelDateError, match="in Asia/Kolkata is out of range"):
        parse_listing_date("0001-01-01 00:00:00", zone="Asia/Kolkata")


def test_year_9999_past_the_end_of_utc_is_a_date_error_not_an_overflow() -> None:
    with pytest.raises(ExotelDateError, match="out of range"):
        parse_rfc3339("9999-12-31T23:59:59-05:00")


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00Z", "0001-01-01T12:00:00+00:00", "9999-12-31T00:00:00Z"]
)
def test_an_instant_no_zone_could_show_is_a_date_error(text: str) -> None:
    # Stored, it would overflow when a page shows it in a zone far from UTC.
    with pytest.raises(ExotelDateError, match="out of range"):
        parse_exotel_date(text, zone="Asia/Kolkata")


def test_an_absurd_date_that_every_zone_can_show_is_kept() -> None:
    parsed = parse_rfc3339("0001-01-03T00:00:00Z")

    assert parsed == datetime(1, 1, 3, tzinfo=UTC)
    assert parsed.astimezone(timezone(timedelta(hours=-12))).year == 1


def test_it_writes_rfc3339_in_utc() -> None:
    moment = datetime(2018, 8, 22, 17, 52, 49, tzinfo=IST)

    assert format_rfc3339(moment) == "2018-08-22T12:22:49Z"
    assert parse_rfc3339(format_rfc3339(moment)) == moment
