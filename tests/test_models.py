"""The inventory's tables: their constraints, exact money and the circles."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from exoinventory.numbers.admin.display import status_class
from exoinventory.numbers.models import Circle, Direction, ExoPhone
from tests.factories import T0, make_account, make_connectivity_run, make_exophone

pytestmark = pytest.mark.django_db

CIRCLES = {
    "AP": "Andhra Pradesh",
    "AS": "Assam",
    "BR": "Bihar",
    "DL": "Delhi",
    "GJ": "Gujarat",
    "HP": "Himachal Pradesh",
    "HR": "Haryana",
    "JK": "Jammu and Kashmir",
    "KA": "Karnataka",
    "KL": "Kerala",
    "KO": "Kolkata",
    "MH": "Maharashtra",
    "MP": "Madhya Pradesh",
    "MU": "Mumbai",
    "NE": "North East",
    "OR": "Orissa",
    "PB": "Punjab",
    "RJ": "Rajasthan",
    "TN": "Tamil Nadu",
    "UE": "Uttar Pradesh East",
    "UW": "Uttar Pradesh West",
    "WB": "West Bengal",
}


def test_a_sid_is_unique_within_an_account() -> None:
    phone = make_exophone(sid="01139585476")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_exophone(account=phone.account, sid="01139585476")


def test_the_same_sid_may_be_in_two_accounts() -> None:
    make_exophone(account=make_account(sid="acme"), sid="01139585476")
    make_exophone(account=make_account(sid="globex"), sid="01139585476")

    assert ExoPhone.objects.filter(sid="01139585476").count() == 2


def test_a_number_has_one_current_run_per_direction() -> None:
    phone = make_exophone()
    make_connectivity_run(exophone=phone, status="active", first=T0, last=T0)

    with pytest.raises(IntegrityError), transaction.atomic():
        make_connectivity_run(exophone=phone, status="major_outage", first=T0, last=T0)


def test_a_number_has_a_current_run_in_each_direction_and_any_number_of_past_ones() -> None:
    phone = make_exophone()
    for direction in Direction:
        make_connectivity_run(
            exophone=phone,
            direction=direction,
            status="active",
            first=T0 - timedelta(hours=2),
            last=T0 - timedelta(hours=1),
            is_current=False,
        )
        make_connectivity_run(
            exophone=phone,
            direction=direction,
            status="major_outage",
            first=T0 - timedelta(hours=4),
            last=T0 - timedelta(hours=3),
            is_current=False,
        )
        make_connectivity_run(
            exophone=phone, direction=direction, status="active", first=T0, last=T0
        )

    assert phone.connectivity_runs.count() == 6
    assert phone.connectivity_runs.filter(is_current=True).count() == 2


def test_a_run_cannot_end_before_it_starts() -> None:
    phone = make_exophone()

    with pytest.raises(IntegrityError), transaction.atomic():
        make_connectivity_run(
            exophone=phone, status="active", first=T0, last=T0 - timedelta(seconds=1)
        )


def test_a_run_may_be_a_single_observation() -> None:
    run = make_connectivity_run(exophone=make_exophone(), status="active", first=T0, last=T0)

    assert run.first_observed_at == run.last_observed_at


@pytest.mark.parametrize(
    "amount", ["0.000000", "499.000000", "1499.500000", "0.000001", "999999999.999999"]
)
def test_prices_round_trip_exactly_up_to_the_largest_price_accepted(amount: str) -> None:
    phone = make_exophone(
        rental_price=Decimal(amount), one_time_price=Decimal(amount), incoming_rate=Decimal(amount)
    )

    stored = ExoPhone.objects.get(pk=phone.pk)

    for price in (stored.rental_price, stored.one_time_price, stored.incoming_rate):
        assert price == Decimal(amount)
        assert str(price) == amount


def test_the_circles_are_the_22_exotel_names() -> None:
    assert dict(Circle.objects.values_list("code", "name")) == CIRCLES


def test_an_unknown_circle_code_is_stored_and_shown_as_is(admin_client: Client) -> None:
    phone = make_exophone(region="XZ")

    page = admin_client.get("/admin/numbers/exophone/").content.decode()

    assert ExoPhone.objects.get(pk=phone.pk).region == "XZ"
    assert '<td class="field-circle">XZ</td>' in page


@pytest.mark.parametrize(
    ("status", "css_class"),
    [
        ("active", "exo-status-active"),
        ("major_outage", "exo-status-major-outage"),
        ("partial_network_outage", "exo-status-partial-network-outage"),
        ("", "exo-status-no-data"),
        ("something_new", "exo-status-other"),
    ],
)
def test_each_connectivity_status_has_its_badge_class(status: str, css_class: str) -> None:
    assert status_class(status) == css_class
