"""What a message quotes of a bad value is bounded and printable: a 1 MB
price or a NUL byte never reaches a log line, SyncRun.error or the console whole."""

import pytest

from exoinventory.exotel.dates import ExotelDateError, parse_listing_date, parse_rfc3339
from exoinventory.exotel.money import MoneyError, parse_money
from exoinventory.exotel.phones import PhoneNumberError, normalise_phone_number
from exoinventory.exotel.quoting import quoted

HUGE = "9" * 1_000_000


def test_a_short_value_is_quoted_whole() -> None:
    assert quoted("49.5x") == "'49.5x'"


def test_a_long_value_is_cut_and_says_how_long_it_was() -> None:
    shown = quoted(HUGE)

    assert shown == "'" + "9" * 59 + "… (1,000,000 long)"


def test_control_characters_are_escaped() -> None:
    assert quoted("1\x00\n2") == "'1\\x00\\n2'"


@pytest.mark.parametrize(
    ("parse", "error"),
    [
        (lambda value: parse_money(value, field="rental_price"), MoneyError),
        (normalise_phone_number, PhoneNumberError),
        (parse_rfc3339, ExotelDateError),
        (lambda value: parse_listing_date(value, zone="Asia/Kolkata"), ExotelDateError),
    ],
)
@pytest.mark.parametrize("value", ["x" + HUGE, "<script>" * 100_000, "\x00" * 1000])
def test_every_reader_quotes_a_huge_bad_value_in_under_200_characters(
    parse, error: type[Exception], value: str
) -> None:
    with pytest.raises(error) as raised:
        parse(value)

    message = str(raised.value)
    assert len(message) < 200
    assert "\x00" not in message and "\n" not in message
