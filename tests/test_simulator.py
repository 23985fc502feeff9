"""The bundled Exotel simulator, over real HTTP on loopback."""

import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

from exoinventory.simulator import MAX_PAGE_SIZE, PAGE_URI_HOST, ExotelSimulator
from exoinventory.simulator.data import (
    CIRCLE_WEIGHTS,
    DRIFT_TICKS,
    MALFORMED_ALTERNATES,
    MAX_OUTAGE_TICKS,
    UNKNOWN_CIRCLE,
    WINDOW_TICKS,
)

ACCOUNT = "AcmeSim"
EPOCH = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
AUTH = ("simkey", "simtoken")
REPO = Path(__file__).resolve().parent.parent

# The documented examples, verbatim (seed 001: listing, one item kept; and
# detail; seed 000: the v2 envelope).
SEED_LISTING = json.loads("""
{ "page": 0, "page_size": 50,
  "uri": "http://twilix.exotel.com/v2_beta/Accounts/Exotel/IncomingPhoneNumbers?Page=0&PageSize=50",
  "first_page_uri": "http://twilix.exotel.com/v2_beta/Accounts/Exotel/IncomingPhoneNumbers?Page=0&PageSize=50",
  "next_page_uri": "http://twilix.exotel.com/v2_beta/Accounts/Exotel/IncomingPhoneNumbers?Page=1&PageSize=50",
  "previous_page_uri": null,
  "incoming_phone_numbers": [ { "sid": "011XXXXXXX1", "date_created": "2016-03-04 17:31:50",
    "date_updated": "2017-09-22 22:47:00", "account_sid": "Exotel", "friendly_name": "011XXXXXXX6",
    "phone_number": "+9111XXXXXXX6", "capabilities": { "voice": true, "sms": true },
    "country": "IN", "region": "DL", "one_time_price": "0.000000", "rental_price": "0.000000",
    "incoming_rate": "0.000000", "incoming_pulse": "60", "currency": "INR",
    "number_type": "Landline", "vanity_number": false, "voice_url": null, "sms_url": null,
    "uri": "/v2_beta/Accounts/Exotel/IncomingPhoneNumbers/011XXXXXXX6" } ] }
""")
SEED_BETA_DETAIL = json.loads("""
{ "sid": "9eeafc8ab479a386dc95f854f9d7cd8a", "date_created": "2016-11-09 13:48:12",
  "date_updated": "2017-03-30 14:19:02", "account_sid": "Exotel", "friendly_name": "XXXXX30240",
  "phone_number": "+91XXXX30240", "capabilities": { "voice": true, "sms": true },
  "country": "IN", "region": "WB", "one_time_price": "0.000000", "rental_price": "499.000000",
  "incoming_rate": "0.000000", "incoming_pulse": "60", "currency": "INR",
  "number_type": "Landline", "vanity_number": false,
  "voice_url": "https://my.exotel.in/Exotel/exoml/start_voice/12XX48",
  "sms_url": "https://my.exotel.in/Exotel/exoml/start_sms/22XX39",
  "uri": "/v2_beta/Accounts/Exotel/IncomingPhoneNumbers/9eeafc8ab479a386dc95f854f9d7cd8a" }
""")
SEED_V2 = json.loads("""
{ "request_id": "0f403dff8d854ca08c570a94717aa7d9", "method": "GET", "http_code": 200,
  "metadata": { "page_size": 1, "page": 0 },
  "response": [ { "code": 200, "error_data": null, "status": "success",
    "data": { "sid": "01139585476", "date_created": "2018-08-22T12:22:49Z",
      "date_updated": "2018-08-24T11:25:49Z", "friendly_name": "01139585476",
      "account_sid": "Exotel", "phone_number": "+911139585476", "capabilities": { "voice": true },
      "country": "IN", "region": "DL", "one_time_price": "0.000000",
      "rental_price": "499.000000", "incoming_rate": "0.000000", "incoming_pulse": "60",
      "currency": "INR", "number_type": "Landline", "vanity_number": false,
      "voice_url": "https://my.exotel.com/Exotel/exoml/start_voice/XXX",
      "sms_url": "https://my.exotel.com/Exotel/exoml/start_sms/XXX",
      "uri": "/v2/accounts/Exotel/incoming-phone-numbers/01139585476",
      "connectivity": {
        "incoming_call": { "status": "active", "last_check_time": "2018-08-24T11:25:49Z",
                           "alternate_exophone": null },
        "outgoing_call": { "status": "active", "last_check_time": "2018-08-24T11:25:49Z",
                           "alternate_exophone": null } } } } ] }
""")
STATUSES = {"active", "major_outage", "partial_network_outage"}
PRICE = re.compile(r"\d+\.\d{6}")


@pytest.fixture
def sim() -> Iterator[ExotelSimulator]:
    with ExotelSimulator(
        numbers=30, seed=7, accounts=[ACCOUNT], evolve=False, epoch=EPOCH
    ) as simulator:
        yield simulator


@pytest.fixture
def api() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.auth = AUTH
        yield session


def listing_url(sim: ExotelSimulator, page: int = 0, size: int = 50) -> str:
    path = f"/v2_beta/Accounts/{ACCOUNT}/IncomingPhoneNumbers?Page={page}&PageSize={size}"
    return sim.base_url + path


def beta_url(sim: ExotelSimulator, sid: str, account: str = ACCOUNT) -> str:
    return f"{sim.base_url}/v2_beta/Accounts/{account}/IncomingPhoneNumbers/{sid}"


def v2_url(sim: ExotelSimulator, sid: str, account: str = ACCOUNT) -> str:
    return f"{sim.base_url}/v2/accounts/{account}/incoming-phone-numbers/{sid}"


