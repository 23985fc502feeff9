"""The one freshness rule for pages (selectors.freshness): a status is shown
while it was observed within its account's fresh_for, else it is "no data"."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine

from exoinventory.numbers.cadence import account_cadence
from exoinventory.numbers.models import ExoPhone
from exoinventory.numbers.selectors.freshness import (
    Freshness,
    last_seen_text,
    no_data_by_account,
)
from tests.factories import T0, make_account, make_exophone

pytestmark = pytest.mark.django_db

# At 50 requests a minute and a sweep every 5 minutes, an account of a few
# numbers is re-checked every sweep: its statuses are fresh for 10 minutes.
FRESH_FOR = timedelta(minutes=10)


@pytest.fixture(autouse=True)
def _frozen_time_and_budget(settings) -> Iterator[None]:
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 50
    settings.SYNC_INTERVAL_MINUTES = 5
    settings.LISTING_INTERVAL_MINUTES = 60
    with time_machine.travel(T0, tick=False):
        yield


def observed(age: timedelta, **fields) -> ExoPhone:
    return make_exophone(connectivity_observed_at=T0 - age, **fields)


def test_a_small_accounts_statuses_are_fresh_for_two_sweep_intervals() -> None:
    phone = make_exophone()

    assert Freshness.at(T0).cadence(phone.account_id).fresh_for == FRESH_FOR


def test_a_status_observed_within_fresh_for_is_shown() -> None:
    phone = observed(FRESH_FOR, incoming_status="major_outage")

    freshness = Freshness.at(T0)

    assert freshness.is_fresh(phone)
    assert freshness.status_now(phone, "incoming") == "major_outage"
    assert freshness.status_now(phone, "outgoing") == "active"


def test_a_status_observed_just_longer_ago_is_no_data() -> None:
    phone = observed(FRESH_FOR + timedelta(seconds=1), incoming_status="major_outage")

    freshness = Freshness.at(T0)

    assert not freshness.is_fresh(phone)
    assert freshness.status_now(phone, "incoming") is None
    assert freshness.status_now(phone, "outgoing") is None


def test_a_released_number_has_no_status_however_recently_observed() -> None:
    phone = observed(timedelta(0), incoming_status="major_outage", released_at=T0)

    assert Freshness.at(T0).status_now(phone, "incoming") is None


def test_a_number_never_observed_has_no_status() -> None:
    phone = make_exophone(incoming_status="", outgoing_status="", connectivity_observed_at=None)

    assert Freshness.at(T0).status_now(phone, "incoming") is None


def test_it_reads_the_cut_off_of_every_account_in_one_query(django_assert_num_queries) -> None:
    for sid in ("acme", "globex", "initech"):
        account = make_account(sid=sid)
        for _ in range(3):
            make_exophone(account=account)

    with django_assert_num_queries(1):
        freshness = Freshness.at(T0)

    assert {cadence.numbers for cadence in freshness.cadences.values()} == {3}
    assert len(freshness.cadences) == 3


def test_released_numbers_do_not_count_towards_an_accounts_size() -> None:
    account = make_account()
    make_exophone(account=account)
    make_exophone(account=account, released_at=T0 - timedelta(days=1))
    only_released = make_account(sid="globex")
    make_exophone(account=only_released, released_at=T0 - timedelta(days=1))

    freshness = Freshness.at(T0)

    assert freshness.cadence(account.pk).numbers == 1
    assert only_released.pk not in freshness.cadences
    assert freshness.cadence(only_released.pk) == account_cadence(0)


def test_a_bigger_account_keeps_its_statuses_fresh_for_longer(settings) -> None:
    # Budget 4 a sweep, 1 of them for the listing: 3 numbers checked a sweep.
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 1
    small, big = make_account(sid="small"), make_account(sid="big")
    small_phone = observed(timedelta(minutes=30), account=small)
    big_phones = [observed(timedelta(minutes=30), account=big) for _ in range(12)]

    freshness = Freshness.at(T0)

    assert freshness.cadence(small.pk).fresh_for == timedelta(minutes=10)
    assert freshness.cadence(big.pk).fresh_for == timedelta(minutes=40)  # 4 sweeps a round
    assert freshness.status_now(small_phone, "incoming") is None
    assert freshness.status_now(big_phones[0], "incoming") == "active"
    annotated = dict(freshness.annotate(ExoPhone.objects.all()).values_list("pk", "incoming_now"))
    assert annotated[small_phone.pk] == ""
    assert {annotated[phone.pk] for phone in big_phones} == {"active"}


def test_the_annotation_and_the_python_rule_agree_on_every_row() -> None:
    rows = {
        "fresh outage": observed(FRESH_FOR, incoming_status="major_outage"),
        "fresh partial": observed(timedelta(0), outgoing_status="partial_network_outage"),
        "stale outage": observed(FRESH_FOR + timedelta(seconds=1), incoming_status="major_outage"),
        "never observed": make_exophone(
            incoming_status="", outgoing_status="", connectivity_observed_at=None
        ),
        "released": observed(timedelta(0), released_at=T0, incoming_status="major_outage"),
        "other account": observed(timedelta(minutes=1), account=make_account(sid="globex")),
    }
    freshness = Freshness.at(T0)

    annotated = {
        phone.pk: (phone.incoming_now, phone.outgoing_now)
        for phone in freshness.annotate(ExoPhone.objects.all())
    }
    by_rule = {
        phone.pk: tuple(freshness.status_now(phone, d) or "" for d in ("incoming", "outgoing"))
        for phone in ExoPhone.objects.all()
    }

    assert annotated == by_rule
    assert {name: annotated[phone.pk] for name, phone in rows.items()} == {
        "fresh outage": ("major_outage", "active"),
        "fresh partial": ("active", "partial_network_outage"),
        "stale outage": ("", ""),
        "never observed": ("", ""),
        "released": ("", ""),
        "other account": ("active", "active"),
    }


def test_the_annotation_works_before_any_number_exists() -> None:
    freshness = Freshness.at(T0)

    assert list(freshness.annotate(ExoPhone.objects.all())) == []
    assert no_data_by_account(freshness) == {}


def test_no_data_is_counted_per_account_in_one_query(django_assert_num_queries) -> None:
    acme, globex = make_account(sid="acme"), make_account(sid="globex")
    observed(timedelta(0), account=acme)
    observed(FRESH_FOR + timedelta(minutes=1), account=acme)
    make_exophone(account=acme, connectivity_observed_at=None, incoming_status="")
    observed(timedelta(days=30), account=acme, released_at=T0 - timedelta(days=29))
    observed(timedelta(0), account=globex)
    freshness = Freshness.at(T0)

    with django_assert_num_queries(1):
        counts = no_data_by_account(freshness)

    assert counts == {acme.pk: 2}


def test_no_data_says_what_was_last_seen_and_how_long_ago() -> None:
    phone = observed(timedelta(hours=4, minutes=10), incoming_status="major_outage")

    assert last_seen_text(phone, "incoming", now=T0) == "last seen Major outage, 4\xa0hours ago"
    assert last_seen_text(phone, "outgoing", now=T0) == "last seen Active, 4\xa0hours ago"


def test_no_data_shows_a_status_word_exotel_adds_later_as_sent() -> None:
    phone = observed(timedelta(days=2), incoming_status="degraded")

    assert last_seen_text(phone, "incoming", now=T0) == "last seen degraded, 2\xa0days ago"


def test_no_data_says_when_a_number_was_never_observed_or_is_released() -> None:
    never = make_exophone(incoming_status="", connectivity_observed_at=None)
    released = observed(timedelta(0), released_at=T0, incoming_status="major_outage")

    assert last_seen_text(never, "incoming", now=T0) == "not observed yet"
    assert last_seen_text(released, "incoming", now=T0) == "released"
