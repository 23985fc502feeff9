"""exotel_records: EXOTEL_ACCOUNTS into accounts, Exotel payloads into typed records."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest

from exoinventory.exotel.accounts import ExotelConfigError, parse_accounts
from exoinventory.exotel.records import (
    ConnectivityObservation,
    ExoPhoneNotFound,
    RecordError,
    parse_detail_envelope,
    parse_exophone,
)

KEY = "k3y-SECRETKEY"
TOKEN = "p@ss:w/rd%SECRETTOKEN"
ENCODED = f"{quote(KEY, safe='')}:{quote(TOKEN, safe='')}"
IST = "Asia/Kolkata"

# The seeds' examples, verbatim but for the digits Exotel masked with X,
# which are read as 5 here so that the numbers are numbers.
SEED_001_LISTING = json.loads(
    """
{ "page": 0, "page_size": 50, "uri": "http://twilix.exotel.com/v2_beta/Accounts/Exotel/IncomingPhoneNumbers?Page=0&PageSize=50", "first_page_uri": "http://twilix.exotel.com/v2_beta/Accounts/Exotel/IncomingPhoneNumbers?Page=0&PageSize=50", "next_page_uri": "http://twilix.exotel.com/v2_beta/Accounts/Exotel/IncomingPhoneNumbers?Page=1&PageSize=50", "previous_page_uri": null, "incoming_phone_numbers": [ { "sid": "011XXXXXXX1", "date_created": "2016-03-04 17:31:50", "date_updated": "2017-09-22 22:47:00", "account_sid": "Exotel", "friendly_name": "011XXXXXXX6", "phone_number": "+9111XXXXXXX6", "capabilities": { "voice": true, "sms": true }, "country": "IN", "region": "DL", "one_time_price": "0.000000", "rental_price": "0.000000", "incoming_rate": "0.000000", "incoming_pulse": "60", "currency": "INR", "number_type": "Landline", "vanity_number": false, "voice_url": null, "sms_url": null, "uri": "/v2_beta/Accounts/Exotel/IncomingPhoneNumbers/011XXXXXXX6" }, { "sid": "011XXXXXXX0", "date_created": "2016-04-07 12:13:20", "date_updated": "2016-04-07 12:13:30", "account_sid": "Exotel", "friendly_name": "011XXXXXXX0", "phone_number": "+911XXXXXXXX0", "capabilities": { "voice": true, "sms": true }, "country": "IN", "region": "DL", "one_time_price": "0.000000", "rental_price": "0.000000", "incoming_rate": "0.000000", "incoming_pulse": "60", "currency": "INR", "number_type": "Landline", "vanity_number": false, "voice_url": "http://my.exotel.in/Exotel/exoml/start_voice/7XXX1", "sms_url": "http://my.exotel.in/Exotel/exoml/start_sms/7XXX1", "uri": "/v2_beta/Accounts/Exotel/IncomingPhoneNumbers/011XXXXXXX0" } ] }
""".replace("X", "5")  # noqa: E501 - the seed's text, kept whole
)
SEED_001_DETAIL = json.loads(
    """
{ "sid": "9eeafc8ab479a386dc95f854f9d7cd8a", "date_created": "2016-11-09 13:48:12", "date_updated": "2017-03-30 14:19:02", "account_sid": "Exotel", "friendly_name": "XXXXX30240", "phone_number": "+91XXXX30240", "capabilities": { "voice": true, "sms": true }, "country": "IN", "region": "WB", "one_time_price": "0.000000", "rental_price": "499.000000", "incoming_rate": "0.000000", "incoming_pulse": "60", "currency": "INR", "number_type": "Landline", "vanity_number": false, "voice_url": "https://my.exotel.in/Exotel/exoml/start_voice/12XX48", "sms_url": "https://my.exotel.in/Exotel/exoml/start_sms/22XX39", "uri": "/v2_beta/Accounts/Exotel/IncomingPhoneNumbers/9eeafc8ab479a386dc95f854f9d7cd8a" }
""".replace("X", "5")  # noqa: E501 - the seed's text, kept whole
)
SEED_000_ENVELOPE: dict[str, Any] = {
    "request_id": "0f403dff8d854ca08c570a94717aa7d9",
    "method": "GET",
    "http_code": 200,
    "metadata": {"page_size": 1, "page": 0},
    "response": [
        {
            "code": 200,
            "error_data": None,
            "status": "success",
            "data": {
                "sid": "01139585476",
                "date_created": "2018-08-22T12:22:49Z",
                "date_updated": "2018-08-24T11:25:49Z",
                "friendly_name": "01139585476",
                "account_sid": "Exotel",
                "phone_number": "+911139585476",
                "capabilities": {"voice": True},
                "country": "IN",
                "region": "DL",
                "one_time_price": "0.000000",
                "rental_price": "499.000000",
                "incoming_rate": "0.000000",
                "incoming_pulse": "60",
                "currency": "INR",
                "number_type": "Landline",
                "vanity_number": False,
                "voice_url": "https://my.exotel.com/Exotel/exoml/start_voice/XXX",
                "sms_url": "https://my.exotel.com/Exotel/exoml/start_sms/XXX",
                "uri": "/v2/accounts/Exotel/incoming-phone-numbers/01139585476",
                "connectivity": {
                    "incoming_call": {
                        "status": "active",
                        "last_check_time": "2018-08-24T11:25:49Z",
                        "alternate_exophone": None,
                    },
                    "outgoing_call": {
                        "status": "active",
                        "last_check_time": "2018-08-24T11:25:49Z",
                        "alternate_exophone": None,
                    },
                },
            },
        }
    ],
}


def _listing_item() -> dict[str, Any]:
    return json.loads(json.dumps(SEED_001_LISTING["incoming_phone_numbers"][0]))


def _envelope(**item: Any) -> dict[str, Any]:
    envelope = json.loads(json.dumps(SEED_000_ENVELOPE))
    envelope["response"][0].update(item)
    return envelope


def _connectivity(incoming: dict[str, Any]) -> dict[str, Any]:
    envelope = _envelope()
    envelope["response"][0]["data"]["connectivity"]["incoming_call"].update(incoming)
    return envelope


# --- EXOTEL_ACCOUNTS


def test_it_reads_accounts_of_both_clusters_with_ports() -> None:
    accounts = parse_accounts(
        f"https://{ENCODED}@api.exotel.com/AcmeSG, https://{ENCODED}@api.in.exotel.com:8443/AcmeIN"
    )

    assert [(a.sid, a.scheme, a.host, a.port) for a in accounts] == [
        ("AcmeSG", "https", "api.exotel.com", None),
        ("AcmeIN", "https", "api.in.exotel.com", 8443),
    ]
    assert accounts[0].base_url == "https://api.exotel.com"
    assert accounts[1].base_url == "https://api.in.exotel.com:8443"
    assert accounts[1].api_host == "api.in.exotel.com:8443"


def test_it_decodes_a_percent_encoded_key_and_token() -> None:
    (account,) = parse_accounts(f"https://{ENCODED}@api.exotel.com/Acme")

    assert account.key == KEY
    assert account.token == TOKEN


def test_it_keeps_the_key_and_token_out_of_repr_and_str() -> None:
    (account,) = parse_accounts(f"https://{ENCODED}@api.exotel.com/Acme")

    for text in (repr(account), str(account)):
        assert "Acme" in text
        assert KEY not in text
        assert TOKEN not in text
        assert quote(TOKEN, safe="") not in text


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_it_allows_a_plain_http_simulator_on_loopback(host: str) -> None:
    (account,) = parse_accounts(f"http://{ENCODED}@{host}:8123/AcmeSim")

    assert account.base_url == f"http://{host}:8123"
    assert account.sid == "AcmeSim"


def test_it_brackets_an_ipv6_loopback_host_in_urls() -> None:
    (account,) = parse_accounts(f"http://{ENCODED}@[::1]:8123/AcmeSim")

    assert account.host == "::1"
    assert account.base_url == "http://[::1]:8123"


def test_it_reads_an_empty_setting_as_no_accounts() -> None:
    assert parse_accounts("") == []
    assert parse_accounts("  ") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"http://{ENCODED}@api.exotel.com/Acme", "entry 1 (host api.exotel.com, account Acme)"),
        (f"https://{ENCODED}@api.exotel.co/Acme", "entry 1 (host api.exotel.co, account Acme)"),
        (f"https://{ENCODED}@evil.example/Acme", "host evil.example"),
        ("https://api.exotel.com/Acme", "needs KEY:TOKEN@"),
        (f"https://{quote(KEY)}@api.exotel.com/Acme", "needs KEY:TOKEN@"),
        (f"https://:{quote(TOKEN, safe='')}@api.exotel.com/Acme", "needs KEY:TOKEN@"),
        (f"https://{ENCODED}@api.exotel.com", "the path must be the account sid alone"),
        (f"https://{ENCODED}@api.exotel.com/", "entry 1 (host api.exotel.com, account ?)"),
        (f"https://{ENCODED}@api.exotel.com/Acme/Calls", "the path must be the account sid"),
        (f"https://{ENCODED}@api.exotel.com/Acme?x=1", "must not have a query"),
        (f"ftp://{ENCODED}@api.exotel.com/Acme", "must start with https://"),
        (f"https://{ENCODED}@api.exotel.com:99999/Acme", "entry 1 is not a URL"),
        (f"https://{ENCODED}@[::1/Acme", "entry 1 is not a URL"),
        (f"https://{ENCODED}@api.exotel.com/A,,https://{ENCODED}@api.exotel.com/B", "entry 2"),
        (f"https://{ENCODED}@api.exotel.com/A,", "entry 2 is empty"),
        ("garbage", "entry 1"),
        # Credentials written without a scheme, or with an unencoded '/':
        # whatever the URL parser makes of it, the message shows neither.
        (f"{ENCODED}@api.exotel.com/Acme", "entry 1 is not a URL like https://KEY:TOKEN@"),
        (f"{KEY}:{TOKEN}@api.exotel.com/Acme", "entry 1 is not a URL"),
        (f"https://{KEY}:{TOKEN}@api.exotel.com/Acme", "percent-encode '/'"),
        (f"https://{KEY}:1234/{TOKEN}@api.exotel.com/Acme", "percent-encode '/'"),
        (f"https://{KEY}:{TOKEN}/x@api.exotel.com/Acme", "percent-encode '/'"),
        # No host at all: "KEY:TOKEN" parses as scheme and path.
        ("mykey:s3cr3tSECRET", "entry 1 is not a URL"),
    ],
)
def test_it_refuses_a_bad_entry_naming_it_without_its_credentials(
    value: str, expected: str
) -> None:
    with pytest.raises(ExotelConfigError) as raised:
        parse_accounts(value)

    message = str(raised.value)
    assert expected in message
    assert message.startswith("EXOTEL_ACCOUNTS ")
    assert "\n" not in message
    # urlsplit lowercases what it takes for a host: compare without case.
    assert "secret" not in message.lower()


def test_it_names_the_entry_number_of_a_bad_entry_after_good_ones() -> None:
    good = f"https://{ENCODED}@api.exotel.com/A"

    with pytest.raises(ExotelConfigError, match=r"entry 3 \(host example.com, account C\)"):
        parse_accounts(
            f"{good},https://{ENCODED}@api.in.exotel.com/B,https://{ENCODED}@example.com/C"
        )


def test_it_refuses_an_account_named_twice_naming_the_sid() -> None:
    value = f"https://{ENCODED}@api.exotel.com/Acme,https://{ENCODED}@api.in.exotel.com/Acme"

    with pytest.raises(ExotelConfigError, match="names account Acme more than once") as raised:
        parse_accounts(value)

    assert "secret" not in str(raised.value).lower()


# --- listing and detail items


def test_it_reads_the_first_seed_listing_item() -> None:
    record = parse_exophone(SEED_001_LISTING["incoming_phone_numbers"][0], zone=IST)

    assert record.sid == "01155555551"
    assert record.phone_number == "+911155555556"
    assert record.friendly_name == "01155555556"
    assert (record.voice_capable, record.sms_capable) == (True, True)
    assert (record.country, record.region) == ("IN", "DL")
    assert record.one_time_price == Decimal("0.000000")
    assert record.rental_price == Decimal("0.000000")
    assert record.incoming_rate == Decimal("0.000000")
    assert str(record.rental_price) == "0.000000"
    assert record.incoming_pulse == 60
    assert (record.currency, record.number_type, record.vanity_number) == ("INR", "Landline", False)
    assert (record.voice_url, record.sms_url) == (None, None)
    assert record.uri == "/v2_beta/Accounts/Exotel/IncomingPhoneNumbers/01155555556"
    # Listing dates carry no zone: read in IST, stored in UTC.
    assert record.date_created == datetime(2016, 3, 4, 12, 1, 50, tzinfo=UTC)
    assert record.date_updated == datetime(2017, 9, 22, 17, 17, 0, tzinfo=UTC)


def test_it_reads_the_second_seed_listing_item_with_its_flows() -> None:
    record = parse_exophone(SEED_001_LISTING["incoming_phone_numbers"][1], zone=IST)

    assert record.phone_number == "+911555555550"
    assert record.voice_url == "http://my.exotel.in/Exotel/exoml/start_voice/75551"
    assert record.sms_url == "http://my.exotel.in/Exotel/exoml/start_sms/75551"
    assert record.date_created == datetime(2016, 4, 7, 6, 43, 20, tzinfo=UTC)


def test_it_reads_the_seed_single_item() -> None:
    record = parse_exophone(SEED_001_DETAIL, zone=IST)

    assert record.sid == "9eeafc8ab479a386dc95f854f9d7cd8a"
    assert record.phone_number == "+91555530240"
    assert record.region == "WB"
    assert record.rental_price == Decimal("499.000000")
    assert str(record.rental_price) == "499.000000"
    assert record.date_updated == datetime(2017, 3, 30, 8, 49, 2, tzinfo=UTC)


def test_it_reads_the_seed_v2_data_with_rfc3339_dates_and_unknown_sms() -> None:
    data = SEED_000_ENVELOPE["response"][0]["data"]

    record = parse_exophone(data, zone=IST)

    assert record.sid == "01139585476"
    assert record.phone_number == "+911139585476"
    assert record.voice_capable is True
    # The v2 capabilities name only voice: SMS is unknown, not refused.
    assert record.sms_capable is None
    assert record.rental_price == Decimal("499.000000")
    assert record.voice_url == "https://my.exotel.com/Exotel/exoml/start_voice/XXX"
    # RFC 3339 dates are not shifted by the listing zone.
    assert record.date_created == datetime(2018, 8, 22, 12, 22, 49, tzinfo=UTC)
    assert record.date_updated == datetime(2018, 8, 24, 11, 25, 49, tzinfo=UTC)


def test_it_reads_missing_dates_and_flows_as_none() -> None:
    item = _listing_item()
    for key in ("date_created", "date_updated", "voice_url", "sms_url"):
        del item[key]

    record = parse_exophone(item, zone=IST)

    assert (record.date_created, record.date_updated) == (None, None)
    assert (record.voice_url, record.sms_url) == (None, None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rental_price": "abc"}, "rental_price"),
        ({"one_time_price": 9.99}, "one_time_price"),
        ({"incoming_rate": "0.1234567"}, "incoming_rate"),
        ({"rental_price": None}, "rental_price"),
        ({"phone_number": None}, "phone_number"),
        ({"phone_number": "call me"}, "phone_number"),
        ({"sid": None}, "sid"),
        ({"sid": "  "}, "sid"),
        ({"date_created": "yesterday"}, "date_created"),
        ({"date_updated": "2017-02-30 10:00:00"}, "date_updated"),
        ({"incoming_pulse": "6.5"}, "incoming_pulse"),
        ({"incoming_pulse": "-60"}, "incoming_pulse"),
        ({"incoming_pulse": None}, "incoming_pulse"),
        ({"incoming_pulse": "1e12"}, "incoming_pulse"),
        ({"capabilities": ["voice"]}, "capabilities"),
        ({"capabilities": []}, "capabilities"),
        ({"capabilities": {"voice": "yes"}}, "voice"),
        ({"vanity_number": "yes"}, "vanity_number"),
        ({"currency": "RS"}, "currency"),
        ({"friendly_name": 42}, "friendly_name"),
    ],
)
def test_it_refuses_a_malformed_item_naming_the_field(change: dict[str, Any], field: str) -> None:
    item = _listing_item()
    item.update(change)

    with pytest.raises(RecordError, match=field):
        parse_exophone(item, zone=IST)


def test_it_refuses_an_item_missing_its_phone_number() -> None:
    item = _listing_item()
    del item["phone_number"]

    with pytest.raises(RecordError, match="phone_number is missing"):
        parse_exophone(item, zone=IST)


def test_it_refuses_an_item_that_is_not_an_object() -> None:
    with pytest.raises(RecordError, match="expected an object, got list"):
        parse_exophone([], zone=IST)


# --- the v2 detail envelope


def test_it_reads_the_seed_envelope_connectivity() -> None:
    report = parse_detail_envelope(SEED_000_ENVELOPE, sid="01139585476")

    checked = datetime(2018, 8, 24, 11, 25, 49, tzinfo=UTC)
    assert report.sid == "01139585476"
    assert report.incoming == ConnectivityObservation("active", checked, None)
    assert report.outgoing == ConnectivityObservation("active", checked, None)


@pytest.mark.parametrize("status", ["active", "major_outage", "partial_network_outage", "degraded"])
def test_it_keeps_exotels_own_status_word(status: str) -> None:
    report = parse_detail_envelope(_connectivity({"status": status}), sid="01139585476")

    assert report.incoming.status == status
    assert report.outgoing.status == "active"


def test_it_reads_alternates_as_a_tuple_and_null_as_none() -> None:
    body = _connectivity(
        {"status": "major_outage", "alternate_exophone": ["+911139585477", "+911139585478"]}
    )

    report = parse_detail_envelope(body, sid="01139585476")

    assert report.incoming.alternates == ("+911139585477", "+911139585478")
    assert report.outgoing.alternates is None


def test_it_reads_an_empty_list_of_alternates_as_none() -> None:
    body = _connectivity({"status": "major_outage", "alternate_exophone": []})

    assert parse_detail_envelope(body, sid="01139585476").incoming.alternates is None


def test_it_refuses_alternates_that_are_not_numbers() -> None:
    with pytest.raises(RecordError, match=r"incoming_call\.alternate_exophone"):
        parse_detail_envelope(_connectivity({"alternate_exophone": [1]}), sid="01139585476")


def test_it_reads_a_404_envelope_as_the_number_gone_with_exotels_own_error() -> None:
    body = _envelope(
        code=404,
        status="failure",
        data=None,
        error_data={"code": 1000, "description": "Not Found", "message": "Not Found"},
    )
    body["http_code"] = 404

    with pytest.raises(ExoPhoneNotFound, match="Exotel answered 404 failure: 1000 Not Found"):
        parse_detail_envelope(body, sid="01139585476")


def test_it_reads_a_failed_item_of_a_207_as_a_failure() -> None:
    body = _envelope(
        code=500,
        status="failure",
        data=None,
        error_data={"code": 500, "description": "Try later", "message": "Internal Server Error"},
    )
    body["http_code"] = 207

    with pytest.raises(RecordError, match="Exotel answered 500 failure: 500 Internal"):
        parse_detail_envelope(body, sid="01139585476")


def test_it_refuses_a_successful_item_with_null_data() -> None:
    with pytest.raises(RecordError, match="no data"):
        parse_detail_envelope(_envelope(data=None), sid="01139585476")


def test_it_refuses_data_without_connectivity() -> None:
    body = _envelope()
    del body["response"][0]["data"]["connectivity"]

    with pytest.raises(RecordError, match="no connectivity"):
        parse_detail_envelope(body, sid="01139585476")


def test_it_refuses_a_direction_without_a_status() -> None:
    with pytest.raises(RecordError, match=r"connectivity\.incoming_call\.status is missing"):
        parse_detail_envelope(_connectivity({"status": None}), sid="01139585476")


def test_it_refuses_a_bad_check_time_naming_it() -> None:
    with pytest.raises(RecordError, match=r"incoming_call\.last_check_time"):
        parse_detail_envelope(_connectivity({"last_check_time": "noon"}), sid="01139585476")


def test_it_refuses_an_answer_about_another_number() -> None:
    with pytest.raises(RecordError, match="asked for 0999 but Exotel answered for 01139585476"):
        parse_detail_envelope(SEED_000_ENVELOPE, sid="0999")


@pytest.mark.parametrize("body", [None, [], {"response": []}, {"response": "x"}])
def test_it_refuses_a_body_that_is_not_an_envelope(body: object) -> None:
    with pytest.raises(RecordError, match="the detail response"):
        parse_detail_envelope(body, sid="01139585476")


@pytest.mark.parametrize("http_code", [200, 207])
def test_it_accepts_a_successful_item_in_a_whole_or_partial_success(http_code: int) -> None:
    envelope = _envelope()
    envelope["http_code"] = http_code

    assert parse_detail_envelope(envelope, sid="01139585476").incoming.status == "active"


def test_it_refuses_a_successful_item_in_an_envelope_that_says_error() -> None:
    envelope = _envelope()
    envelope["http_code"] = 500

    with pytest.raises(RecordError, match="http_code 500 around a successful item"):
        parse_detail_envelope(envelope, sid="01139585476")
