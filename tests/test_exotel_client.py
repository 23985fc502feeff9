"""exotel_client against the bundled simulator, over real HTTP on loopback."""

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest

from exoinventory.exotel.accounts import ExotelAccount, parse_accounts
from exoinventory.exotel.budget import LocalRequestBudget
from exoinventory.exotel.client import ExotelClient, ExotelError
from exoinventory.exotel.dates import parse_rfc3339
from exoinventory.exotel.records import MAX_ALTERNATES
from exoinventory.simulator import PAGE_URI_HOST, ExotelSimulator
from exoinventory.simulator.data import MALFORMED_ALTERNATES

ACCOUNT = "AcmeSim"
KEY = "sim-key-4f2a"
# Characters that must be percent-encoded in EXOTEL_ACCOUNTS, to prove the
# account URL is decoded right: the simulator checks basic auth byte for byte.
TOKEN = "sim/t0ken:with@odd%chars"
SECRETS = (KEY, TOKEN, quote(TOKEN, safe=""))
LISTING_PATH = f"/v2_beta/Accounts/{ACCOUNT}/IncomingPhoneNumbers"
# Short enough for the timeout tests, long enough for a loaded test machine.
QUICK_TIMEOUT = (1.0, 0.2)


@pytest.fixture
def simulator() -> Iterator[ExotelSimulator]:
    with ExotelSimulator(
        numbers=30, seed=7, accounts=[ACCOUNT], key=KEY, token=TOKEN, evolve=False
    ) as simulator:
        yield simulator


@pytest.fixture
def account(simulator: ExotelSimulator) -> ExotelAccount:
    (account,) = parse_accounts(simulator.account_url(ACCOUNT))
    return account


@pytest.fixture
def sleeps() -> list[float]:
    """What the client slept, in order; nobody really sleeps."""
    return []


def _client(
    account: ExotelAccount,
    sleeps: list[float],
    *,
    page_size: int = 7,
    max_retries: int = 3,
    timeout: tuple[float, float] = (5.0, 5.0),
) -> ExotelClient:
    return ExotelClient(
        account,
        budget=LocalRequestBudget(1000),
        listing_zone="Asia/Kolkata",
        page_size=page_size,
        timeout=timeout,
        max_retries=max_retries,
        backoff_seconds=0.01,
        sleep=sleeps.append,
    )


def _listing_targets(pages: range, page_size: int = 7) -> list[str]:
    return [f"{LISTING_PATH}?Page={page}&PageSize={page_size}" for page in pages]


def _sids(simulator: ExotelSimulator) -> list[str]:
    return [item["sid"] for item in simulator.numbers(ACCOUNT)]


def _assert_credential_free(message: str) -> None:
    assert "\n" not in message
    for secret in SECRETS:
        assert secret not in message


# --- listing


