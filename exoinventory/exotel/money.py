"""Money as Exotel sends it ("499.000000", or 499.0 read as Decimal), never float."""

from decimal import Decimal, InvalidOperation

from exoinventory.exotel.quoting import quoted

# Exotel sends six decimal places. SQLite (the local run's database) keeps a
# decimal as a float, exact to 15 significant digits: 9 before the point keep
# every paisa there too. PostgreSQL's columns would hold 12.
PLACES = 6
MAX_WHOLE_DIGITS = 9


class MoneyError(ValueError):
    """A price that cannot be read exactly."""


def parse_money(value: object, *, field: str = "amount") -> Decimal:
    """Read a price exactly.

    The seeds show prices as decimal strings but type them "Double", so a
    JSON number may come too: the client reads those as Decimal
    (`parse_float=Decimal`) or int, and both are taken. A float has already
    lost paise, so it is refused rather than rounded; a bool is not a price.

    >>> parse_money("499.000000")
    Decimal('499.000000')
    >>> parse_money(Decimal("499.0"))
    Decimal('499.000000')
    """
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise MoneyError(
            f"{field}: expected a decimal string, an int or a Decimal, got {type(value).__name__}"
        )
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise MoneyError(f"{field}: {quoted(value)} is not a decimal number") from None
    if not amount.is_finite():
        raise MoneyError(f"{field}: {quoted(value)} is not a finite amount")
    if amount < 0:
        raise MoneyError(f"{field}: {quoted(value)} is negative")
    # Size first: quantising a huge amount to six places overflows the
    # decimal context and raises InvalidOperation instead of a MoneyError.
    if amount.adjusted() >= MAX_WHOLE_DIGITS:
        raise MoneyError(f"{field}: {quoted(value)} is too large")
    quantised = amount.quantize(Decimal(1).scaleb(-PLACES))
    if quantised != amount:
        raise MoneyError(f"{field}: {quoted(value)} has more than {PLACES} decimal places")
    return quantised


def shown_places(amount: Decimal) -> int:
    """Decimal places to show an amount with: at least two, and every non-zero
    one Exotel sent (499.000000 → 2, 0.250000 → 2, 0.012500 → 4)."""
    return max(2, -amount.normalize().as_tuple().exponent)
