"""What the numbers cost, for finance (DESIGN.md "Pages": /reports/costs/).

Per account × circle (or cost centre) × currency: numbers, monthly rental,
one-time price, idle numbers (no voice and no SMS flow) and their rental;
totals per currency, never one across currencies; a breakdown by number
type; and the monthly rental of the last twelve months. Money is summed as
Decimal in its own currency. A price stored empty (Exotel sent something
unreadable) is counted in `unreadable_prices`, never summed as zero.

A past day (`as_of`) is rebuilt from the change records (selectors.past).
Every query is here, and their number does not depend on how many numbers
exist: groups are summed by the database, and only numbers with a change
record of a field that matters are folded here, loaded in two queries.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum

from exoinventory.numbers.models import Account, Circle, ExoPhone
from exoinventory.numbers.selectors.choices import distinct_values
from exoinventory.numbers.selectors.past import NumberHistory, has_history, numbers_with_history

ZERO = Decimal("0.000000")
NONE_LABEL = "(none)"
BY_KEYS = ("region", "cost_centre")


@dataclass(frozen=True)
class CostFilters:
    """What the report is narrowed to. An empty account, region, currency or
    type is no filter (a form's "All"); an empty cost centre ("") means the
    numbers without one, None is no filter."""

    account_sid: str | None = None
    region: str | None = None  # circle code
    currency: str | None = None
    number_type: str | None = None
    cost_centre: str | None = None


@dataclass(frozen=True)
class CostRow:
    """One account × key × currency; the key is a circle code or a cost centre."""

    account_sid: str
    key: str
    key_name: str  # "Delhi"; the code itself for an unknown circle; "(none)" when empty
    currency: str
    numbers: int
    monthly_rental: Decimal
    one_time: Decimal
    idle_numbers: int  # no voice flow and no SMS flow
    idle_monthly_rental: Decimal
    unreadable_prices: int  # numbers whose rental or one-time price is empty


@dataclass(frozen=True)
class CostTotal:
    """The rows of one currency added up."""

    currency: str
    numbers: int
    monthly_rental: Decimal
    one_time: Decimal
    idle_numbers: int
    idle_monthly_rental: Decimal
    unreadable_prices: int


@dataclass(frozen=True)
class TypeRow:
    number_type: str
    currency: str
    numbers: int
    monthly_rental: Decimal


@dataclass(frozen=True)
class MonthPoint:
    """Monthly rental in one currency on the first day of a month."""

    month: date
    currency: str
    monthly_rental: Decimal


@dataclass(frozen=True)
class CostReport:
    as_of: date | None
    by: str  # "region" or "cost_centre"
    rows: list[CostRow]
    totals: list[CostTotal]
    by_type: list[TypeRow]


@dataclass(slots=True)
class _Sums:
    """Running sums of one group; the database's GROUP BY rows use the same names."""

    numbers: int = 0
    monthly_rental: Decimal = ZERO
    one_time: Decimal = ZERO
    idle_numbers: int = 0
    idle_monthly_rental: Decimal = ZERO
    unreadable_prices: int = 0

    @classmethod
    def of_row(cls, row: dict[str, Any]) -> "_Sums":
        # An empty group's SUM is NULL.
        return cls(**{f.name: row.get(f.name) or f.default for f in fields(cls)})

    def add(self, other: "_Sums") -> None:
        self.numbers += other.numbers
        self.monthly_rental += other.monthly_rental
        self.one_time += other.one_time
        self.idle_numbers += other.idle_numbers
        self.idle_monthly_rental += other.idle_monthly_rental
        self.unreadable_prices += other.unreadable_prices


@dataclass(frozen=True, slots=True)
class _State:
    """One number as it was at one moment."""

    account_sid: str
    cost_centre: str
    region: str
    currency: str
    number_type: str
    rental_price: Decimal | None
    one_time_price: Decimal | None
    idle: bool

    def matches(self, filters: CostFilters) -> bool:
        return (
            (not filters.account_sid or self.account_sid == filters.account_sid)
            and (not filters.region or self.region == filters.region)
            and (not filters.currency or self.currency == filters.currency)
            and (not filters.number_type or self.number_type == filters.number_type)
            and (filters.cost_centre is None or self.cost_centre == filters.cost_centre)
        )

    def sums(self) -> _Sums:
        rental = self.rental_price if self.rental_price is not None else ZERO
        return _Sums(
            numbers=1,
            monthly_rental=rental,
            one_time=self.one_time_price if self.one_time_price is not None else ZERO,
            idle_numbers=int(self.idle),
            idle_monthly_rental=rental if self.idle else ZERO,
            unreadable_prices=int(self.rental_price is None or self.one_time_price is None),
        )


def _state(number: NumberHistory, end: datetime) -> _State | None:
    """The number at `end`, or None when it was not ours then."""

    def at_end() -> _State | None:
        if not number.was_ours(end):
            return None
        return _State(
            account_sid=number.account_sid,
            cost_centre=number.cost_centre,
            region=number.value("region", end) or "",
            currency=number.value("currency", end) or "",
            number_type=number.value("number_type", end) or "",
            rental_price=number.value("rental_price", end),
            one_time_price=number.value("one_time_price", end),
            idle=not number.value("voice_url", end) and not number.value("sms_url", end),
        )

    return number.once_per_stretch(end, at_end)


def _numbers_with_history(
    filters: CostFilters, *, first: datetime, last: datetime
) -> list[NumberHistory]:
    """The numbers with change records that may have been ours at some moment
    from `first` to `last`, with those records: two queries.

    A number released now, before `first`, is left out: its release is its
    latest change of presence."""
    return numbers_with_history(
        _numbers(filters)
        .filter(has_history(), first_seen__lte=last)
        .filter(Q(released_at__isnull=True) | Q(released_at__gt=first))
    )


def end_of_day(day: date) -> datetime:
    """The last instant of `day` in settings.TIME_ZONE."""
    zone = ZoneInfo(settings.TIME_ZONE)
    next_day = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return next_day - timedelta(microseconds=1)


def cost_report(
    *, filters: CostFilters, by: str = "region", as_of: date | None = None, now: datetime
) -> CostReport:
    """The costs of the current numbers (released ones excluded), or of the
    numbers on the day `as_of`.

    `as_of` is answered at the end of that day in settings.TIME_ZONE (or at
    `now`, for a day not over yet). A number counts if it was first seen by
    then and was not released then. Each of its prices, currency, circle,
    type, flows and release is the value in force then: the new value of
    the latest change record of that field observed by then; if the first
    change of the field was observed later, that change's old value; with no
    change record, the current value. Cost centre is a local field with no
    synced history: `by="cost_centre"` and its filter use today's value
    even for a past day.
    """
    if by not in BY_KEYS:
        raise ValueError(f"by must be one of {BY_KEYS}, not {by!r}")
    groups: dict[tuple[str, str, str], _Sums] = defaultdict(_Sums)
    types: dict[tuple[str, str], _Sums] = defaultdict(_Sums)
    if as_of is None:
        numbers = _current_values_match(_numbers(filters), filters)
        _add_grouped(groups, types, numbers.filter(released_at__isnull=True), by=by)
    else:
        end = min(end_of_day(as_of), now)
        plain = _current_values_match(_numbers(filters).exclude(has_history()), filters)
        _add_grouped(groups, types, plain.filter(_present_q(end)), by=by)
        for number in _numbers_with_history(filters, first=end, last=end):
            state = _state(number, end)
            if state is not None and state.matches(filters):
                key = state.region if by == "region" else state.cost_centre
                sums = state.sums()
                groups[state.account_sid, key, state.currency].add(sums)
                types[state.number_type, state.currency].add(sums)
    names = _circle_names() if by == "region" else {}
    rows = [
        CostRow(
            account_sid=account_sid,
            key=key,
            key_name=names.get(key, key) if key else NONE_LABEL,
            currency=currency,
            **asdict(sums),
        )
        for (account_sid, key, currency), sums in sorted(groups.items())
    ]
    totals: dict[str, _Sums] = defaultdict(_Sums)
    for (_, _, currency), sums in groups.items():
        totals[currency].add(sums)
    return CostReport(
        as_of=as_of,
        by=by,
        rows=rows,
        totals=[CostTotal(currency=c, **asdict(sums)) for c, sums in sorted(totals.items())],
        by_type=[
            TypeRow(
                number_type=number_type,
                currency=currency,
                numbers=sums.numbers,
                monthly_rental=sums.monthly_rental,
            )
            for (number_type, currency), sums in sorted(types.items())
        ],
    )


def monthly_rental_history(
    *, filters: CostFilters, months: int = 12, now: datetime
) -> list[MonthPoint]:
    """Monthly rental per currency on the first day of each of the last
    `months` months, this one included, by `cost_report`'s as_of rule;
    ordered by month, then currency. A currency with a number on any of
    those days has a point every month (zero where it had none)."""
    if months < 1:
        raise ValueError("months must be at least 1")
    days = _first_days(now, months)
    ends = [min(end_of_day(day), now) for day in days]
    rental: dict[tuple[date, str], Decimal] = defaultdict(lambda: ZERO)
    currencies: set[str] = set()

    plain = _current_values_match(_numbers(filters).exclude(has_history()), filters)
    per_day: dict[str, Any] = {}
    for i, end in enumerate(ends):
        per_day[f"numbers_{i}"] = Count("id", filter=_present_q(end))
        per_day[f"rental_{i}"] = Sum("rental_price", filter=_present_q(end))
    grouped = (
        plain.filter(first_seen__lte=ends[-1])
        .filter(Q(released_at__isnull=True) | Q(released_at__gt=ends[0]))
        .order_by()
        .values("currency")
        .annotate(**per_day)
    )
    for row in grouped:
        for i, day in enumerate(days):
            if row[f"numbers_{i}"]:
                currencies.add(row["currency"])
                rental[day, row["currency"]] += row[f"rental_{i}"] or ZERO

    for number in _numbers_with_history(filters, first=ends[0], last=ends[-1]):
        for day, end in zip(days, ends, strict=True):
            state = _state(number, end)
            if state is not None and state.matches(filters):
                currencies.add(state.currency)
                if state.rental_price is not None:
                    rental[day, state.currency] += state.rental_price

    return [
        MonthPoint(month=day, currency=currency, monthly_rental=rental[day, currency])
        for day in days
        for currency in sorted(currencies)
    ]


def cost_filter_choices() -> dict[str, list[tuple[str, str]]]:
    """(value, label) for each filter: the accounts, and the circles,
    currencies, types and cost centres the numbers hold (released ones too,
    for a past day). The cost centre "" is offered first, as "(none)"."""
    accounts = [
        (sid, f"{name} ({sid})" if name else sid)
        for sid, name in Account.objects.order_by("sid").values_list("sid", "display_name")
    ]
    names = _circle_names()
    regions = [
        (code, f"{names[code]} ({code})" if code in names else code)
        for code in distinct_values("region")
        if code
    ]
    cost_centres = distinct_values("cost_centre")
    return {
        "account": accounts,
        "region": regions,
        "currency": [(c, c) for c in distinct_values("currency") if c],
        "number_type": [(t, t) for t in distinct_values("number_type") if t],
        "cost_centre": [(c, c or NONE_LABEL) for c in cost_centres],
    }


def _circle_names() -> dict[str, str]:
    return dict(Circle.objects.values_list("code", "name"))


def _numbers(filters: CostFilters) -> QuerySet[ExoPhone]:
    """Numbers narrowed by the filters that never change: account, cost centre."""
    numbers = ExoPhone.objects.all()
    if filters.account_sid:
        numbers = numbers.filter(account__sid=filters.account_sid)
    if filters.cost_centre is not None:
        numbers = numbers.filter(cost_centre=filters.cost_centre)
    return numbers


def _current_values_match(numbers: QuerySet[ExoPhone], filters: CostFilters) -> QuerySet[ExoPhone]:
    """Narrowed by circle, currency and type as the numbers are now."""
    for name in ("region", "currency", "number_type"):
        value = getattr(filters, name)
        if value:
            numbers = numbers.filter(**{name: value})
    return numbers


def _present_q(end: datetime) -> Q:
    """A number with no change record was ours at `end`."""
    return Q(first_seen__lte=end) & (Q(released_at__isnull=True) | Q(released_at__gt=end))


def _idle_q() -> Q:
    no_voice = Q(voice_url__isnull=True) | Q(voice_url="")
    no_sms = Q(sms_url__isnull=True) | Q(sms_url="")
    return no_voice & no_sms


def _add_grouped(
    groups: dict[tuple[str, str, str], _Sums],
    types: dict[tuple[str, str], _Sums],
    numbers: QuerySet[ExoPhone],
    *,
    by: str,
) -> None:
    """Add the numbers' sums per account × key × currency and per type × currency,
    in two queries."""
    idle = _idle_q()
    rows = (
        numbers.order_by()
        .values("account__sid", by, "currency")
        .annotate(
            numbers=Count("id"),
            monthly_rental=Sum("rental_price"),
            one_time=Sum("one_time_price"),
            idle_numbers=Count("id", filter=idle),
            idle_monthly_rental=Sum("rental_price", filter=idle),
            unreadable_prices=Count(
                "id", filter=Q(rental_price__isnull=True) | Q(one_time_price__isnull=True)
            ),
        )
    )
    for row in rows:
        groups[row["account__sid"], row[by], row["currency"]].add(_Sums.of_row(row))
    by_type = (
        numbers.order_by()
        .values("number_type", "currency")
        .annotate(numbers=Count("id"), monthly_rental=Sum("rental_price"))
    )
    for row in by_type:
        types[row["number_type"], row["currency"]].add(_Sums.of_row(row))


def _first_days(now: datetime, months: int) -> list[date]:
    """The first day of each of the last `months` months in settings.TIME_ZONE, oldest first."""
    this_month = now.astimezone(ZoneInfo(settings.TIME_ZONE)).date().replace(day=1)
    index = this_month.year * 12 + this_month.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]
