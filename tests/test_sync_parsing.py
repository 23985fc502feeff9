"""What the sync makes of documented but unusual payloads, over real HTTP.

One test per case, each with its outcome: a record is skipped only when its
sid or phone number is unusable; any other unusable field is stored empty,
counted on the sync run, and the run is "partial"; the number's
connectivity is checked either way. (How each payload is read is tested in
test_exotel_records.py; here, what the whole sync does with it.)
"""

# The simulator and account fixtures come from test_sync; pytest passes them
# by name, which ruff reads as redefinitions.
# ruff: noqa: F811

from decimal import Decimal

import pytest

from exoinventory.numbers.models import ExoPhone, SyncRun
from tests.test_sync import (  # noqa: F401 - account and simulator are fixtures
    ACCOUNT,
    account,
    first_sid,
    phone,
    simulator,
    sync,
)

pytestmark = pytest.mark.django_db

PARTIAL, SUCCESS = SyncRun.Outcome.PARTIAL, SyncRun.Outcome.SUCCESS


def test_prices_and_the_pulse_sent_as_json_numbers_are_stored_exactly(simulator, account):
    sid = first_sid(simulator)
    simulator.malformed_item(ACCOUNT, sid, "numeric_prices")

    result = sync(account)

    assert result.listing.outcome == SUCCESS, result.listing.fields_emptied
    stored = phone(sid)
    assert stored.rental_price == Decimal("499.000000")
    assert stored.incoming_rate == Decimal("0.250000")
    assert stored.incoming_pulse == 60
    assert stored.connectivity_observed_at is not None


def test_a_null_one_time_price_is_stored_empty_and_the_run_is_partial(simulator, account):
    sid = first_sid(simulator)
    simulator.malformed_item(ACCOUNT, sid, "null_one_time_price")

    result = sync(account)

    assert result.listing.outcome == PARTIAL
    assert result.listing.fields_emptied == {"one_time_price": 1}
    assert result.listing.numbers_seen == 40 and result.listing.records_skipped == 0
    assert phone(sid).one_time_price is None
    assert phone(sid).rental_price is not None
    assert phone(sid).connectivity_observed_at is not None


def test_a_zero_date_is_stored_empty_and_the_number_kept(simulator, account):
    sid = first_sid(simulator)
    simulator.malformed_item(ACCOUNT, sid, "zero_date")

    result = sync(account)

    assert result.listing.outcome == PARTIAL
    assert result.listing.fields_emptied == {"date_created": 1}
    assert phone(sid).date_created is None
    assert phone(sid).connectivity_observed_at is not None


def test_year_one_is_stored_empty_and_never_fails_the_account(simulator, account):
    sid = first_sid(simulator)
    simulator.malformed_item(ACCOUNT, sid, "year_one_date")

    first = sync(account)
    again = sync(account)

    for result in (first, again):
        assert result.listing.outcome == PARTIAL, result.listing.error
        assert result.listing.fields_emptied == {"date_updated": 1}
        assert result.listing.numbers_seen == 40
    assert phone(sid).date_updated is None


def test_alternates_sent_as_objects_are_stored_as_numbers(simulator, account):
    sid = first_sid(simulator)
    simulator.malformed_item(ACCOUNT, sid, "alternates_objects")

    result = sync(account)

    assert result.sweep.outcome == SUCCESS, result.sweep.fields_emptied
    stored = phone(sid)
    assert stored.incoming_status == "major_outage"
    assert stored.incoming_alternates and len(stored.incoming_alternates) == 2
    assert all(number.startswith("+91") for number in stored.incoming_alternates)


def test_at_most_20_alternates_are_kept(simulator, account):
    sid = first_sid(simulator)
    simulator.malformed_item(ACCOUNT, sid, "many_alternates")

    sync(account)

    assert len(phone(sid).incoming_alternates) == 20
    assert len(phone(sid).outgoing_alternates) == 20


def test_a_new_number_without_a_phone_number_is_skipped_and_counted(simulator, account):
    sid = first_sid(simulator)
    simulator.malformed_item(ACCOUNT, sid, "missing_phone_number")

    result = sync(account)

    assert result.listing.outcome == PARTIAL
    assert (result.listing.records_skipped, result.listing.numbers_seen) == (1, 39)
    assert not ExoPhone.objects.filter(sid=sid).exists()


def test_a_known_number_whose_phone_number_turns_unusable_is_still_checked_and_kept(
    simulator, account
):
    sid = first_sid(simulator)
    sync(account)
    checked_before = phone(sid).connectivity_observed_at
    simulator.malformed_item(ACCOUNT, sid, "missing_phone_number")

    result = sync(account)

    assert result.listing.records_skipped == 1
    assert result.sweep.numbers_released == 0
    assert phone(sid).released_at is None
    assert phone(sid).connectivity_observed_at > checked_before


def test_an_item_with_an_unusable_sid_is_skipped_and_counted(simulator, account):
    simulator.malformed_item(ACCOUNT, first_sid(simulator), "bad_sid")

    result = sync(account)

    assert result.listing.outcome == PARTIAL
    assert (result.listing.records_skipped, result.listing.numbers_seen) == (1, 39)
