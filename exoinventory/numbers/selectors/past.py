"""A number's mirrored fields as they were at a past moment, rebuilt from its
change records (the costs report's `as_of` and its 12-month line).

The value of a field at a moment is the new value of its latest change
record observed by then; before its first change record, that record's old
value; with no change record, its current value. A number was ours at a
moment when it had been first seen by then and not released (the
`released_at` history says when it was released and came back).
"""

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.db.models import Exists, OuterRef, QuerySet

from exoinventory.exotel.dates import ExotelDateError, parse_rfc3339
from exoinventory.exotel.money import MoneyError, parse_money
from exoinventory.numbers.models import ExoPhone, ExoPhoneChange

# The fields a past day is rebuilt from: what a number cost, where it was,
# whether it was idle, and whether it was ours at all.
MONEY_FIELDS = ("rental_price", "one_time_price")
HISTORY_FIELDS = (
    *MONEY_FIELDS,
    "currency",
    "region",
    "number_type",
    "voice_url",
    "sms_url",
    "released_at",
)

T = TypeVar("T")


@dataclass(slots=True)
class FieldHistory:
    """One field's change records, oldest first, as parallel lists."""

    observed_at: list[datetime] = field(default_factory=list)
    old: list[Any] = field(default_factory=list)
    new: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class NumberHistory:
    """A number with change records: its current values and its changes per field."""

    account_sid: str
    cost_centre: str
    first_seen: datetime
    current: dict[str, Any]
    changes: dict[str, FieldHistory] = field(default_factory=dict)
    # Every moment the number may change at: it is the same from one to the
    # next, so what is worked out for one stretch holds for all of it
    # (twelve months are mostly one stretch).
    moments: list[datetime] = field(default_factory=list)
    _memo: dict[int, Any] = field(default_factory=dict)

    def value(self, name: str, end: datetime) -> Any:
        """The value in force at `end` (see the module docstring)."""
        changes = self.changes.get(name)
        if changes is None:
            return self.current[name]
        later = bisect_right(changes.observed_at, end)
        return changes.new[later - 1] if later else changes.old[0]

    def was_ours(self, end: datetime) -> bool:
        released_at = self.value("released_at", end)
        return self.first_seen <= end and (released_at is None or released_at > end)

    def once_per_stretch(self, end: datetime, work: Callable[[], T]) -> T:
        """`work()`, run once for the stretch between two moments that holds `end`."""
        stretch = bisect_right(self.moments, end)
        if stretch not in self._memo:
            self._memo[stretch] = work()
        return self._memo[stretch]


def has_history() -> Exists:
    """The number has a change record of a field a past day is rebuilt from."""
    return Exists(ExoPhoneChange.objects.filter(exophone=OuterRef("pk"), field__in=HISTORY_FIELDS))


def numbers_with_history(numbers: QuerySet[ExoPhone]) -> list[NumberHistory]:
    """`numbers` with their change records of HISTORY_FIELDS: two queries."""
    histories = {
        pk: NumberHistory(
            account_sid=account_sid,
            cost_centre=cost_centre,
            first_seen=first_seen,
            current=dict(zip(HISTORY_FIELDS, current, strict=True)),
        )
        for pk, account_sid, cost_centre, first_seen, *current in numbers.values_list(
            "pk", "account__sid", "cost_centre", "first_seen", *HISTORY_FIELDS
        )
    }
    changes = (
        ExoPhoneChange.objects.filter(exophone__in=numbers.values("pk"), field__in=HISTORY_FIELDS)
        .order_by("exophone_id", "field", "observed_at", "id")
        .values_list("exophone_id", "field", "observed_at", "old_value", "new_value")
    )
    for pk, name, observed_at, old, new in changes:
        # A number first listed between the two queries has no history here.
        if pk in histories:
            history = histories[pk].changes.setdefault(name, FieldHistory())
            history.observed_at.append(observed_at)
            history.old.append(read_change_value(name, old))
            history.new.append(read_change_value(name, new))
    for number in histories.values():
        released_at = number.current["released_at"]
        number.moments = sorted(
            [number.first_seen, *([released_at] if released_at else [])]
            + [moment for changes in number.changes.values() for moment in changes.observed_at]
        )
    return list(histories.values())


def read_change_value(name: str, text: str | None) -> Any:
    """A change record's text as the model holds the value; unreadable: empty."""
    if text is None:
        return None
    if name in MONEY_FIELDS:
        try:
            return parse_money(text, field=name)
        except MoneyError:
            return None
    if name == "released_at":
        try:
            return parse_rfc3339(text)
        except ExotelDateError:
            return None
    return text
