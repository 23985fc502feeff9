"""The outages report's window: how a query asks for it and what it is.

`since`/`until` is a day YYYY-MM-DD (midnight in TIME_ZONE, `until`'s day
included) or an ISO 8601 moment; else a quick pick `last` (24h, 7d, 30d,
90d), by default the last 7 days. At most LONGEST_WINDOW (reports.outages'
form says so).
"""

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from exoinventory.numbers.reports.base import EARLIEST_DAY, LATEST_DAY
from exoinventory.numbers.selectors.outage_rules import OutageWindow

QUICK_PICKS = {
    "24h": ("24 h", timedelta(hours=24)),
    "7d": ("7 d", timedelta(days=7)),
    "30d": ("30 d", timedelta(days=30)),
    "90d": ("90 d", timedelta(days=90)),
}
DEFAULT_PICK = "7d"
LONGEST_WINDOW = timedelta(days=366)

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT_HELP = "Enter a day as YYYY-MM-DD or a moment in ISO 8601, e.g. 2026-11-22T14:05+05:30."


class MomentField(forms.CharField):
    """A day (YYYY-MM-DD) or an ISO 8601 moment; one without a zone is in TIME_ZONE."""

    def __init__(self, label: str) -> None:
        super().__init__(label=label, required=False, max_length=64)

    def clean(self, value: Any) -> date | datetime | None:
        text = super().clean(value)  # NUL bytes and over-long values are refused here
        if not text:
            return None
        try:
            moment = (
                date.fromisoformat(text) if _DAY.fullmatch(text) else datetime.fromisoformat(text)
            )
        except ValueError:
            raise forms.ValidationError(_MOMENT_HELP) from None
        day = moment.date() if isinstance(moment, datetime) else moment
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise forms.ValidationError(
                f"Enter a moment between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}."
            )
        if isinstance(moment, datetime) and timezone.is_naive(moment):
            return timezone.make_aware(moment)
        return moment


def _start(moment: date | datetime, *, next_day: bool = False) -> datetime:
    """A moment as is; a day as its midnight in TIME_ZONE (with `next_day`,
    the next midnight: an `until` day is included)."""
    if isinstance(moment, datetime):
        return moment
    day = moment + timedelta(days=1) if next_day else moment
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def window_of(data: dict[str, Any], now: datetime) -> OutageWindow:
    """The window a valid query asks for: since/until, else the quick pick
    (by default DEFAULT_PICK) ending now. until is never past now; a lone
    until goes back the default length, a lone since runs to now."""
    pick = QUICK_PICKS[data.get("last") or DEFAULT_PICK][1]
    until = min(_start(data["until"], next_day=True), now) if data.get("until") else now
    since = _start(data["since"]) if data.get("since") else until - pick
    return OutageWindow.ending(since=since, until=until, now=now)
