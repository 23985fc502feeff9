"""Local edits (services.local_edits): owner, cost centre and notes, each
edit a change record with its user, and no sync undoes them."""

from collections.abc import Iterator

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exoinventory.exotel.accounts import parse_accounts
from exoinventory.exotel.budget import LocalRequestBudget
from exoinventory.exotel.client import ExotelClient
from exoinventory.numbers.models import ExoPhone, ExoPhoneChange, SyncRun
from exoinventory.numbers.services.local_edits import (
    exophone_editable_fields,
    exophone_local_edit,
    exophones_bulk_set,
)
from exoinventory.numbers.services.sync import exophones_sync
from exoinventory.simulator import ExotelSimulator
from tests.factories import T0, make_exophone, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def finance() -> User:
    return make_user("priya", groups=("Finance",))


@pytest.fixture
def support() -> User:
    return make_user("sam", groups=("Support",))


def test_a_local_edit_writes_the_field_and_one_change_record_with_the_user(finance, frozen) -> None:
    phone = make_exophone(cost_centre="CC-1")

    records = exophone_local_edit(exophone=phone, user=finance, changes={"cost_centre": "CC-104"})

    phone.refresh_from_db()
    assert phone.cost_centre == "CC-104"
    record = ExoPhoneChange.objects.get()
    assert records == [record]
    assert (
        record.exophone_id,
        record.field,
        record.old_value,
        record.new_value,
        record.source,
        record.user,
        record.user_name,
        record.sync_run,
        record.observed_at,
        record.exotel_date_updated,
    ) == (phone.pk, "cost_centre", "CC-1", "CC-104", "local", finance, "priya", None, T0, None)


def test_each_changed_field_is_one_record_and_an_unchanged_one_none(finance) -> None:
    phone = make_exophone(owner="Priya", cost_centre="")

    exophone_local_edit(
        exophone=phone, user=finance, changes={"owner": "Priya", "cost_centre": "CC-104"}
    )

    assert list(ExoPhoneChange.objects.values_list("field", "old_value", "new_value")) == [
        ("cost_centre", None, "CC-104")
    ]


def test_old_values_come_from_the_database_not_from_the_object_passed(finance) -> None:
    phone = make_exophone(owner="Priya")
    phone.owner = "typed in a form, not saved"

    exophone_local_edit(exophone=phone, user=finance, changes={"owner": "Ravi"})

    assert ExoPhoneChange.objects.get().old_value == "Priya"


def test_clearing_a_field_records_its_new_value_as_empty(support) -> None:
    phone = make_exophone(notes="Helpline")

    exophone_local_edit(exophone=phone, user=support, changes={"notes": ""})

    phone.refresh_from_db()
    assert phone.notes == ""
    assert ExoPhoneChange.objects.get().new_value is None


@pytest.mark.parametrize(
    ("who", "field"),
    [("Support", "owner"), ("Support", "cost_centre"), ("Finance", "notes"), ("Auditor", "owner")],
)
def test_a_field_the_user_may_not_edit_is_refused_and_nothing_is_written(
    who: str, field: str
) -> None:
    user = make_user(who.lower(), groups=(who,))
    phone = make_exophone()

    with pytest.raises(PermissionDenied):
        exophone_local_edit(exophone=phone, user=user, changes={field: "x", "notes": "y"})
    with pytest.raises(PermissionDenied):
        exophones_bulk_set(exophones=ExoPhone.objects.all(), user=user, field=field, value="x")

    phone.refresh_from_db()
    assert (phone.owner, phone.cost_centre, phone.notes) == ("", "", "")
    assert not ExoPhoneChange.objects.exists()


@pytest.mark.parametrize("field", ["rental_price", "voice_url", "phone_number"])
def test_a_synced_field_is_refused_even_to_a_superuser(field: str) -> None:
    boss = make_user("boss", is_superuser=True)
    phone = make_exophone()

    with pytest.raises(PermissionDenied):
        exophone_local_edit(exophone=phone, user=boss, changes={field: "1"})


def test_a_value_longer_than_the_field_is_refused(finance) -> None:
    phone = make_exophone()

    with pytest.raises(ValidationError):
        exophone_local_edit(exophone=phone, user=finance, changes={"cost_centre": "C" * 65})

    assert not ExoPhoneChange.objects.exists()


@pytest.mark.parametrize(
    ("who", "fields"),
    [
        ("Finance", ("owner", "cost_centre")),
        ("Support", ("notes",)),
        ("Auditor", ()),
    ],
)
def test_each_role_may_edit_its_fields(who: str, fields: tuple[str, ...]) -> None:
    assert exophone_editable_fields(user=make_user(who.lower(), groups=(who,))) == fields


