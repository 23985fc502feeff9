"""How the admin pages show statuses, money and circles."""

from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString

from exoinventory.numbers.models import ConnectivityStatus

NOT_OBSERVED = "not observed"


def status_label(status: str) -> str:
    """Exotel's word as a label; a word we do not know is shown as sent."""
    if not status:
        return NOT_OBSERVED
    if status in ConnectivityStatus.values:
        return str(ConnectivityStatus(status).label)
    return status


def status_badge(status: str, label: str | None = None) -> SafeString:
    """A badge in the status's colour, labelled `label` or the status itself."""
    return format_html(
        '<span class="exo-badge" style="background-color: {}">{}</span>',
        ConnectivityStatus.colour(status),
        label or status_label(status),
    )


def money(amount: Decimal, currency: str) -> str:
    """'INR 1,499.50': at least two places, and every non-zero one Exotel sent."""
    places = max(2, -amount.normalize().as_tuple().exponent)
    return f"{currency} {amount:,.{places}f}"


def circle_label(code: str, name: str | None) -> str:
    """'Delhi (DL)'; a code missing from the Circle table is shown as-is."""
    return f"{name} ({code})" if name else code