def first_sid(sim: ExotelSimulator) -> str:
    return sim.numbers(ACCOUNT)[0]["sid"]


def v2_data(api: requests.Session, sim: ExotelSimulator, sid: str) -> dict:
    response = api.get(v2_url(sim, sid))
    assert response.status_code == 200
    return response.json()["response"][0]["data"]


# --- shapes


def test_the_listing_has_the_seed_shape_key_for_key(sim, api):
    body = api.get(listing_url(sim)).json()

    assert list(body) == list(SEED_LISTING)
    seed_item = SEED_LISTING["incoming_phone_numbers"][0]
    for item in body["incoming_phone_numbers"]:
        assert list(item) == list(seed_item)
        assert set(item["capabilities"]) == {"voice", "sms"}


def test_the_beta_detail_is_a_bare_item_like_the_seed(sim, api):
    sid = first_sid(sim)

    item = api.get(beta_url(sim, sid)).json()

    assert list(item) == list(SEED_BETA_DETAIL)
    assert item == sim.numbers(ACCOUNT)[0]
    assert item["uri"] == f"/v2_beta/Accounts/{ACCOUNT}/IncomingPhoneNumbers/{sid}"


def test_the_v2_detail_has_the_seed_envelope_key_for_key(sim, api):
    capabilities = set()
    for number in sim.numbers(ACCOUNT):
        body = api.get(v2_url(sim, number["sid"])).json()
        assert list(body) == list(SEED_V2)
        assert body["http_code"] == 200
        assert body["metadata"] == {"page_size": 1, "page": 0}
        assert re.fullmatch(r"[0-9a-f]{32}", body["request_id"])
        (item,) = body["response"]
        seed_item = SEED_V2["response"][0]
        assert list(item) == list(seed_item)
        assert (item["code"], item["status"], item["error_data"]) == (200, "success", None)
        data = item["data"]
        assert list(data) == list(seed_item["data"])
        assert list(data["connectivity"]) == ["incoming_call", "outgoing_call"]
        for block in data["connectivity"].values():
            assert list(block) == list(seed_item["data"]["connectivity"]["incoming_call"])
            assert block["last_check_time"].endswith("Z")
        assert data["uri"] == f"/v2/accounts/{ACCOUNT}/incoming-phone-numbers/{number['sid']}"
        capabilities.add(tuple(data["capabilities"]))

    # Like the seed, numbers without SMS say only {"voice": true}.
    assert capabilities == {("voice",), ("voice", "sms")}


def test_both_apis_describe_the_same_number_with_listing_dates_in_ist(sim, api):
    for item in sim.numbers(ACCOUNT)[:10]:
        data = v2_data(api, sim, item["sid"])

        for field in ("sid", "friendly_name", "phone_number", "rental_price", "voice_url"):
            assert data[field] == item[field]
        for field in ("date_created", "date_updated"):
            ist = datetime.strptime(item[field], "%Y-%m-%d %H:%M:%S")
            as_utc = ist.replace(tzinfo=ZoneInfo("Asia/Kolkata")).astimezone(UTC)
            assert as_utc == datetime.fromisoformat(data[field].replace("Z", "+00:00"))


def test_the_numbers_are_spread_like_a_real_inventory():
    numbers = ExotelSimulator(numbers=2000, seed=3).numbers("ExoSim")

    assert len({n["phone_number"] for n in numbers}) == len({n["sid"] for n in numbers}) == 2000
    assert all(re.fullmatch(r"\+91\d{10}", n["phone_number"]) for n in numbers)
    assert {len(n["sid"]) for n in numbers} == {11, 32}
    regions = Counter(n["region"] for n in numbers)
    assert set(CIRCLE_WEIGHTS) < set(regions)
    assert 0 < regions[UNKNOWN_CIRCLE] < 60
    assert {n["number_type"] for n in numbers} == {"Landline", "Mobile", "TollFree"}
    currencies = Counter(n["currency"] for n in numbers)
    assert 0 < currencies["USD"] < currencies["INR"]
    prices = {n[f] for n in numbers for f in ("one_time_price", "rental_price", "incoming_rate")}
    assert all(PRICE.fullmatch(p) for p in prices)
    assert {"0.000000", "499.000000", "1499.500000", "250.750000"} <= prices
    assert all(n["incoming_pulse"] == "60" for n in numbers)
    assert 0.6 < sum(bool(n["voice_url"]) for n in numbers) / 2000 < 0.8
    assert 0.3 < sum(bool(n["sms_url"]) for n in numbers) / 2000 < 0.5
    assert any(not n["voice_url"] and not n["sms_url"] for n in numbers)
    voice_flows = {n["voice_url"] for n in numbers if n["voice_url"]}
    assert 2 <= len(voice_flows) <= 6
    assert all(
        re.fullmatch(r"https://my\.exotel\.com/ExoSim/exoml/start_voice/\d+", url)
        for url in voice_flows
    )
    assert 0 < sum(n["vanity_number"] for n in numbers) < 200
    assert max(n["date_updated"] for n in numbers) < "2026"
    assert all(n["date_created"] <= n["date_updated"] for n in numbers)


def test_the_same_seed_gives_byte_identical_responses():
    def bodies(seed: int) -> list[bytes]:
        with ExotelSimulator(numbers=20, seed=seed, evolve=False, epoch=EPOCH) as simulator:
            sid = simulator.numbers("ExoSim")[5]["sid"]
            base = f"{simulator.base_url}/v2_beta/Accounts/ExoSim/IncomingPhoneNumbers"
            urls = [f"{base}?Page=1&PageSize=7", f"{base}/{sid}"]
            urls += [f"{simulator.base_url}/v2/accounts/ExoSim/incoming-phone-numbers/{sid}"] * 2
            return [requests.get(url, auth=AUTH, timeout=5).content for url in urls]

    assert bodies(11) == bodies(11)
    assert bodies(11)[0] != bodies(12)[0]