def test_it_lists_every_number_once_over_several_pages(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    client = _client(account, sleeps)
    progress: list[tuple[str, int, int | None]] = []

    listing = client.list_exophones(progress=lambda *call: progress.append(call))

    expected = simulator.numbers(ACCOUNT)
    assert [record.sid for record in listing.records] == [item["sid"] for item in expected]
    assert listing.skipped == []
    first = listing.records[0]
    assert first.phone_number == expected[0]["phone_number"]
    assert first.rental_price == Decimal(expected[0]["rental_price"])
    assert first.voice_url == expected[0]["voice_url"]
    assert (client.stats.pages, client.stats.requests, client.stats.retries) == (5, 5, 0)
    assert progress == [("listing", page, None) for page in range(1, 6)]


def test_it_builds_page_urls_itself_and_never_follows_next_page_uri(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    client = _client(account, sleeps)

    client.list_exophones()

    # Every page named PAGE_URI_HOST in next_page_uri; every request the
    # client sent still reached the simulator, at a URL of its own making.
    assert not PAGE_URI_HOST.startswith(account.base_url)
    assert simulator.request_count == client.stats.requests == 5
    assert [request.path for request in simulator.request_log] == _listing_targets(range(5))


def test_an_empty_last_page_ends_a_listing_of_whole_pages(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    for sid in _sids(simulator)[:2]:
        simulator.remove_number(ACCOUNT, sid)
    client = _client(account, sleeps)

    listing = client.list_exophones()

    assert len(listing.records) == 28
    assert [request.path for request in simulator.request_log] == _listing_targets(range(5))
    assert client.stats.pages == 5


def test_a_page_capped_by_the_server_is_not_taken_for_the_last(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    simulator.add_numbers(ACCOUNT, 100)
    client = _client(account, sleeps, page_size=150)

    listing = client.list_exophones()

    # The simulator serves at most 100 a page, and says so in page_size.
    assert len(listing.records) == 130
    assert client.stats.pages == 2


def test_a_number_seen_on_two_pages_counts_once(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    sids = _sids(simulator)
    simulator.remove_number(ACCOUNT, sids[0])

    def restore_after_the_first_page(stage: str, done: int, total: int | None) -> None:
        # Everything after the restored number moves one place down: the
        # last number of page 0 is served again as the first of page 1.
        if done == 1:
            simulator.restore_number(ACCOUNT, sids[0])

    client = _client(account, sleeps)

    listing = client.list_exophones(progress=restore_after_the_first_page)

    listed = [record.sid for record in listing.records]
    assert listed == sids[1:]
    assert listed.count(sids[7]) == 1


def test_it_sends_credentials_by_basic_auth_never_in_a_url(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    client = _client(account, sleeps)

    client.list_exophones()
    client.fetch_connectivity(_sids(simulator)[:3])

    # The simulator answers 200 only to the right basic auth.
    assert {request.status for request in simulator.request_log} == {200}
    for request in simulator.request_log:
        _assert_credential_free(request.path)


def test_wrong_credentials_fail_the_listing_at_once(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    client = _client(dataclasses.replace(account, token="not-the-token"), sleeps)

    with pytest.raises(ExotelError) as raised:
        client.list_exophones()

    assert str(raised.value) == f"{ACCOUNT}: listing page 0: HTTP 401"
    assert "not-the-token" not in str(raised.value)
    assert client.stats.requests == 1


def test_it_retries_a_503_with_backoff(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    simulator.fail_next(2, status=503)
    client = _client(account, sleeps)

    listing = client.list_exophones()

    assert len(listing.records) == 30
    assert (client.stats.retries, client.stats.requests) == (2, 7)
    assert [request.status for request in simulator.request_log][:3] == [503, 503, 200]
    # Exponential with jitter: half to all of 0.01 s, then of 0.02 s.
    assert 0.005 <= sleeps[0] <= 0.01
    assert 0.01 <= sleeps[1] <= 0.02


def test_it_waits_as_long_as_retry_after_says_on_a_429(
    simulator: ExotelSimulator, account: ExotelAccount
) -> None:
    simulator.set_rate_limit(1)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        simulator.set_rate_limit(None)  # the minute has passed

    client = ExotelClient(
        account,
        budget=LocalRequestBudget(1000),
        listing_zone="Asia/Kolkata",
        page_size=7,
        backoff_seconds=0.01,
        sleep=sleep,
    )

    listing = client.list_exophones()

    assert len(listing.records) == 30
    assert [request.status for request in simulator.request_log][:3] == [200, 429, 200]
    # The simulator's Retry-After: the whole minute of the one request it allows.
    assert slept == [60.0]
    assert client.stats.retries == 1


def test_it_retries_a_timeout(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    simulator.timeout_next(2, seconds=3)
    client = _client(account, sleeps, page_size=50, timeout=QUICK_TIMEOUT)

    listing = client.list_exophones()

    assert len(listing.records) == 30
    assert (client.stats.retries, client.stats.requests) == (2, 3)
    assert len(sleeps) == 2


def test_a_persistent_500_fails_the_listing_in_one_credential_free_line(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    simulator.fail_next(10, status=500)
    client = _client(account, sleeps, max_retries=2)

    with pytest.raises(ExotelError) as raised:
        client.list_exophones()

    assert str(raised.value) == f"{ACCOUNT}: listing page 0: HTTP 500"
    _assert_credential_free(str(raised.value))
    assert (client.stats.requests, client.stats.retries) == (3, 2)


def test_a_page_failing_after_others_fails_the_whole_listing(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    simulator.fail_listing_at_page(2)
    client = _client(account, sleeps, max_retries=1)

    with pytest.raises(ExotelError, match="listing page 2: HTTP 500"):
        client.list_exophones()


def test_an_unreachable_host_fails_in_one_credential_free_line(
    account: ExotelAccount, sleeps: list[float], simulator: ExotelSimulator
) -> None:
    simulator.stop()
    client = _client(account, sleeps, max_retries=2)

    with pytest.raises(ExotelError) as raised:
        client.list_exophones()

    assert str(raised.value) == f"{ACCOUNT}: GET {LISTING_PATH}: ConnectionError after 3 attempts"
    _assert_credential_free(str(raised.value))
    assert client.stats.requests == 3


def test_a_listing_body_that_is_not_json_fails_the_listing(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    simulator.malformed_body_next(1)
    client = _client(account, sleeps)

    with pytest.raises(ExotelError) as raised:
        client.list_exophones()

    assert str(raised.value) == f"{ACCOUNT}: listing page 0: the body is not JSON"


@pytest.mark.parametrize(
    ("how", "field"), [("missing_phone_number", "phone_number"), ("bad_sid", "sid")]
)
def test_an_item_with_an_unusable_identity_is_skipped_and_the_rest_listed(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float], how: str, field: str
) -> None:
    sids = _sids(simulator)
    simulator.malformed_item(ACCOUNT, sids[3], how)
    client = _client(account, sleeps)

    listing = client.list_exophones()

    assert [record.sid for record in listing.records] == sids[:3] + sids[4:]
    (skipped,) = listing.skipped
    # A sid that is not a string is no sid to name.
    assert skipped.sid == (sids[3] if how == "missing_phone_number" else None)
    assert skipped.reason.startswith(field)


@pytest.mark.parametrize(
    ("how", "field"),
    [
        ("bad_price", "rental_price"),
        ("null_one_time_price", "one_time_price"),
        ("bad_date", "date_created"),
        ("zero_date", "date_created"),
        ("year_one_date", "date_updated"),
    ],
)
def test_an_item_with_an_unusable_field_is_listed_with_that_field_empty(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float], how: str, field: str
) -> None:
    sids = _sids(simulator)
    simulator.malformed_item(ACCOUNT, sids[3], how)
    client = _client(account, sleeps)

    listing = client.list_exophones()

    assert [record.sid for record in listing.records] == sids
    assert listing.skipped == []
    spoiled = listing.records[3]
    assert getattr(spoiled, field) is None
    assert spoiled.emptied == (field,)
    assert [record.emptied for record in listing.records].count(()) == 29


def test_a_listing_with_numeric_prices_parses_to_exact_decimals(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    sids = _sids(simulator)
    simulator.malformed_item(ACCOUNT, sids[5], "numeric_prices")
    client = _client(account, sleeps)

    listing = client.list_exophones()

    assert listing.skipped == []
    record = listing.records[5]
    assert record.sid == sids[5]
    assert record.emptied == ()
    # Sent as 499.0 and 0.25: Decimal, exact, never a float on the way.
    assert type(record.rental_price) is Decimal
    assert str(record.rental_price) == "499.000000"
    assert type(record.incoming_rate) is Decimal
    assert str(record.incoming_rate) == "0.250000"
    assert type(record.incoming_pulse) is int
    assert record.incoming_pulse == 60
    # Every other number's prices are its decimal strings, exactly.
    for item, other in zip(simulator.numbers(ACCOUNT), listing.records, strict=True):
        if other.sid != sids[5]:
            assert str(other.rental_price) == item["rental_price"]


# --- connectivity


def test_it_fetches_the_connectivity_of_every_number_over_the_pool(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    sids = _sids(simulator)
    simulator.set_connectivity(
        ACCOUNT, sids[0], "incoming", status="major_outage", alternates=["+911140000001"]
    )
    simulator.set_connectivity(ACCOUNT, sids[1], "outgoing", status="partial_network_outage")
    client = _client(account, sleeps)
    progress: list[tuple[str, int, int | None]] = []

    batch = client.fetch_connectivity(sids, workers=4, progress=lambda *call: progress.append(call))

    assert [report.sid for report in batch.reports] == sids
    assert batch.skipped == []
    assert batch.reports[0].incoming.status == "major_outage"
    assert batch.reports[0].incoming.alternates == ("+911140000001",)
    assert batch.reports[1].outgoing.status == "partial_network_outage"
    assert batch.reports[1].outgoing.alternates is None
    for report in batch.reports:
        block = simulator.connectivity(ACCOUNT, report.sid)
        for observation, key in (
            (report.incoming, "incoming_call"),
            (report.outgoing, "outgoing_call"),
        ):
            assert observation.status == block[key]["status"]
            assert observation.checked_at == parse_rfc3339(block[key]["last_check_time"])
            alternates = block[key]["alternate_exophone"]
            assert observation.alternates == (tuple(alternates) if alternates else None)
    assert progress == [("connectivity", done, 30) for done in range(1, 31)]
    assert client.stats.requests == simulator.request_counts["v2_detail"] == 30


def test_a_failed_detail_is_skipped_and_a_missing_number_is_gone(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    sids = _sids(simulator)[:10]
    simulator.remove_number(ACCOUNT, sids[2])
    simulator.malformed_body_next(1, path_contains=f"/incoming-phone-numbers/{sids[4]}")
    # For one number only: with four workers, any request could take it first.
    simulator.partial_next(1, path_contains=f"/incoming-phone-numbers/{sids[6]}")
    client = _client(account, sleeps)

    batch = client.fetch_connectivity(sids, workers=4)

    reasons = {skipped.sid: skipped.reason for skipped in batch.skipped}
    assert list(batch.gone) == [sids[2]]  # 404: no longer in the account
    assert reasons == {
        sids[4]: "detail HTTP 200: not JSON",
        sids[6]: reasons[sids[6]],
    }
    assert reasons[sids[6]].startswith("detail HTTP 207: Exotel answered 500 failure")
    assert sorted(report.sid for report in batch.reports) == sorted(
        set(sids) - {sids[2], sids[4], sids[6]}
    )


def test_a_sid_is_sent_as_one_path_segment(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    client = _client(account, sleeps)

    batch = client.fetch_connectivity([f"../../..{LISTING_PATH}?Page=0"])

    (request,) = simulator.request_log
    assert request.path == (
        f"/v2/accounts/{ACCOUNT}/incoming-phone-numbers/"
        "..%2F..%2F..%2Fv2_beta%2FAccounts%2FAcmeSim%2FIncomingPhoneNumbers%3FPage%3D0"
    )
    assert list(batch.gone) == [f"../../..{LISTING_PATH}?Page=0"]
    assert batch.reports == [] and batch.skipped == []


def test_a_detail_that_keeps_failing_is_skipped_after_its_retries(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    sids = _sids(simulator)[:4]
    simulator.fail_next(10, status=500, path_contains=sids[1])
    simulator.timeout_next(10, seconds=3, path_contains=sids[3])
    client = _client(account, sleeps, max_retries=1, timeout=QUICK_TIMEOUT)

    batch = client.fetch_connectivity(sids, workers=2)

    assert [report.sid for report in batch.reports] == [sids[0], sids[2]]
    reasons = {skipped.sid: skipped.reason for skipped in batch.skipped}
    assert reasons[sids[1]].startswith("detail HTTP 500: Exotel answered 500 failure")
    assert reasons[sids[3]] == (
        f"{ACCOUNT}: GET /v2/accounts/{ACCOUNT}/incoming-phone-numbers/{sids[3]}:"
        " ReadTimeout after 2 attempts"
    )
    for reason in reasons.values():
        _assert_credential_free(reason)


def test_stats_count_every_attempt_across_the_pool(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    sids = _sids(simulator)[:5]
    simulator.fail_next(3, status=503)
    client = _client(account, sleeps)

    batch = client.fetch_connectivity(sids, workers=2)

    assert len(batch.reports) == 5
    assert (client.stats.requests, client.stats.retries) == (8, 3)
    assert client.stats.requests == simulator.request_count
    assert len(sleeps) == 3


def test_an_observation_is_stamped_after_its_request_was_sent(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    sid = _sids(simulator)[0]
    # Exotel's last check lies in the past; the stamp is when we heard of it.
    simulator.set_latency(0.2)
    client = _client(account, sleeps)

    sent = datetime.now(UTC)
    (report,) = client.fetch_connectivity([sid]).reports
    returned = datetime.now(UTC)

    assert sent + timedelta(seconds=0.2) <= report.observed_at <= returned
    assert report.observed_at.utcoffset() == timedelta(0)
    block = simulator.connectivity(ACCOUNT, sid)
    assert report.incoming.checked_at == parse_rfc3339(block["incoming_call"]["last_check_time"])


def test_alternates_sent_as_objects_are_read_over_http(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    sid = _sids(simulator)[0]
    simulator.malformed_item(ACCOUNT, sid, "alternates_objects")
    client = _client(account, sleeps)

    (report,) = client.fetch_connectivity([sid]).reports

    for observation in (report.incoming, report.outgoing):
        assert observation.status == "major_outage"
        assert observation.alternates == MALFORMED_ALTERNATES[:2]
    assert report.emptied == ()


def test_a_long_list_of_alternates_is_cut_to_the_first_20_over_http(
    simulator: ExotelSimulator, account: ExotelAccount, sleeps: list[float]
) -> None:
    sid = _sids(simulator)[0]
    simulator.malformed_item(ACCOUNT, sid, "many_alternates")
    client = _client(account, sleeps)

    (report,) = client.fetch_connectivity([sid]).reports

    assert report.incoming.status == report.outgoing.status == "major_outage"
    assert len(MALFORMED_ALTERNATES) > MAX_ALTERNATES
    assert report.incoming.alternates == MALFORMED_ALTERNATES[:MAX_ALTERNATES]
    assert report.outgoing.alternates == MALFORMED_ALTERNATES[:MAX_ALTERNATES]
    assert report.emptied == ()
