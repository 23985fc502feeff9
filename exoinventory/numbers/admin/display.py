"""How the admin pages show statuses, money and circles."""

from dataclasses import dataclass
from datetime import datetime, timedelta
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


def status_class(status: str) -> str:
    """The CSS class of a status's badge and timeline bar (numbers/admin.css):
    one per Exotel word we know, "other" for a word we do not, "no-data"."""
    if not status:
        return "exo-status-no-data"
    if status in ConnectivityStatus.values:
        return f"exo-status-{status.replace('_', '-')}"
    return "exo-status-other"


def status_badge(status: str, label: str | None = None) -> SafeString:
    """A badge in the status's colour and pattern, labelled `label` or the
    status itself: never told apart by colour alone."""
    return format_html(
        '<span class="exo-badge {}">{}</span>',
        status_class(status),
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


def status_now_badge(phone: ExoPhone, direction: str, *, now: datetime | None = None) -> SafeString:
    """The direction's status by the freshness rule: Exotel's word while fresh,
    with since when (the start of its current run), else a grey "no data"
    with what was last seen and how long ago. The queryset carries
    `<direction>_now` and `<direction>_since` (Freshness.annotate)."""
    now = now or timezone.now()
    status = getattr(phone, f"{direction}_now")
    if status:
        since = getattr(phone, f"{direction}_since", None)
        if since is None:
            return status_badge(status)
        return format_html(
            '{} <span class="exo-quiet exo-since" title="{}">{}</span>',
            status_badge(status),
            local_time_text(since),
            since_text(since, now=now),
        )
    return format_html(
        '{} <span class="exo-quiet">{}</span>',
        status_badge(""),
        last_seen_text(phone, direction, now=now),
    )


def duration_text(span: timedelta | float) -> str:
    """A duration as people read it: "3 h 12 min", "2 d 5 h", "45 s".
    The two largest units, the smaller one only when not zero; under a
    minute in seconds; never a microsecond."""
    seconds = int(span.total_seconds() if isinstance(span, timedelta) else span)
    if seconds < 60:
        return f"{max(seconds, 0)} s"
    units = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))
    parts = []
    for name, size in units:
        count, seconds = divmod(seconds, size)
        if count or parts:
            parts.append((count, name))
        if len(parts) == 2:
            break
    return " ".join(f"{count} {name}" for count, name in parts if count)


def local_time_text(moment: datetime) -> str:
    """A moment in the configured zone, with the zone named: "21 Nov 2026, 14:05 IST"."""
    local = timezone.localtime(moment)
    return f"{local:%-d %b %Y, %H:%M} {local.tzname()}"


def since_text(moment: datetime, *, now: datetime) -> str:
    """ "since 14:05" today, "since 21 Nov 14:05" this year, else "since 21 Nov 2025"
    (in the configured zone: the page names it)."""
    local, today = timezone.localtime(moment), timezone.localtime(now)
    if local.date() == today.date():
        return f"since {local:%H:%M}"
    if local.year == today.year:
        return f"since {local:%-d %b %H:%M}"
    return f"since {local:%-d %b %Y}"