# --- paging


def test_it_pages_the_listing_until_a_short_page(sim, api):
    sizes, sids, page, next_uri = [], [], 0, "first"
    while next_uri:
        body = api.get(listing_url(sim, page, 8)).json()
        assert (body["page"], body["page_size"]) == (page, 8)
        assert (
            body["uri"]
            == f"{PAGE_URI_HOST}{urlsplit(listing_url(sim, page, 8))[2]}?Page={page}&PageSize=8"
        )
        assert body["first_page_uri"].endswith("?Page=0&PageSize=8")
        assert body["previous_page_uri"] == (
            None if page == 0 else body["uri"].replace(f"Page={page}&", f"Page={page - 1}&")
        )
        sizes.append(len(body["incoming_phone_numbers"]))
        sids += [n["sid"] for n in body["incoming_phone_numbers"]]
        next_uri = body["next_page_uri"]
        if next_uri:
            # Another host, like the documented example: never to be followed.
            assert urlsplit(next_uri).netloc == "twilix.exotel.com"
            assert next_uri.endswith(f"?Page={page + 1}&PageSize=8")
        page += 1

    assert sizes == [8, 8, 8, 6]
    assert sids == [n["sid"] for n in sim.numbers(ACCOUNT)]


def test_a_page_past_the_end_is_empty(sim, api):
    body = api.get(listing_url(sim, 9, 10)).json()

    assert body["incoming_phone_numbers"] == []
    assert body["next_page_uri"] is None


def test_the_page_size_defaults_to_50_and_is_clamped_to_the_maximum(api):
    with ExotelSimulator(numbers=150, accounts=[ACCOUNT]) as simulator:
        base = f"{simulator.base_url}/v2_beta/Accounts/{ACCOUNT}/IncomingPhoneNumbers"

        default = api.get(base).json()
        clamped = api.get(f"{base}?Page=0&PageSize=1000").json()
        bad = api.get(f"{base}?Page=-1")

    assert (default["page_size"], len(default["incoming_phone_numbers"])) == (50, 50)
    assert clamped["page_size"] == MAX_PAGE_SIZE == 100
    assert len(clamped["incoming_phone_numbers"]) == 100
    assert clamped["next_page_uri"].endswith("?Page=1&PageSize=100")
    assert bad.status_code == 400


# --- auth and errors


@pytest.mark.parametrize("auth", [None, ("simkey", "wrong"), ("other", "simtoken")])
def test_it_refuses_missing_or_wrong_credentials_with_401(sim, auth):
    sid = first_sid(sim)

    for url in (listing_url(sim), beta_url(sim, sid), v2_url(sim, sid)):
        response = requests.get(url, auth=auth, timeout=5)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic")
        body = response.json()
        assert body.get("http_code", body.get("RestException", {}).get("Status")) == 401


def test_an_unknown_account_is_404(sim, api):
    assert api.get(beta_url(sim, first_sid(sim), account="Nobody")).status_code == 404
    response = api.get(v2_url(sim, first_sid(sim), account="Nobody"))
    assert response.status_code == 404
    assert response.json()["http_code"] == 404


def test_an_unknown_exophone_gets_the_404_envelope(sim, api):
    response = api.get(v2_url(sim, "01100000000"))

    assert response.status_code == 404
    body = response.json()
    assert list(body) == list(SEED_V2)
    assert body["http_code"] == 404
    assert body["response"] == [
        {
            "code": 404,
            "error_data": {"code": 1000, "description": "Not Found", "message": "Not Found"},
            "status": "failure",
            "data": None,
        }
    ]
    assert api.get(beta_url(sim, "01100000000")).status_code == 404


def test_it_answers_429_with_retry_after_beyond_the_rate_limit(api):
    with ExotelSimulator(numbers=5, accounts=["A", "B"], rate_limit_per_minute=3) as simulator:
        base = f"{simulator.base_url}/v2_beta/Accounts"
        statuses = [api.get(f"{base}/A/IncomingPhoneNumbers").status_code for _ in range(3)]
        refused = api.get(f"{base}/A/IncomingPhoneNumbers")
        other_account = api.get(f"{base}/B/IncomingPhoneNumbers")

        simulator.set_rate_limit(None)
        after_lifting = api.get(f"{base}/A/IncomingPhoneNumbers")

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["RestException"]["Status"] == 429
    assert other_account.status_code == 200
    assert after_lifting.status_code == 200


# --- faults


def test_fail_next_fails_only_the_next_matching_requests(sim, api):
    sid = first_sid(sim)
    sim.fail_next(2, status=503, path_contains="/v2/")

    assert api.get(listing_url(sim)).status_code == 200
    failed = [api.get(v2_url(sim, sid)) for _ in range(2)]
    assert [r.status_code for r in failed] == [503, 503]
    assert failed[0].json()["response"][0]["status"] == "failure"
    assert api.get(v2_url(sim, sid)).status_code == 200


def test_timeout_next_holds_the_response_past_the_client_timeout(sim, api):
    sim.timeout_next(1, seconds=2)

    with pytest.raises(requests.exceptions.ReadTimeout):
        api.get(listing_url(sim), timeout=0.3)
    started = time.monotonic()
    assert api.get(listing_url(sim), timeout=5).status_code == 200
    assert time.monotonic() - started < 1


