"""The costs report's selector (selectors.costs): sums per account × circle ×
currency against answers worked out by hand, a past day rebuilt from the
change records, the 12-month line, and query counts that do not grow with
the number of ExoPhones."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exoinventory.numbers.models import Account, ExoPhone, ExoPhoneChange
from exoinventory.numbers.selectors.costs import (
    CostFilters,
    CostReport,
    CostTotal,
    MonthPoint,
    TypeRow,
    cost_filter_choices,
    cost_report,
    monthly_rental_history,
)
from tests.factories import T0, make_account, make_change, make_exophone, make_sync_run

pytestmark = pytest.mark.django_db

ALL = CostFilters()
D = Decimal


@pytest.fixture(autouse=True)
def _india_time(settings) -> None:
    # Days end at midnight in Kolkata (UTC+05:30) in these tests.
    settings.TIME_ZONE = "Asia/Kolkata"


def report(filters: CostFilters = ALL, **kwargs) -> CostReport:
    return cost_report(filters=filters, now=T0, **kwargs)


def sums(report: CostReport) -> list[tuple]:
    """Each row as (account, key, currency, numbers, rental, one-time, idle,
    idle rental, unreadable)."""
    return [
        (
            r.account_sid,
            r.key,
            r.currency,
            r.numbers,
            r.monthly_rental,
            r.one_time,
            r.idle_numbers,
            r.idle_monthly_rental,
            r.unreadable_prices,
        )
        for r in report.rows
    ]


def rentals(report: CostReport) -> dict[tuple[str, str], Decimal]:
    """(circle, currency) → monthly rental."""
    return {(r.key, r.currency): r.monthly_rental for r in report.rows}


def days_before_t0(days: int) -> date:
    # T0 is 11:30 in Kolkata: the same date as in UTC.
    return (T0 - timedelta(days=days)).date()


def idle(**fields) -> ExoPhone:
    return make_exophone(voice_url=None, sms_url=None, **fields)


# Now


def test_it_sums_per_account_circle_and_currency() -> None:
    acme = make_account(sid="acme")
    globex = make_account(sid="globex")
    make_exophone(account=acme, rental_price=D("499.50"), one_time_price=D("1000"))
    make_exophone(account=acme, rental_price=D("499.25"), one_time_price=D("0"))
    make_exophone(account=acme, region="MH", rental_price=D("999"))
    make_exophone(account=acme, currency="USD", rental_price=D("5.50"), one_time_price=D("12"))
    make_exophone(account=globex, rental_price=D("299"))

    result = report()

    assert sums(result) == [
        ("acme", "DL", "INR", 2, D("998.75"), D("1000"), 0, D("0"), 0),
        ("acme", "DL", "USD", 1, D("5.50"), D("12"), 0, D("0"), 0),
        ("acme", "MH", "INR", 1, D("999"), D("0"), 0, D("0"), 0),
        ("globex", "DL", "INR", 1, D("299"), D("0"), 0, D("0"), 0),
    ]
    assert [r.key_name for r in result.rows] == ["Delhi", "Delhi", "Maharashtra", "Delhi"]
    assert all(isinstance(r.monthly_rental, Decimal) for r in result.rows)


def test_totals_are_per_currency_never_one_across_currencies() -> None:
    make_exophone(rental_price=D("499"), one_time_price=D("1000"))
    make_exophone(region="MH", rental_price=D("999"))
    make_exophone(currency="USD", rental_price=D("5.50"))
    idle(currency="USD", rental_price=D("7.25"))

    assert report().totals == [
        CostTotal(
            currency="INR",
            numbers=2,
            monthly_rental=D("1498"),
            one_time=D("1000"),
            idle_numbers=0,
            idle_monthly_rental=D("0"),
            unreadable_prices=0,
        ),
        CostTotal(
            currency="USD",
            numbers=2,
            monthly_rental=D("12.75"),
            one_time=D("0"),
            idle_numbers=1,
            idle_monthly_rental=D("7.25"),
            unreadable_prices=0,
        ),
    ]


def test_idle_numbers_have_neither_a_voice_nor_an_sms_flow() -> None:
    idle(rental_price=D("499"))
    make_exophone(voice_url="", sms_url=None, rental_price=D("299"))
    make_exophone(voice_url=None, sms_url="https://my.exotel.com/acme/sms/1", rental_price=D("99"))
    make_exophone(voice_url="https://my.exotel.com/acme/exoml/start_voice/1", rental_price=D("9"))

    assert sums(report()) == [
        ("acme", "DL", "INR", 4, D("906"), D("0"), 2, D("798"), 0),
    ]


def test_an_unreadable_price_is_counted_apart_never_summed_as_zero() -> None:
    make_exophone(rental_price=D("499"), one_time_price=D("100"))
    make_exophone(rental_price=None, one_time_price=D("100"))
    idle(rental_price=D("299"), one_time_price=None)

    assert sums(report()) == [
        ("acme", "DL", "INR", 3, D("798"), D("200"), 1, D("299"), 2),
    ]
    assert report().totals[0].unreadable_prices == 2


def test_released_numbers_are_excluded() -> None:
    make_exophone(rental_price=D("499"))
    make_exophone(rental_price=D("999"), released_at=T0 - timedelta(days=1))

    assert sums(report()) == [("acme", "DL", "INR", 1, D("499"), D("0"), 0, D("0"), 0)]


def test_rows_by_cost_centre_put_numbers_without_one_under_none() -> None:
    make_exophone(cost_centre="sales", rental_price=D("499"))
    make_exophone(cost_centre="sales", region="MH", rental_price=D("999"))
    make_exophone(cost_centre="support", rental_price=D("299"))
    idle(cost_centre="", rental_price=D("99"))
    make_exophone(cost_centre="", currency="USD", rental_price=D("5"))

    result = report(by="cost_centre")

    assert result.by == "cost_centre"
    assert [(r.key, r.key_name, r.currency, r.numbers, r.monthly_rental) for r in result.rows] == [
        ("", "(none)", "INR", 1, D("99")),
        ("", "(none)", "USD", 1, D("5")),
        ("sales", "sales", "INR", 2, D("1498")),
        ("support", "support", "INR", 1, D("299")),
    ]
    assert result.rows[0].idle_monthly_rental == D("99")


def test_an_unknown_circle_is_named_by_its_code_and_an_empty_one_none() -> None:
    make_exophone(region="ZZ")
    make_exophone(region="")

    assert [(r.key, r.key_name) for r in report().rows] == [("", "(none)"), ("ZZ", "ZZ")]


def test_the_breakdown_by_type_is_per_currency() -> None:
    make_exophone(number_type="Landline", rental_price=D("499"))
    make_exophone(number_type="Landline", region="MH", rental_price=D("501"))
    make_exophone(number_type="Mobile", rental_price=D("999"))
    make_exophone(number_type="Mobile", currency="USD", rental_price=D("5"))
    make_exophone(number_type="Mobile", rental_price=D("1"), released_at=T0)

    assert report().by_type == [
        TypeRow(number_type="Landline", currency="INR", numbers=2, monthly_rental=D("1000")),
        TypeRow(number_type="Mobile", currency="INR", numbers=1, monthly_rental=D("999")),
        TypeRow(number_type="Mobile", currency="USD", numbers=1, monthly_rental=D("5")),
    ]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (CostFilters(account_sid="globex"), {"g-dl-inr"}),
        (CostFilters(region="MH"), {"a-mh-inr"}),
        (CostFilters(currency="USD"), {"a-dl-usd"}),
        (CostFilters(number_type="Mobile"), {"a-mh-inr"}),
        (CostFilters(cost_centre="sales"), {"a-dl-inr", "g-dl-inr"}),
        (CostFilters(cost_centre=""), {"a-dl-usd", "a-mh-inr"}),
        (CostFilters(region="DL", currency="INR"), {"a-dl-inr", "g-dl-inr"}),
        # A form's "All": an empty choice is no filter, but for cost centre.
        (CostFilters(account_sid="", region="", currency="", number_type=""), None),
    ],
)
def test_it_filters(filters: CostFilters, expected: set[str] | None) -> None:
    acme = make_account(sid="acme")
    globex = make_account(sid="globex")
    make_exophone(account=acme, friendly_name="a-dl-inr", cost_centre="sales")
    make_exophone(account=acme, friendly_name="a-dl-usd", currency="USD")
    make_exophone(account=acme, friendly_name="a-mh-inr", region="MH", number_type="Mobile")
    make_exophone(account=globex, friendly_name="g-dl-inr", cost_centre="sales")
    everything = {"a-dl-inr", "a-dl-usd", "a-mh-inr", "g-dl-inr"}

    def labels(result: CostReport) -> set[str]:
        # One number per row here.
        return {f"{r.account_sid[0]}-{r.key}-{r.currency}".lower() for r in result.rows}

    assert labels(report(filters)) == (expected or everything)
    # Today, rebuilt from the history, is now.
    assert labels(report(filters, as_of=T0.date())) == (expected or everything)


def test_by_must_be_region_or_cost_centre() -> None:
    with pytest.raises(ValueError, match="by must be one of"):
        report(by="owner")


# A past day


def test_a_past_day_has_the_price_in_force_before_and_after_a_change() -> None:
    phone = make_exophone(rental_price=D("599.000000"))
    make_change(
        exophone=phone,
        field="rental_price",
        old="499.000000",
        new="599.000000",
        observed_at=T0 - timedelta(days=10),
    )

    assert rentals(report(as_of=days_before_t0(11))) == {("DL", "INR"): D("499")}
    assert rentals(report(as_of=days_before_t0(10))) == {("DL", "INR"): D("599")}
    assert rentals(report(as_of=days_before_t0(1))) == {("DL", "INR"): D("599")}


def test_a_day_ends_at_midnight_in_the_configured_zone() -> None:
    phone = make_exophone(rental_price=D("599"))
    # 20:00 UTC is 01:30 the next morning in Kolkata.
    noticed = datetime(2026, 11, 10, 20, 0, tzinfo=UTC)
    make_change(exophone=phone, field="rental_price", old="499", new="599", observed_at=noticed)

    assert rentals(report(as_of=date(2026, 11, 10))) == {("DL", "INR"): D("499")}
    assert rentals(report(as_of=date(2026, 11, 11))) == {("DL", "INR"): D("599")}


def test_a_past_day_takes_the_latest_change_made_by_then() -> None:
    phone = make_exophone(rental_price=D("599"))
    for days, old, new in ((20, "399", "499"), (10, "499", "599")):
        make_change(
            exophone=phone,
            field="rental_price",
            old=old,
            new=new,
            observed_at=T0 - timedelta(days=days),
        )

    assert rentals(report(as_of=days_before_t0(25))) == {("DL", "INR"): D("399")}
    assert rentals(report(as_of=days_before_t0(15))) == {("DL", "INR"): D("499")}
    assert rentals(report(as_of=days_before_t0(5))) == {("DL", "INR"): D("599")}


def test_a_past_day_takes_the_circle_currency_type_and_flows_then() -> None:
    phone = make_exophone(
        region="MH",
        currency="USD",
        number_type="Mobile",
        rental_price=D("6"),
        one_time_price=D("3"),
    )
    changed = T0 - timedelta(days=10)
    for field, old, new in (
        ("region", "DL", "MH"),
        ("currency", "INR", "USD"),
        ("number_type", "Landline", "Mobile"),
        ("rental_price", "499.000000", "6.000000"),
        ("one_time_price", "1000.000000", "3.000000"),
        ("voice_url", None, phone.voice_url),
    ):
        make_change(exophone=phone, field=field, old=old, new=new, observed_at=changed)

    before = report(as_of=days_before_t0(11))
    after = report(as_of=days_before_t0(9))

    assert sums(before) == [("acme", "DL", "INR", 1, D("499"), D("1000"), 1, D("499"), 0)]
    assert before.by_type == [
        TypeRow(number_type="Landline", currency="INR", numbers=1, monthly_rental=D("499"))
    ]
    assert sums(after) == [("acme", "MH", "USD", 1, D("6"), D("3"), 0, D("0"), 0)]
    assert sums(report(CostFilters(region="DL"), as_of=days_before_t0(11))) == sums(before)
    assert report(CostFilters(region="DL"), as_of=days_before_t0(9)).rows == []
    assert report(CostFilters(currency="USD"), as_of=days_before_t0(11)).rows == []


def test_a_price_that_was_unreadable_then_is_counted_apart() -> None:
    rental = make_exophone(rental_price=D("499"), one_time_price=D("10"))
    one_time = make_exophone(rental_price=D("299"), one_time_price=D("20"))
    for phone, field, new in ((rental, "rental_price", "499"), (one_time, "one_time_price", "20")):
        make_change(
            exophone=phone,
            field=field,
            old=None,
            new=new,
            observed_at=T0 - timedelta(days=10),
        )

    assert sums(report(as_of=days_before_t0(11))) == [
        ("acme", "DL", "INR", 2, D("299"), D("10"), 0, D("0"), 2)
    ]
    assert sums(report(as_of=days_before_t0(9))) == [
        ("acme", "DL", "INR", 2, D("798"), D("30"), 0, D("0"), 0)
    ]


def test_a_number_is_not_counted_before_it_was_first_seen() -> None:
    make_exophone(rental_price=D("499"), first_seen=T0 - timedelta(days=30))
    changed = make_exophone(rental_price=D("599"), first_seen=T0 - timedelta(days=20))
    make_change(
        exophone=changed,
        field="rental_price",
        old="599",
        new="599",
        observed_at=T0 - timedelta(days=10),
    )

    assert report(as_of=days_before_t0(31)).rows == []
    assert rentals(report(as_of=days_before_t0(25))) == {("DL", "INR"): D("499")}
    assert rentals(report(as_of=days_before_t0(20))) == {("DL", "INR"): D("1098")}


def test_a_released_number_is_counted_on_a_day_before_its_release() -> None:
    released = T0 - timedelta(days=5)
    make_exophone(rental_price=D("100"))
    recorded = make_exophone(rental_price=D("20"), released_at=released)
    make_change(
        exophone=recorded,
        field="released_at",
        old=None,
        new="2026-11-17T06:00:00Z",
        observed_at=released,
    )
    # Released with no change record: first_seen and released_at alone.
    make_exophone(rental_price=D("3"), released_at=released)

    assert rentals(report(as_of=days_before_t0(6))) == {("DL", "INR"): D("123")}
    assert rentals(report(as_of=days_before_t0(5))) == {("DL", "INR"): D("100")}
    assert rentals(report()) == {("DL", "INR"): D("100")}


def test_a_number_released_and_listed_again_is_absent_in_between() -> None:
    phone = make_exophone(rental_price=D("499"))
    make_change(
        exophone=phone,
        field="released_at",
        old=None,
        new="2026-11-02T06:00:00Z",
        observed_at=T0 - timedelta(days=20),
    )
    make_change(
        exophone=phone,
        field="released_at",
        old="2026-11-02T06:00:00Z",
        new=None,
        observed_at=T0 - timedelta(days=10),
    )

    assert rentals(report(as_of=days_before_t0(25))) == {("DL", "INR"): D("499")}
    assert report(as_of=days_before_t0(15)).rows == []
    assert rentals(report(as_of=days_before_t0(5))) == {("DL", "INR"): D("499")}


def test_a_past_day_by_cost_centre_uses_todays_cost_centre() -> None:
    phone = make_exophone(cost_centre="sales", rental_price=D("599"))
    make_change(
        exophone=phone,
        field="rental_price",
        old="499",
        new="599",
        observed_at=T0 - timedelta(days=10),
    )
    make_change(
        exophone=phone,
        field="cost_centre",
        old="",
        new="sales",
        observed_at=T0 - timedelta(days=1),
        source=ExoPhoneChange.Source.LOCAL,
    )

    result = report(by="cost_centre", as_of=days_before_t0(11))

    assert [(r.key, r.monthly_rental) for r in result.rows] == [("sales", D("499"))]
    assert report(CostFilters(cost_centre=""), as_of=days_before_t0(11)).rows == []


# The 12-month line


def test_the_monthly_line_has_each_first_of_month_by_the_as_of_rule() -> None:
    # T0 is 22 November 2026: the line runs from 1 December 2025 to 1 November 2026.
    make_exophone(rental_price=D("100"), first_seen=datetime(2025, 1, 1, tzinfo=UTC))
    repriced = make_exophone(rental_price=D("599"), first_seen=datetime(2026, 1, 15, tzinfo=UTC))
    make_change(
        exophone=repriced,
        field="rental_price",
        old="499",
        new="599",
        observed_at=datetime(2026, 6, 10, tzinfo=UTC),
    )
    make_exophone(
        currency="USD",
        rental_price=D("5.5"),
        first_seen=datetime(2025, 1, 1, tzinfo=UTC),
        released_at=datetime(2026, 9, 15, tzinfo=UTC),
    )
    # Released with no record of it, but with a flow change: rebuilt here.
    rewired = make_exophone(
        currency="USD",
        rental_price=D("2"),
        first_seen=datetime(2025, 1, 1, tzinfo=UTC),
        released_at=datetime(2026, 5, 15, tzinfo=UTC),
    )
    make_change(
        exophone=rewired,
        old=None,
        new=rewired.voice_url,
        observed_at=datetime(2026, 3, 3, tzinfo=UTC),
    )
    make_exophone(rental_price=D("1"), first_seen=datetime(2026, 11, 2, tzinfo=UTC))

    line = monthly_rental_history(filters=ALL, now=T0)

    firsts = [date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 12)]
    inr = [D("100")] * 2 + [D("599")] * 5 + [D("699")] * 5
    usd = [D("7.5")] * 6 + [D("5.5")] * 4 + [D("0")] * 2
    assert line == [
        point
        for month, inr_rental, usd_rental in zip(firsts, inr, usd, strict=True)
        for point in (
            MonthPoint(month=month, currency="INR", monthly_rental=inr_rental),
            MonthPoint(month=month, currency="USD", monthly_rental=usd_rental),
        )
    ]


def test_the_monthly_line_filters_by_the_values_then() -> None:
    phone = make_exophone(
        region="MH", rental_price=D("599"), first_seen=datetime(2026, 1, 1, tzinfo=UTC)
    )
    make_change(
        exophone=phone,
        field="region",
        old="DL",
        new="MH",
        observed_at=datetime(2026, 10, 15, tzinfo=UTC),
    )
    make_exophone(region="MH", rental_price=D("1"))

    line = monthly_rental_history(filters=CostFilters(region="DL"), months=2, now=T0)

    assert line == [
        MonthPoint(month=date(2026, 10, 1), currency="INR", monthly_rental=D("599")),
        MonthPoint(month=date(2026, 11, 1), currency="INR", monthly_rental=D("0")),
    ]


def test_the_monthly_line_is_empty_without_numbers() -> None:
    assert monthly_rental_history(filters=ALL, now=T0) == []


# Filter choices


def test_filter_choices_are_the_values_present() -> None:
    make_account(sid="acme", display_name="Acme Corp")
    make_account(sid="globex")
    acme = Account.objects.get(sid="acme")
    make_exophone(account=acme, region="MH", cost_centre="sales", number_type="Mobile")
    make_exophone(account=acme, region="DL", currency="USD")
    make_exophone(account=acme, region="ZZ", released_at=T0)

    assert cost_filter_choices() == {
        "account": [("acme", "Acme Corp (acme)"), ("globex", "globex")],
        "region": [("DL", "Delhi (DL)"), ("MH", "Maharashtra (MH)"), ("ZZ", "ZZ")],
        "currency": [("INR", "INR"), ("USD", "USD")],
        "number_type": [("Landline", "Landline"), ("Mobile", "Mobile")],
        "cost_centre": [("", "(none)"), ("sales", "sales")],
    }


# Query counts


def add_numbers(account: Account, count: int, start: int) -> None:
    """`count` numbers in one insert, every third with a price change and
    every seventh released since; a few in MH, in USD, or idle."""
    run = make_sync_run(account=account)
    phones = ExoPhone.objects.bulk_create(
        ExoPhone(
            account=account,
            sid=f"bulk{n}",
            phone_number=f"+9180{n:08d}",
            region="MH" if n % 4 == 0 else "DL",
            currency="USD" if n % 5 == 0 else "INR",
            number_type="Landline",
            rental_price=D("499"),
            one_time_price=D("0"),
            voice_url=None if n % 2 else f"https://my.exotel.com/acme/exoml/start_voice/{n}",
            cost_centre="sales" if n % 3 else "",
            first_seen=T0 - timedelta(days=400),
            last_seen=T0,
            released_at=T0 - timedelta(days=40) if n % 7 == 0 else None,
        )
        for n in range(start, start + count)
    )
    ExoPhoneChange.objects.bulk_create(
        ExoPhoneChange(
            exophone=phone,
            field="rental_price",
            old_value="399.000000",
            new_value="499.000000",
            observed_at=T0 - timedelta(days=100),
            sync_run=run,
        )
        for phone in phones[::3]
    )


def queries_of(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


CALLS = {
    "now": lambda: report(),
    "as_of": lambda: report(as_of=days_before_t0(120)),
    "by cost centre as_of": lambda: report(CostFilters(region="DL"), by="cost_centre", as_of=T0),
    "12 months": lambda: monthly_rental_history(filters=ALL, now=T0),
}


@pytest.mark.parametrize("name", CALLS)
def test_the_query_count_does_not_grow_with_the_numbers(name: str) -> None:
    account = make_account()
    add_numbers(account, 10, start=0)
    at_10 = queries_of(CALLS[name])
    add_numbers(account, 490, start=10)

    assert queries_of(CALLS[name]) == at_10


def test_five_hundred_numbers_add_up() -> None:
    add_numbers(make_account(), 500, start=0)
    # 72 of the 500 are released (n % 7 == 0); 100 are USD (n % 5 == 0).
    current = report()
    released_since = report(as_of=days_before_t0(41))
    before_the_change = report(as_of=days_before_t0(101))

    assert [(t.currency, t.numbers, t.monthly_rental) for t in current.totals] == [
        ("INR", 343, D("171157")),
        ("USD", 85, D("42415")),
    ]
    assert [(t.currency, t.numbers) for t in released_since.totals] == [("INR", 400), ("USD", 100)]
    # 167 numbers (n % 3 == 0) cost 399 before day 100: 100 less each.
    inr_repriced = len([n for n in range(500) if n % 3 == 0 and n % 5])
    assert before_the_change.totals[0].monthly_rental == D(499 * 400 - 100 * inr_repriced)