def test_a_superuser_may_edit_every_local_field_and_a_user_with_no_role_none() -> None:
    boss = make_user("boss", is_superuser=True)
    plain = make_user("plain", permissions=("numbers.change_exophone",))

    assert exophone_editable_fields(user=boss) == ("owner", "cost_centre", "notes")
    assert exophone_editable_fields(user=plain) == ()


# --- Bulk


def test_a_bulk_set_records_one_change_per_number_that_changed(finance, frozen) -> None:
    a, b = make_exophone(owner="Ravi"), make_exophone(owner="")
    already, other = make_exophone(owner="Priya"), make_exophone(owner="Ravi", region="MU")

    changed = exophones_bulk_set(
        exophones=ExoPhone.objects.filter(region="DL"), user=finance, field="owner", value="Priya"
    )

    assert changed == 2
    assert dict(ExoPhone.objects.values_list("pk", "owner")) == {
        a.pk: "Priya",
        b.pk: "Priya",
        already.pk: "Priya",
        other.pk: "Ravi",
    }
    assert sorted(
        ExoPhoneChange.objects.values_list(
            "exophone_id", "old_value", "new_value", "source", "user_name", "observed_at"
        )
    ) == [
        (a.pk, "Ravi", "Priya", "local", "priya", T0),
        (b.pk, None, "Priya", "local", "priya", T0),
    ]


def bulk_queries(count: int, user: User, value: str) -> int:
    for _ in range(count):
        make_exophone(cost_centre="before")
    with CaptureQueriesContext(connection) as queries:
        changed = exophones_bulk_set(
            exophones=ExoPhone.objects.filter(cost_centre="before"),
            user=user,
            field="cost_centre",
            value=value,
        )
    assert changed == count
    return len(queries)


def test_a_bulk_set_runs_as_many_queries_for_200_numbers_as_for_2(finance) -> None:
    # The user's permissions are read on the first check, then cached on it.
    exophone_editable_fields(user=finance)

    with_2 = bulk_queries(2, finance, "CC-2")
    with_200 = bulk_queries(200, finance, "CC-200")

    assert with_200 == with_2
    assert ExoPhoneChange.objects.filter(new_value="CC-200").count() == 200


def test_a_bulk_set_accepts_the_admins_annotated_and_ordered_queryset(finance) -> None:
    phones = [make_exophone() for _ in range(3)]
    queryset = (
        ExoPhone.objects.filter(pk__in=[p.pk for p in phones])
        .select_related("account")
        .order_by("-phone_number")
        .distinct()
    )

    assert exophones_bulk_set(exophones=queryset, user=finance, field="owner", value="X") == 3


# --- Syncs leave local edits alone


def test_a_sync_after_a_local_edit_keeps_the_local_value_and_adds_no_local_record(
    finance, settings
) -> None:
    with ExotelSimulator(numbers=5, seed=3, accounts=["Acme"], evolve=False) as simulator:
        settings.EXOTEL_ACCOUNTS = simulator.account_url("Acme")
        settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 100_000
        settings.REDIS_URL = ""
        account = parse_accounts(settings.EXOTEL_ACCOUNTS)[0]
        client = ExotelClient(
            account,
            budget=LocalRequestBudget(100_000),
            listing_zone="Asia/Kolkata",
            timeout=(2.0, 1.0),
            backoff_seconds=0.01,
        )

        def sync() -> None:
            exophones_sync(account=account, trigger=SyncRun.Trigger.COMMAND, client=client)

        sync()
        sid = simulator.numbers("Acme")[0]["sid"]
        phone = ExoPhone.objects.get(sid=sid)
        exophone_local_edit(
            exophone=phone, user=finance, changes={"owner": "Priya", "cost_centre": "CC-104"}
        )
        simulator.set_field("Acme", sid, "friendly_name", "Renamed in Exotel")
        sync()

    phone.refresh_from_db()
    assert (phone.owner, phone.cost_centre, phone.friendly_name) == (
        "Priya",
        "CC-104",
        "Renamed in Exotel",
    )
    assert sorted(ExoPhoneChange.objects.values_list("field", "source", "user_name")) == [
        ("cost_centre", "local", "priya"),
        ("friendly_name", "sync", ""),
        ("owner", "local", "priya"),
    ]
    assert ExoPhoneChange.objects.get(field="friendly_name").sync_run is not None