def test_malformed_body_next_answers_200_with_a_body_that_is_not_json(sim, api):
    sim.malformed_body_next(1)

    response = api.get(listing_url(sim))

    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    assert api.get(listing_url(sim)).json()["page"] == 0


def test_a_malformed_item_is_spoiled_in_the_listing_and_both_details(sim, api):
    spoiled, missing, fine = (n["sid"] for n in sim.numbers(ACCOUNT)[:3])
    sim.malformed_item(ACCOUNT, spoiled)
    sim.malformed_item(ACCOUNT, missing, how="missing_phone_number")

    items = {n["sid"]: n for n in api.get(listing_url(sim)).json()["incoming_phone_numbers"]}
    assert items[spoiled]["rental_price"] == "abc"
    assert "phone_number" not in items[missing]
    assert PRICE.fullmatch(items[fine]["rental_price"])
    assert api.get(beta_url(sim, spoiled)).json()["rental_price"] == "abc"
    assert v2_data(api, sim, spoiled)["rental_price"] == "abc"
    assert "phone_number" not in v2_data(api, sim, missing)

    sim.clear_malformed_item(ACCOUNT, spoiled)
    assert PRICE.fullmatch(v2_data(api, sim, spoiled)["rental_price"])


def test_a_raw_listing_item_is_served_in_the_numbers_place_until_cleared(sim, api):
    first, second = (n["sid"] for n in sim.numbers(ACCOUNT)[:2])
    sim.set_listing_item(ACCOUNT, first, "<script>alert(1)</script>")
    sim.set_listing_item(ACCOUNT, second, {"sid": first, "rental_price": float("nan")})

    response = api.get(listing_url(sim))
    items = response.json()["incoming_phone_numbers"]
    assert items[0] == "<script>alert(1)</script>"
    assert items[1]["sid"] == first and '"rental_price": NaN' in response.text
    assert len(items) == 30
    assert api.get(beta_url(sim, first)).json()["sid"] == first

    sim.clear_listing_item(ACCOUNT, first)
    assert api.get(listing_url(sim)).json()["incoming_phone_numbers"][0]["sid"] == first


def test_listing_malformations_change_the_listing_and_both_details_alike(sim, api):
    sids = [n["sid"] for n in sim.numbers(ACCOUNT)[:6]]
    hows = ("bad_sid", "numeric_prices", "null_one_time_price", "zero_date", "year_one_date")
    for sid, how in zip(sids, hows, strict=False):
        sim.malformed_item(ACCOUNT, sid, how)

    response = api.get(listing_url(sim))
    items = response.json()["incoming_phone_numbers"][:6]
    beta = [api.get(beta_url(sim, sid)).json() for sid in sids]
    v2 = [v2_data(api, sim, sid) for sid in sids]

    for served in (items, beta, v2):
        assert served[0]["sid"] == 12345
        assert (served[1]["rental_price"], served[1]["incoming_rate"]) == (499.0, 0.25)
        assert served[1]["incoming_pulse"] == 60
        assert served[2]["one_time_price"] is None
        assert served[3]["date_created"] == "0000-00-00 00:00:00"
        assert served[4]["date_updated"] == "0001-01-01 00:00:00"
        assert PRICE.fullmatch(served[5]["rental_price"])
    # On the wire, JSON numbers: 499.0 written with its point, the pulse without.
    assert '"rental_price": 499.0, "incoming_rate": 0.25, "incoming_pulse": 60' in response.text


@pytest.mark.parametrize(
    ("how", "alternates"),
    [
        ("alternates_objects", [{"phone_number": n} for n in MALFORMED_ALTERNATES[:2]]),
        ("many_alternates", list(MALFORMED_ALTERNATES)),
    ],
)
def test_connectivity_malformations_change_only_the_v2_detail(sim, api, how, alternates):
    sid = first_sid(sim)
    sim.set_connectivity(ACCOUNT, sid, "incoming", status="active", alternates=None)
    sim.malformed_item(ACCOUNT, sid, how)

    connectivity = v2_data(api, sim, sid)["connectivity"]

    assert len(MALFORMED_ALTERNATES) == 30
    for key in ("incoming_call", "outgoing_call"):
        assert connectivity[key]["status"] == "major_outage"
        assert connectivity[key]["alternate_exophone"] == alternates
        assert "last_check_time" in connectivity[key]
    listed = api.get(listing_url(sim)).json()["incoming_phone_numbers"][0]
    assert listed == sim.numbers(ACCOUNT)[0]
    assert api.get(beta_url(sim, sid)).json() == sim.numbers(ACCOUNT)[0]
    # The state behind the override is untouched: cleared, the number is back.
    sim.clear_malformed_item(ACCOUNT, sid)
    assert v2_data(api, sim, sid)["connectivity"]["incoming_call"]["status"] == "active"


def test_an_unknown_malformation_is_refused(sim):
    with pytest.raises(ValueError, match="is not one of"):
        sim.malformed_item(ACCOUNT, first_sid(sim), "numeric_sid")


def test_fail_listing_at_page_fails_that_page_until_reset(sim, api):
    sim.fail_listing_at_page(1)

    assert api.get(listing_url(sim, 0, 10)).status_code == 200
    assert [api.get(listing_url(sim, 1, 10)).status_code for _ in range(2)] == [500, 500]
    sim.reset_faults()
    assert api.get(listing_url(sim, 1, 10)).status_code == 200


def test_fail_next_can_say_retry_after(sim, api):
    sim.fail_next(1, status=429, retry_after=7)
    sim.fail_next(1, status=429)

    assert api.get(listing_url(sim)).headers["Retry-After"] == "7"
    second = api.get(listing_url(sim))
    assert second.status_code == 429 and "Retry-After" not in second.headers


