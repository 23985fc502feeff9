"""Phone numbers in the forms people type them, reduced to E.164."""

import pytest

from exoinventory.exotel.phones import (
    PhoneNumberError,
    normalise_phone_number,
    phone_search_forms,
)


@pytest.mark.parametrize(
    "typed",
    [
        "+911139585476",
        "+91 11 3958 5476",
        "+91-11-3958-5476",
        "+91 (11) 3958-5476",
        "011-3958 5476",
        "01139585476",
        "0 11 39585476",
        "1139585476",
        "11 3958 5476",
        "(011) 3958 5476",
        "011.3958.5476",
        "0091 11 3958 5476",
        "00911139585476",
        "911139585476",
        "  011 3958 5476\t",
    ],
)
def test_it_reads_every_common_form_of_an_indian_number(typed: str) -> None:
    assert normalise_phone_number(typed) == "+911139585476"


def test_it_reads_a_mobile_number() -> None:
    assert normalise_phone_number("098450 12345") == "+919845012345"


def test_it_keeps_another_countrys_e164_number() -> None:
    assert normalise_phone_number("+44 20 7946 0958") == "+442079460958"


def test_it_reads_a_national_number_in_the_country_it_is_given() -> None:
    assert normalise_phone_number("020 7946 0958", country_code="44") == "+442079460958"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "only digits"),
        ("   ", "only digits"),
        ("Delhi support", "only digits"),
        ("+91 11 3958 547x", "only digits"),
        ("++911139585476", "only digits"),
        ("011/3958/5476", "only digits"),
        ("१२३४५६७८९०", "only digits"),  # Devanagari digits
        ("１１３９５８５４７６", "only digits"),  # full-width digits
        ("+1234567", "8 to 15 digits"),
        ("+1234567890123456", "8 to 15 digits"),
        ("39585476", r"expected \+91"),
        ("113958547", r"expected \+91"),
        ("0113958547", r"expected \+91"),
        ("1113958547612", r"expected \+91"),
    ],
)
def test_it_refuses_what_is_not_a_phone_number_and_says_why(value: str, reason: str) -> None:
    with pytest.raises(PhoneNumberError, match=reason) as error:
        normalise_phone_number(value)

    assert repr(value) in str(error.value)


@pytest.mark.parametrize("value", [None, 1139585476, 91.0, ["+911139585476"]])
def test_it_refuses_a_value_that_is_not_a_string(value: object) -> None:
    with pytest.raises(PhoneNumberError, match="expected a phone number string"):
        normalise_phone_number(value)


def test_search_forms_of_a_typed_number_are_its_e164_form() -> None:
    assert phone_search_forms("011-3958 5476") == ["+911139585476"]


@pytest.mark.parametrize("typed", ["Delhi support", "3958", "", "start_voice/12"])
def test_search_forms_of_anything_else_are_none(typed: str) -> None:
    assert phone_search_forms(typed) == []
