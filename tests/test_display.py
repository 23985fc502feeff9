"""How pages show durations, moments, "since" and alternates (admin.display,
selectors.alternates, selectors.freshness.with_status_since)."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine

from exoinventory.numbers.admin.display import (
    duration_text,
    local_time_text,
    since_text,
    status_now_badge,
)
from exoinventory.numbers.models import Direction, ExoPhone
from exoinventory.numbers.selectors.alternates import Alternate, alternate_book
from exoinventory.numbers.selectors.freshness import Freshness, with_status_since
from tests.factories import T0, make_connectivity_run, make_exophone


@pytest.fixture(autouse=True)
def _frozen(settings) -> Iterator[None]:
    settings.TIME_ZONE = "Asia/Kolkata"  # T0 is 11:30 IST
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 50
    settings.SYNC_INTERVAL_MINUTES = 5
    with time_machine.travel(T0, tick=False):
        yield


@pytest.mark.parametrize(
    ("span", "shown"),
    [
        (timedelta(0), "0 s"),
        (timedelta(seconds=1.555256), "1 s"),
        (timedelta(seconds=45), "45 s"),
        (timedelta(minutes=1), "1 min"),
        (timedelta(minutes=1, seconds=5), "1 min 5 s"),
        (timedelta(hours=3, minutes=12, seconds=40), "3 h 12 min"),
        (timedelta(hours=3), "3 h"),
        (timedelta(hours=3, seconds=59), "3 h"),
        (timedelta(days=2, hours=5, minutes=1), "2 d 5 h"),
        (timedelta(days=90), "90 d"),
        (-5.0, "0 s"),
        (7200.9, "2 h"),
    ],
)
def test_a_duration_reads_in_its_two_largest_units(span: timedelta | float, shown: str) -> None:
    assert duration_text(span) == shown


def test_a_moment_is_shown_in_the_configured_zone_with_the_zone_named() -> None:
    assert local_time_text(T0) == "22 Nov 2026, 11:30 IST"


@pytest.mark.parametrize(
    ("ago", "shown"),
    [
        (timedelta(hours=2), "since 09:30"),
        (timedelta(days=3), "since 19 Nov 11:30"),
        (timedelta(days=400), "since 18 Oct 2025"),
    ],
)
def test_since_is_as_short_as_the_day_allows(ago: timedelta, shown: str) -> None:
    assert since_text(T0 - ago, now=T0) == shown


@pytest.mark.django_db
def test_a_fresh_badge_says_since_when_its_current_run_began() -> None:
    phone = make_exophone(incoming_status="major_outage")
    make_connectivity_run(
        exophone=phone,
        status="active",
        first=T0 - timedelta(days=2),
        last=T0 - timedelta(hours=3),
        is_current=False,
    )
    make_connectivity_run(
        exophone=phone, status="major_outage", first=T0 - timedelta(hours=2), last=T0
    )
    freshness = Freshness.at(T0)
    shown = freshness.annotate(with_status_since(ExoPhone.objects.all())).get()

    assert shown.incoming_since == T0 - timedelta(hours=2)
    assert shown.outgoing_since is None
    badge = status_now_badge(shown, Direction.INCOMING, now=T0)
    assert "Major outage" in badge
    assert 'title="22 Nov 2026, 09:30 IST">since 09:30</span>' in badge
    # No run for outgoing yet: the badge alone.
    assert "since" not in status_now_badge(shown, Direction.OUTGOING, now=T0)


@pytest.mark.django_db
def test_alternates_are_our_numbers_with_their_own_status_in_one_query(
    django_assert_num_queries,
) -> None:
    up = make_exophone(phone_number="+911139580001", incoming_status="active")
    down = make_exophone(phone_number="+911139580002", incoming_status="major_outage")
    stale = make_exophone(
        phone_number="+911139580003", connectivity_observed_at=T0 - timedelta(days=1)
    )
    make_exophone(phone_number="+911139580004", released_at=T0 - timedelta(days=1))
    freshness = Freshness.at(T0)
    lists = [["011-39580001", "+911139580002"], ["01139580003", "+911139580004", 42, "x"], None]

    with django_assert_num_queries(1):
        book = alternate_book(lists, freshness=freshness)

    assert book.of(lists[0], Direction.INCOMING) == [
        Alternate(phone_number=up.phone_number, pk=up.pk, status_now="active"),
        Alternate(phone_number=down.phone_number, pk=down.pk, status_now="major_outage"),
    ]
    # Stale: ours, but no data; released: not ours any more; junk: as sent.
    assert book.of(lists[1], Direction.INCOMING) == [
        Alternate(phone_number=stale.phone_number, pk=stale.pk, status_now=None),
        Alternate(phone_number="+911139580004"),
        Alternate(phone_number="x"),
    ]
    assert book.of(None, Direction.INCOMING) == []