def test_html_body_next_answers_200_with_an_html_page(sim, api):
    sim.html_body_next(1)

    response = api.get(listing_url(sim))

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")
    assert api.get(listing_url(sim)).headers["Content-Type"] == "application/json"


def test_wrong_shape_next_answers_valid_json_of_the_wrong_shape(sim, api):
    sim.wrong_shape_next(1)

    body = api.get(listing_url(sim)).json()

    assert isinstance(body, list) and body[0]["page"] == 0
    assert api.get(listing_url(sim)).json()["page"] == 0


def test_reset_next_cuts_the_body_off_midway(sim, api):
    sim.reset_next(1)

    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        api.get(listing_url(sim))
    assert api.get(listing_url(sim)).json()["page"] == 0


def test_empty_listing_page_empties_that_page_until_reset(sim, api):
    sim.empty_listing_page(1)

    body = api.get(listing_url(sim, 1, 10)).json()

    assert body["incoming_phone_numbers"] == []
    assert body["next_page_uri"].endswith("?Page=2&PageSize=10")
    assert len(api.get(listing_url(sim, 2, 10)).json()["incoming_phone_numbers"]) == 10
    sim.reset_faults()
    assert len(api.get(listing_url(sim, 1, 10)).json()["incoming_phone_numbers"]) == 10


def test_error_data_next_puts_error_data_on_a_successful_item(sim, api):
    sid = first_sid(sim)
    sim.error_data_next(1)

    assert api.get(listing_url(sim)).status_code == 200
    response = api.get(v2_url(sim, sid))

    assert response.status_code == 200
    (item,) = response.json()["response"]
    assert (item["code"], item["status"]) == (200, "success")
    assert item["data"]["sid"] == sid and item["error_data"]["code"] == 503
    assert api.get(v2_url(sim, sid)).json()["response"][0]["error_data"] is None


def test_partial_next_answers_a_207_envelope_with_a_failed_item(sim, api):
    sid = first_sid(sim)
    sim.partial_next(1)

    assert api.get(listing_url(sim)).status_code == 200
    response = api.get(v2_url(sim, sid))

    assert response.status_code == 207
    body = response.json()
    assert list(body) == list(SEED_V2)
    assert body["http_code"] == 207
    (item,) = body["response"]
    assert (item["code"], item["status"], item["data"]) == (500, "failure", None)
    assert item["error_data"]["code"] == 500
    assert api.get(v2_url(sim, sid)).status_code == 200


def test_hold_next_holds_requests_after_the_first_ones_until_released(sim, api):
    sids = [n["sid"] for n in sim.numbers(ACCOUNT)[:3]]
    sim.hold_next(2, path_contains="/v2/", after=1)
    answers: list[int] = []

    def fetch(sid: str) -> None:
        with requests.Session() as session:
            answers.append(session.get(v2_url(sim, sid), auth=AUTH, timeout=10).status_code)

    assert api.get(listing_url(sim)).status_code == 200  # another path: not counted
    assert api.get(v2_url(sim, sids[0])).status_code == 200  # let through
    fetches = [threading.Thread(target=fetch, args=(sid,)) for sid in sids[1:]]
    for thread in fetches:
        thread.start()

    assert sim.wait_held(timeout=5, count=2)
    sim.reset_faults()  # forgets the fault, not the requests it holds
    time.sleep(0.2)
    assert answers == [] and sim.state()["held_requests"] == 2
    sim.release_held()
    for thread in fetches:
        thread.join(timeout=5)
    assert answers == [200, 200]
    assert not sim.wait_held(timeout=0.1)
    assert api.get(v2_url(sim, sids[1])).status_code == 200  # held no more


def test_latency_delays_every_response(sim, api):
    sim.set_latency(0.2)

    started = time.monotonic()
    api.get(listing_url(sim))

    assert time.monotonic() - started >= 0.2


def test_stop_does_not_wait_for_a_held_response():
    simulator = ExotelSimulator(numbers=3).start()
    simulator.timeout_next(1, seconds=30)
    url = f"{simulator.base_url}/v2_beta/Accounts/ExoSim/IncomingPhoneNumbers"
    outcome: list[BaseException] = []

    def fetch() -> None:
        try:
            requests.get(url, auth=AUTH, timeout=10)
        except requests.RequestException as error:
            outcome.append(error)

    client = threading.Thread(target=fetch)
    client.start()
    time.sleep(0.2)

    started = time.monotonic()
    simulator.stop()
    client.join()

    assert time.monotonic() - started < 2
    assert isinstance(outcome[0], requests.ConnectionError)


# --- connectivity


def test_outages_begin_and_end_within_a_bounded_number_of_ticks(sim):
    phones = {n["phone_number"] for n in sim.numbers(ACCOUNT)}
    timelines: dict[tuple[str, str], list[str]] = {}
    for tick in range(2 * WINDOW_TICKS):
        sim.set_tick(tick)
        for number in sim.numbers(ACCOUNT):
            for direction, block in sim.connectivity(ACCOUNT, number["sid"]).items():
                assert block["status"] in STATUSES
                alternates = block["alternate_exophone"]
                if block["status"] == "active":
                    assert alternates is None
                elif alternates is not None:
                    assert set(alternates) <= phones - {number["phone_number"]}
                timelines.setdefault((number["sid"], direction), []).append(block["status"])

    outages = [
        re.findall(r"a(x+)(?=a)", "".join("a" if s == "active" else "x" for s in timeline))
        for timeline in timelines.values()
    ]
    lengths = [len(outage) for found in outages for outage in found]
    assert lengths, "some outage begins and ends"
    assert max(lengths) <= MAX_OUTAGE_TICKS
    down = sum(s != "active" for timeline in timelines.values() for s in timeline)
    assert down < 0.1 * 2 * WINDOW_TICKS * len(timelines), "most numbers are active"


