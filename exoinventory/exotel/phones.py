"""Phone numbers in the forms people type them, reduced to E.164.

Exotel stores ExoPhones in E.164 (+911139585476). People type them as
+91 11 3958 5476, 011-39585476, 01139585476 or 1139585476.
"""

import re

from exoinventory.exotel.quoting import quoted

INDIA = "91"
_SEPARATORS = re.compile(r"[\s\-().]")


class PhoneNumberError(ValueError):
    """A string that cannot be a phone number."""


def normalise_phone_number(text: object, *, country_code: str = INDIA) -> str:
    """Return the E.164 form of `text`, taking a bare or trunk-prefixed national
    number (10 digits, or 0 and 10 digits) to be in `country_code`.

    >>> normalise_phone_number("011-3958 5476")
    '+911139585476'
    """
    # Exotel's JSON may carry a number as null or an int in a malformed record.
    if not isinstance(text, str):
        raise PhoneNumberError(f"expected a phone number string, got {type(text).__name__}")
    compact = _SEPARATORS.sub("", text.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    digits = compact.removeprefix("+")
    # str.isdigit() also accepts other scripts' digits ("१२३", "１２３"), which
    # would make an E.164 string that matches no stored number.
    if not (digits.isascii() and digits.isdigit()):
        raise PhoneNumberError(
            f"{quoted(text)} is not a phone number: only digits, +, spaces and dashes"
        )
    if compact.startswith("+"):
        if not 8 <= len(digits) <= 15:
            raise PhoneNumberError(
                f"{quoted(text)} is not a phone number: E.164 has 8 to 15 digits"
            )
        return compact
    if len(digits) == 11 and digits.startswith("0"):
        return f"+{country_code}{digits[1:]}"
    # A national number never starts with 0: "0113958547" is a digit short.
    if len(digits) == 10 and not digits.startswith("0"):
        return f"+{country_code}{digits}"
    if len(digits) == 12 and digits.startswith(country_code):
        return f"+{digits}"
    raise PhoneNumberError(
        f"{quoted(text)} is not a phone number: "
        f"expected +{country_code}…, 0 and 10 digits, or 10 digits"
    )


def phone_search_forms(text: str) -> list[str]:
    """E.164 candidates for a search box: the number typed, if it is one; else nothing."""
    try:
        return [normalise_phone_number(text)]
    except PhoneNumberError:
        return []
