"""Money as Exotel sends it, read exactly into Decimal."""

from decimal import Decimal

import pytest

from exoinventory.exotel.money import MoneyError, parse_money


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("499.000000", "499.000000"),
        ("1499.50", "1499.500000"),
        ("0.000001", "0.000001"),
        ("0", "0.000000"),
        (" 12.5 ", "12.500000"),
        ("999999999.999999", "999999999.999999"),
        ("1.5000000", "1.500000"),  # a seventh place that is zero loses nothing
    ],
)
def test_it_reads_a_decimal_string_exactly(sent: str, read: str) -> None:
    amount = parse_money(sent)

    assert isinstance(amount, Decimal)
    assert str(amount) == read


def test_it_reads_an_int() -> None:
    assert str(parse_money(499)) == "499.000000"


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        # json.loads(..., parse_float=Decimal) of 499.0, 0.25, 1499.5 and 1e2
        (Decimal("499.0"), "499.000000"),
        (Decimal("0.25"), "0.250000"),
        (Decimal("1499.5"), "1499.500000"),
        (Decimal("1E+2"), "100.000000"),
    ],
)
def test_a_price_sent_as_a_json_number_is_read_exactly(sent: Decimal, read: str) -> None:
    amount = parse_money(sent)

    assert isinstance(amount, Decimal)
    assert str(amount) == read


def test_exotels_six_places_add_up_without_drift() -> None:
    total = sum((parse_money("0.100000") for _ in range(10)), Decimal(0))

    assert total == Decimal("1.000000")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (499.0, "expected a decimal string, an int or a Decimal, got float"),
        (0.1, "got float"),
        (None, "got NoneType"),
        (True, "got bool"),
        (False, "got bool"),
        ([499], "got list"),
        (Decimal("NaN"), "is not a finite amount"),
        (Decimal("-1.5"), "is negative"),
        (Decimal("1E+400"), "too large"),
        (Decimal("0.1234567"), "more than 6 decimal places"),
        ("abc", "is not a decimal number"),
        ("", "is not a decimal number"),
        ("1,499.50", "is not a decimal number"),
        ("₹499", "is not a decimal number"),
        ("NaN", "is not a finite amount"),
        ("sNaN", "is not a finite amount"),
        ("Infinity", "is not a finite amount"),
        ("-1", "is negative"),
        ("-0.000001", "is negative"),
        (-5, "is negative"),
        ("1.0000001", "more than 6 decimal places"),
        ("0.0000001", "more than 6 decimal places"),
        ("1000000000", "too large"),
        ("1000000000.000001", "too large"),
        ("1e30", "too large"),
        ("99999999999999999999999", "too large"),
        (10**40, "too large"),
    ],
)
def test_it_refuses_what_it_cannot_read_exactly_and_says_why(value: object, reason: str) -> None:
    with pytest.raises(MoneyError, match=reason):
        parse_money(value)


def test_its_error_names_the_field() -> None:
    with pytest.raises(MoneyError, match=r"^rental_price: 'abc' is not a decimal number$"):
        parse_money("abc", field="rental_price")