def test_last_check_time_moves_forward_with_the_tick(sim, api):
    sid = first_sid(sim)
    checks = []
    for _ in range(3):
        checks.append(v2_data(api, sim, sid)["connectivity"]["incoming_call"]["last_check_time"])
        sim.advance(1)

    assert checks == sorted(checks) and len(set(checks)) == 3
    assert checks[0] <= "2026-11-22T10:00:00Z"


def test_connectivity_follows_the_wall_clock_unless_frozen():
    simulator = ExotelSimulator(numbers=1, tick_seconds=0.05)
    time.sleep(0.12)
    assert simulator.tick >= 2

    simulator.freeze()
    frozen = simulator.tick
    time.sleep(0.06)
    assert simulator.tick == frozen
    assert simulator.advance(3) == frozen + 3


def test_set_connectivity_overrides_the_generated_status_until_cleared(sim, api):
    sid, other = (n["sid"] for n in sim.numbers(ACCOUNT)[:2])
    alternate = sim.numbers(ACCOUNT)[1]["phone_number"]

    sim.set_connectivity(ACCOUNT, sid, "incoming", status="major_outage", alternates=[alternate])
    sim.advance(5)

    incoming = v2_data(api, sim, sid)["connectivity"]["incoming_call"]
    assert (incoming["status"], incoming["alternate_exophone"]) == ("major_outage", [alternate])
    assert v2_data(api, sim, other)["connectivity"] == sim.connectivity(ACCOUNT, other)

    sim.clear_connectivity(ACCOUNT, sid)
    assert v2_data(api, sim, sid)["connectivity"] == sim.connectivity(ACCOUNT, sid)


# --- state mutations


def test_a_removed_number_leaves_the_listing_and_404s_until_restored(sim, api):
    sid = sim.numbers(ACCOUNT)[3]["sid"]

    sim.remove_number(ACCOUNT, sid)

    listed = [n["sid"] for n in api.get(listing_url(sim)).json()["incoming_phone_numbers"]]
    assert sid not in listed and len(listed) == 29
    assert api.get(v2_url(sim, sid)).status_code == 404
    assert api.get(beta_url(sim, sid)).status_code == 404

    sim.restore_number(ACCOUNT, sid)

    listed = [n["sid"] for n in api.get(listing_url(sim)).json()["incoming_phone_numbers"]]
    assert listed[3] == sid
    assert api.get(v2_url(sim, sid)).status_code == 200


def test_set_field_changes_the_number_and_moves_date_updated_forward(sim, api):
    sid = first_sid(sim)
    before = v2_data(api, sim, sid)

    sim.set_field(ACCOUNT, sid, "voice_url", "https://my.exotel.com/AcmeSim/exoml/start_voice/1")
    sim.set_field(ACCOUNT, sid, "rental_price", "1499.500000")

    after = v2_data(api, sim, sid)
    assert after["voice_url"] == "https://my.exotel.com/AcmeSim/exoml/start_voice/1"
    assert after["rental_price"] == api.get(beta_url(sim, sid)).json()["rental_price"]
    assert after["rental_price"] == "1499.500000"
    assert after["date_updated"] > before["date_updated"]
    assert after["date_created"] == before["date_created"]
    with pytest.raises(ValueError):
        sim.set_field(ACCOUNT, sid, "sid", "x")
    with pytest.raises(KeyError):
        sim.set_field(ACCOUNT, "nope", "voice_url", None)


def test_added_numbers_come_at_the_end_of_the_listing(sim, api):
    added = sim.add_numbers(ACCOUNT, 5)

    listed = api.get(listing_url(sim, 0, 100)).json()["incoming_phone_numbers"]
    assert listed[-5:] == added
    assert len({n["phone_number"] for n in listed}) == 35


# --- control, counters, concurrency


def control(sim: ExotelSimulator, name: str, **kwargs: object) -> requests.Response:
    return requests.post(f"{sim.base_url}/_simulator/{name}", json=kwargs, timeout=5)


def test_the_control_endpoint_steers_the_simulator_over_http(sim, api):
    sid, other = (n["sid"] for n in sim.numbers(ACCOUNT)[:2])

    assert control(sim, "fail_next", n=1, status=503).json() == {"result": None}
    assert api.get(listing_url(sim)).status_code == 503
    control(sim, "remove_number", account_sid=ACCOUNT, sid=sid)
    assert api.get(v2_url(sim, sid)).status_code == 404
    control(
        sim, "set_connectivity", account_sid=ACCOUNT, sid=other, direction="outgoing",
        status="partial_network_outage", alternates=None,
    )  # fmt: skip
    assert control(sim, "advance", ticks=2).json() == {"result": 2}
    outgoing = v2_data(api, sim, other)["connectivity"]["outgoing_call"]
    assert outgoing["status"] == "partial_network_outage"

    state = requests.get(f"{sim.base_url}/_simulator/state", timeout=5).json()["result"]
    assert (state["tick"], state["numbers"]) == (2, {ACCOUNT: 29})
    assert state["request_counts"] == {"listing": 1, "v2_detail": 2}
    assert control(sim, "explode").status_code == 404
    refused = control(sim, "remove_number", account_sid=ACCOUNT, sid="x")
    assert refused.status_code == 400
    assert "'x'" in refused.json()["error"]
    assert control(sim, "advance", tics=1).status_code == 400


