"""How the admin pages show statuses, money and circles."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from exoinventory.exotel.money import shown_places
from exoinventory.numbers.models import ConnectivityStatus, ExoPhone, ExoPhoneChange
from exoinventory.numbers.selectors.freshness import last_seen_text

NO_DATA = "no data"


def status_label(status: str) -> str:
    """Exotel's word as a label; no status at all is "no data"."""
    return ConnectivityStatus.label_of(status) if status else NO_DATA


def status_badge(status: str, label: str | None = None) -> SafeString:
    """A badge in the status's colour, labelled `label` or the status itself."""
    return format_html(
        '<span class="exo-badge" style="background-color: {}">{}</span>',
        ConnectivityStatus.colour(status),
        label or status_label(status),
    )


UNREADABLE = "unreadable"


def money(amount: Decimal | None, currency: str) -> str:
    """'INR 1,499.50': at least two places, and every non-zero one Exotel sent.
    An amount Exotel sent unreadably is stored empty and shown so, never as 0."""
    if amount is None:
        return UNREADABLE
    return f"{currency} {amount:,.{shown_places(amount)}f}".lstrip()


# The fields holding an amount in the number's currency.
MONEY_FIELDS = ("rental_price", "one_time_price", "incoming_rate")
EMPTY = "(empty)"


def change_value(value: str | None, field: str, currency: str) -> str:
    """A change record's old or new value as the admin shows it: "(empty)"
    for none, an amount as money() in the number's (current) currency,
    anything else as stored."""
    if value is None:
        return EMPTY
    if field in MONEY_FIELDS:
        try:
            return money(Decimal(value), currency)
        except InvalidOperation:
            return value
    return value


def change_author(change: ExoPhoneChange) -> str:
    """Who made a change: the sync, or the user (by the name kept on the record)."""
    if change.source == ExoPhoneChange.Source.LOCAL:
        return f"local edit by {change.user_name}"
    return "sync"


@dataclass(frozen=True)
class HistoryRow:
    """A change record as the number's page shows it."""

    change: ExoPhoneChange
    old: str
    new: str
    author: str

    @classmethod
    def of(cls, change: ExoPhoneChange, *, currency: str) -> "HistoryRow":
        return cls(
            change=change,
            old=change_value(change.old_value, change.field, currency),
            new=change_value(change.new_value, change.field, currency),
            author=change_author(change),
        )


def circle_label(code: str, name: str | None) -> str:
    """'Delhi (DL)'; a code missing from the Circle table is shown as-is."""
    return f"{name} ({code})" if name else code


def status_now_badge(phone: ExoPhone, direction: str) -> SafeString:
    """The direction's status by the freshness rule: Exotel's word while fresh,
    else a grey "no data" with what was last seen and how long ago. The
    queryset carries `<direction>_now` (selectors.freshness.Freshness.annotate)."""
    status = getattr(phone, f"{direction}_now")
    if status:
        return status_badge(status)
    return format_html(
        '{} <span class="exo-quiet">{}</span>',
        status_badge(""),
        last_seen_text(phone, direction, now=timezone.now()),
    )