def test_it_counts_and_logs_requests_per_kind(sim, api):
    sid = first_sid(sim)
    api.get(listing_url(sim))
    api.get(beta_url(sim, sid))
    api.get(v2_url(sim, sid))
    api.get(v2_url(sim, sid))
    requests.get(listing_url(sim), timeout=5)
    requests.get(f"{sim.base_url}/_simulator/state", timeout=5)

    assert sim.request_count == 5
    assert sim.request_counts == {"listing": 2, "beta_detail": 1, "v2_detail": 2}
    assert [entry.status for entry in sim.request_log] == [200, 200, 200, 200, 401]
    assert sim.request_log[2].kind == "v2_detail"
    assert sim.request_log[2].account_sid == ACCOUNT

    sim.reset_counters()
    assert (sim.request_count, sim.request_counts, sim.request_log) == (0, {}, [])


def test_it_serves_concurrent_requests(sim):
    sids = [n["sid"] for n in sim.numbers(ACCOUNT)] * 4

    def fetch(sid: str) -> int:
        return requests.get(v2_url(sim, sid), auth=AUTH, timeout=10).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(fetch, sids))

    assert statuses == [200] * len(sids)
    assert sim.request_counts == {"v2_detail": len(sids)}


def test_account_url_is_in_exotel_accounts_form():
    with ExotelSimulator(numbers=1, accounts=["A", "B"], key="k y", token="t/n") as simulator:
        url = simulator.account_url("A")

        assert url == f"http://k%20y:t%2Fn@127.0.0.1:{simulator.port}/A"
        assert simulator.exotel_accounts == f"{url},{simulator.account_url('B')}"
        with pytest.raises(KeyError):
            simulator.account_url("C")


# --- drift: flows and prices that change by themselves

DRIFTING = ("voice_url", "sms_url", "rental_price")
VOICE_FLOW = re.compile(rf"https://my\.exotel\.com/{ACCOUNT}/exoml/start_voice/\d+")
SMS_FLOW = re.compile(rf"https://my\.exotel\.com/{ACCOUNT}/exoml/start_sms/\d+")


def listing(api: requests.Session, sim: ExotelSimulator) -> list[dict]:
    """The whole listing over HTTP."""
    items, page = [], 0
    while True:
        body = api.get(listing_url(sim, page, MAX_PAGE_SIZE)).json()
        items += body["incoming_phone_numbers"]
        if not body["next_page_uri"]:
            return items
        page += 1


def changed(before: list[dict], after: list[dict]) -> list[tuple[dict, dict]]:
    assert [n["sid"] for n in before] == [n["sid"] for n in after]
    return [(old, new) for old, new in zip(before, after, strict=True) if old != new]


def test_a_drift_window_changes_a_flow_or_the_rental_of_a_few_numbers_in_every_endpoint(sim, api):
    before = listing(api, sim)
    sim.advance(DRIFT_TICKS - 1)
    assert listing(api, sim) == before, "nothing drifts before the first window ends"

    sim.advance(1)
    after = listing(api, sim)

    drifted = changed(before, after)
    assert 1 <= len(drifted) <= 3
    for old, new in drifted:
        fields = {key for key in old if old[key] != new[key]}
        assert fields & set(DRIFTING) and fields <= {*DRIFTING, "date_updated"}
        # date_updated moves to the end of the window: EPOCH + 10 ticks x 30 s, in IST.
        assert new["date_updated"] == "2026-11-22 15:35:00"
        assert new["voice_url"] is None or VOICE_FLOW.fullmatch(new["voice_url"])
        assert new["sms_url"] is None or SMS_FLOW.fullmatch(new["sms_url"])
        assert PRICE.fullmatch(new["rental_price"])
        # Both details serve the same drifted number.
        assert api.get(beta_url(sim, new["sid"])).json() == new
        data = v2_data(api, sim, new["sid"])
        assert {key: data[key] for key in DRIFTING} == {key: new[key] for key in DRIFTING}
        assert data["date_updated"] == "2026-11-22T10:05:00Z"
    assert sim.numbers(ACCOUNT) == after


def test_drift_changes_about_one_number_in_a_hundred_per_window():
    simulator = ExotelSimulator(numbers=1000, seed=7, evolve=False, epoch=EPOCH)
    previous = simulator.numbers("ExoSim")
    counts, fields = [], Counter()
    for window in range(1, 11):
        simulator.set_tick(window * DRIFT_TICKS)
        current = simulator.numbers("ExoSim")
        drifted = changed(previous, current)
        counts.append(len(drifted))
        fields.update(key for old, new in drifted for key in DRIFTING if old[key] != new[key])
        previous = current

    assert all(5 <= count <= 30 for count in counts), counts
    assert set(fields) == set(DRIFTING)


def test_drift_is_a_function_of_seed_epoch_and_tick(api):
    def bodies(seed: int, ticks: list[int]) -> list[bytes]:
        with ExotelSimulator(numbers=200, seed=seed, evolve=False, epoch=EPOCH) as simulator:
            sid = simulator.numbers("ExoSim")[3]["sid"]
            base = f"{simulator.base_url}/v2_beta/Accounts/ExoSim/IncomingPhoneNumbers"
            for tick in ticks:
                simulator.set_tick(tick)
            urls = [f"{base}?Page=0&PageSize=100", f"{base}?Page=1&PageSize=100"]
            urls += [f"{simulator.base_url}/v2/accounts/ExoSim/incoming-phone-numbers/{sid}"]
            return [api.get(url).content for url in urls]

    at_tick_0 = bodies(5, [0])
    late = 7 * DRIFT_TICKS + 3
    assert bodies(5, [late]) == bodies(5, [DRIFT_TICKS, 4 * DRIFT_TICKS, late])
    assert bodies(5, [late])[:2] != at_tick_0[:2]
    assert bodies(6, [late])[:2] != bodies(6, [0])[:2]
    # The stored numbers are never changed: back at tick 0, the generated ones.
    assert bodies(5, [late, 0]) == at_tick_0


def test_a_frozen_simulator_or_one_without_drift_never_drifts(api):
    def simulator(**options: object) -> ExotelSimulator:
        return ExotelSimulator(numbers=300, seed=7, accounts=[ACCOUNT], epoch=EPOCH, **options)

    generated = simulator(evolve=False).numbers(ACCOUNT)
    assert simulator(evolve=False, drift=False).numbers(ACCOUNT) == generated

    without = simulator(evolve=False, drift=False)
    without.advance(20 * DRIFT_TICKS)
    assert without.numbers(ACCOUNT) == generated

    with simulator(evolve=False) as drifting:
        drifting.advance(20 * DRIFT_TICKS)
        assert listing(api, drifting) != generated
        assert control(drifting, "set_drift", enabled=False).json() == {"result": None}
        assert listing(api, drifting) == generated


def test_set_field_wins_over_drift(api):
    # Ticks moved by hand run ahead of the wall clock: drift moments in the future.
    epoch = datetime.now(UTC)

    def simulator() -> ExotelSimulator:
        return ExotelSimulator(numbers=200, seed=7, accounts=[ACCOUNT], evolve=False, epoch=epoch)

    late = 30 * DRIFT_TICKS
    drifting = simulator()
    generated = drifting.numbers(ACCOUNT)
    drifting.set_tick(late)
    voice = next(
        new for old, new in changed(generated, drifting.numbers(ACCOUNT))
        if old["voice_url"] != new["voice_url"]
    )  # fmt: skip
    rental = next(
        new for old, new in changed(generated, drifting.numbers(ACCOUNT))
        if old["rental_price"] != new["rental_price"] and new["sid"] != voice["sid"]
    )  # fmt: skip

    with simulator() as sim:
        # Set before the drift: the drift of that field never shows.
        sim.set_field(ACCOUNT, voice["sid"], "voice_url", None if voice["voice_url"] else "x")
        sim.set_tick(late)
        assert v2_data(api, sim, voice["sid"])["voice_url"] == (None if voice["voice_url"] else "x")

        # Set after the drift: what was set is served, and stays.
        before = v2_data(api, sim, rental["sid"])
        assert before["rental_price"] == rental["rental_price"]
        sim.set_field(ACCOUNT, rental["sid"], "rental_price", "7.000000")
        after = v2_data(api, sim, rental["sid"])
        assert after["rental_price"] == "7.000000"
        assert after["date_updated"] > before["date_updated"]
        sim.advance(50 * DRIFT_TICKS)
        listed = {n["sid"]: n for n in listing(api, sim)}
        assert listed[rental["sid"]]["rental_price"] == "7.000000"
        assert api.get(beta_url(sim, rental["sid"])).json()["rental_price"] == "7.000000"


def test_drift_composes_with_malformed_items(sim, api):
    before = listing(api, sim)
    sim.advance(DRIFT_TICKS)
    (_, new), *_ = changed(before, listing(api, sim))
    sim.malformed_item(ACCOUNT, new["sid"], "missing_phone_number")

    listed = next(n for n in listing(api, sim) if n["sid"] == new["sid"])
    beta = api.get(beta_url(sim, new["sid"])).json()
    v2 = v2_data(api, sim, new["sid"])
    for served in (listed, beta, v2):
        assert "phone_number" not in served
        assert {key: served[key] for key in DRIFTING} == {key: new[key] for key in DRIFTING}

    sim.clear_malformed_item(ACCOUNT, new["sid"])
    assert api.get(beta_url(sim, new["sid"])).json() == new


def test_numbers_added_later_drift_only_after_they_appear(sim, api):
    sim.set_tick(40 * DRIFT_TICKS + 5)
    added = sim.add_numbers(ACCOUNT, 100)

    assert listing(api, sim)[-100:] == added
    assert all(n["date_updated"] < "2026" for n in added)
    sim.advance(40 * DRIFT_TICKS)
    assert changed(added, listing(api, sim)[-100:])


# --- the management command


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_command_serves_on_a_free_port_and_exits_0_on_a_signal(stop_signal):
    env = {**os.environ, "DJANGO_SECRET_KEY": "test-only", "EXOTEL_SIMULATOR_KEY": "cmdkey"}
    env.pop("EXOTEL_SIMULATOR_TOKEN", None)
    command = [sys.executable, "manage.py", "exotel_simulator", "--port", "0", "--numbers", "7"]
    with subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True) as proc:
        try:
            ready, _, _ = select.select([proc.stdout], [], [], 20)
            assert ready, "the command printed nothing within 20 s"
            line = proc.stdout.readline()
            account_url = urlsplit(re.search(r"EXOTEL_ACCOUNTS=(\S+)", line).group(1))
            assert account_url.port and account_url.port > 0
            assert f"http://127.0.0.1:{account_url.port}" in line
            assert (account_url.username, account_url.password) == ("cmdkey", "simtoken")

            response = requests.get(
                f"http://{account_url.hostname}:{account_url.port}/v2_beta/Accounts"
                f"{account_url.path}/IncomingPhoneNumbers",
                auth=(account_url.username, account_url.password),
                timeout=5,
            )
            assert len(response.json()["incoming_phone_numbers"]) == 7

            proc.send_signal(stop_signal)
            assert proc.wait(timeout=10) == 0
        finally:
            proc.kill()
