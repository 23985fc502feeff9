"""exotel_records: EXOTEL_ACCOUNTS into accounts, Exotel payloads into typed records."""

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest

from exoinventory.exotel.accounts import ExotelConfigError, parse_accounts
from exoinventory.exotel.records import (
    MAX_ALTERNATES,
    ConnectivityObservation,
    ConnectivityReport,
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
        # Basic auth sends Latin-1: a token beyond it would fail at the first
        # request; one with a space or a control character is a paste error.
        (f"https://{quote(KEY)}:{quote('s3cr3tSECRET€')}@api.exotel.com/Acme", "printable ASCII"),
        (f"https://{quote(KEY)}:{quote('s3cr3tSECRET é')}@api.exotel.com/Acme", "printable ASCII"),
        (f"https://{quote(KEY)}:s3cr3tSECRET%0A@api.exotel.com/Acme", "printable ASCII"),
        (f"https://{quote('ключ')}:{quote(TOKEN, safe='')}@api.exotel.com/Acme", "printable ASCII"),
        (f"https://{ENCODED}@api.exotel.com/Acmé", "printable ASCII"),
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
    assert record.emptied == ()


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
    assert record.emptied == ()


def test_it_reads_missing_flows_as_none_without_reporting_them() -> None:
    # The documents show a null flow URL for "no flow".
    item = _listing_item()
    del item["voice_url"]
    item["sms_url"] = None

    record = parse_exophone(item, zone=IST)

    assert (record.voice_url, record.sms_url) == (None, None)
    assert record.emptied == ()


def test_missing_dates_are_stored_empty_and_reported() -> None:
    item = _listing_item()
    del item["date_created"]
    item["date_updated"] = None

    record = parse_exophone(item, zone=IST)

    assert (record.date_created, record.date_updated) == (None, None)
    assert record.emptied == ("date_created", "date_updated")


def test_a_capability_left_out_is_unknown_and_not_reported() -> None:
    item = _listing_item()
    item["capabilities"] = {"sms": True}

    record = parse_exophone(item, zone=IST)

    assert (record.voice_capable, record.sms_capable) == (None, True)
    assert record.emptied == ()


def test_a_price_sent_as_a_json_number_is_read_exactly() -> None:
    # As the client reads a body: JSON numbers with a point become Decimal.
    text = (
        json.dumps(_listing_item())
        .replace('"rental_price": "0.000000"', '"rental_price": 499.0')
        .replace('"incoming_rate": "0.000000"', '"incoming_rate": 0.25')
    )
    item = json.loads(text, parse_float=Decimal)
    assert (item["rental_price"], item["incoming_rate"]) == (Decimal("499.0"), Decimal("0.25"))

    record = parse_exophone(item, zone=IST)

    assert isinstance(record.rental_price, Decimal)
    assert str(record.rental_price) == "499.000000"
    assert str(record.incoming_rate) == "0.250000"
    assert record.emptied == ()


@pytest.mark.parametrize("pulse", [60, Decimal("60.0"), Decimal("6E+1"), "60", " 60 "])
def test_a_pulse_sent_as_a_json_number_is_read(pulse: object) -> None:
    item = _listing_item()
    item["incoming_pulse"] = pulse

    record = parse_exophone(item, zone=IST)

    assert record.incoming_pulse == 60
    assert type(record.incoming_pulse) is int
    assert record.emptied == ()


def test_a_null_one_time_price_is_stored_empty_and_reported() -> None:
    item = _listing_item()
    item["one_time_price"] = None

    record = parse_exophone(item, zone=IST)

    assert record.one_time_price is None
    assert record.rental_price == Decimal("0.000000")
    assert record.emptied == ("one_time_price",)


def test_a_bad_price_empties_that_price_and_keeps_the_record() -> None:
    item = _listing_item()
    item["rental_price"] = "abc"

    record = parse_exophone(item, zone=IST)

    assert record.rental_price is None
    assert record.emptied == ("rental_price",)
    assert record.sid == "01155555551"
    assert record.date_created == datetime(2016, 3, 4, 12, 1, 50, tzinfo=UTC)


def test_a_zero_date_is_stored_empty_not_a_record_error() -> None:
    item = _listing_item()
    item["date_created"] = "0000-00-00 00:00:00"

    record = parse_exophone(item, zone=IST)

    assert record.date_created is None
    assert record.date_updated == datetime(2017, 9, 22, 17, 17, 0, tzinfo=UTC)
    assert record.emptied == ("date_created",)


def test_year_one_in_the_listing_zone_is_empty_not_an_overflow() -> None:
    item = _listing_item()
    item["date_updated"] = "0001-01-01 00:00:00"

    record = parse_exophone(item, zone=IST)

    assert record.date_updated is None
    assert record.emptied == ("date_updated",)


@pytest.mark.parametrize(
    "date", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00", "0000-00-00T00:00:00Z"]
)
def test_an_out_of_range_rfc3339_date_is_empty_not_a_record_error(date: str) -> None:
    data = json.loads(json.dumps(SEED_000_ENVELOPE["response"][0]["data"]))
    data["date_created"] = date

    record = parse_exophone(data, zone=IST)

    assert record.date_created is None
    assert record.emptied == ("date_created",)


@pytest.mark.parametrize(
    ("change", "field", "empty"),
    [
        ({"one_time_price": 9.99}, "one_time_price", None),
        ({"incoming_rate": "0.1234567"}, "incoming_rate", None),
        ({"rental_price": None}, "rental_price", None),
        ({"rental_price": True}, "rental_price", None),
        ({"incoming_pulse": "6.5"}, "incoming_pulse", None),
        ({"incoming_pulse": "-60"}, "incoming_pulse", None),
        ({"incoming_pulse": None}, "incoming_pulse", None),
        ({"incoming_pulse": "1e12"}, "incoming_pulse", None),
        ({"incoming_pulse": 60.0}, "incoming_pulse", None),
        ({"incoming_pulse": True}, "incoming_pulse", None),
        ({"currency": "RS"}, "currency", ""),
        ({"currency": None}, "currency", ""),
        ({"currency": "€UR"}, "currency", ""),
        ({"currency": "ÄÖÜ"}, "currency", ""),
        ({"country": "IND"}, "country", ""),
        ({"region": "D\x00L"}, "region", ""),
        ({"number_type": ["Landline"]}, "number_type", ""),
        ({"friendly_name": 42}, "friendly_name", ""),
        ({"friendly_name": "x" * 256}, "friendly_name", ""),
        ({"friendly_name": "\ud800"}, "friendly_name", ""),
        ({"uri": None}, "uri", ""),
        ({"voice_url": 7}, "voice_url", None),
        ({"sms_url": "https://x.example/" + "a" * 1024}, "sms_url", None),
        ({"voice_url": "javascript:alert(1)"}, "voice_url", None),
        ({"voice_url": " JavaScript:alert(1)"}, "voice_url", None),
        ({"sms_url": "data:text/html,<script>alert(1)</script>"}, "sms_url", None),
        ({"voice_url": "file:///etc/passwd"}, "voice_url", None),
        ({"sms_url": "/Exotel/exoml/start_sms/1"}, "sms_url", None),
        ({"voice_url": "http://[::1/exoml"}, "voice_url", None),
        ({"capabilities": {"voice": "yes"}}, "voice_capable", None),
        ({"capabilities": {"voice": True, "sms": 1}}, "sms_capable", None),
        ({"vanity_number": "yes"}, "vanity_number", None),
        ({"vanity_number": None}, "vanity_number", None),
        ({"date_created": "yesterday"}, "date_created", None),
        ({"date_updated": "2017-02-30 10:00:00"}, "date_updated", None),
        ({"date_updated": 1488800000}, "date_updated", None),
    ],
)
def test_an_unusable_field_is_stored_empty_and_reported(
    change: dict[str, Any], field: str, empty: object
) -> None:
    item = _listing_item()
    item.update(change)

    record = parse_exophone(item, zone=IST)

    assert getattr(record, field) == empty
    assert type(getattr(record, field)) is type(empty)
    assert record.emptied == (field,)


@pytest.mark.parametrize("capabilities", [None, [], ["voice"], "voice"])
def test_capabilities_that_are_not_an_object_empty_both_and_are_reported(
    capabilities: object,
) -> None:
    item = _listing_item()
    item["capabilities"] = capabilities

    record = parse_exophone(item, zone=IST)

    assert (record.voice_capable, record.sms_capable) == (None, None)
    assert record.emptied == ("voice_capable", "sms_capable")


def test_every_unusable_field_is_reported_once_in_model_order() -> None:
    item = {"sid": "01155555551", "phone_number": "+911155555556"}
    item.update(dict.fromkeys(("voice_url", "sms_url", "capabilities", "vanity_number"), 1))

    record = parse_exophone(item, zone=IST)

    assert record.emptied == (
        "one_time_price", "rental_price", "incoming_rate", "incoming_pulse", "currency",
        "country", "region", "number_type", "friendly_name", "uri", "voice_url", "sms_url",
        "voice_capable", "sms_capable", "vanity_number", "date_created", "date_updated",
    )  # fmt: skip
    assert (record.one_time_price, record.rental_price, record.incoming_rate) == (None,) * 3
    assert (record.incoming_pulse, record.voice_url, record.sms_url) == (None,) * 3
    assert (record.voice_capable, record.sms_capable, record.vanity_number) == (None,) * 3
    assert (record.date_created, record.date_updated) == (None, None)
    texts = ("currency", "country", "region", "number_type", "friendly_name", "uri")
    assert [getattr(record, name) for name in texts] == [""] * len(texts)


@pytest.mark.parametrize(
    "sid", [None, "", "  ", 12345, Decimal("12345"), "x" * 65, "011\x0055", ["011"]]
)
def test_a_record_with_an_unusable_sid_is_skipped(sid: object) -> None:
    item = _listing_item()
    item["sid"] = sid

    with pytest.raises(RecordError, match=r"^sid "):
        parse_exophone(item, zone=IST)


def test_a_record_without_a_sid_is_skipped() -> None:
    item = _listing_item()
    del item["sid"]

    with pytest.raises(RecordError, match=r"^sid is missing$"):
        parse_exophone(item, zone=IST)


@pytest.mark.parametrize(
    "phone_number", [None, "", "call me", 911155555556, "+91\x0011555", "+91" + "5" * 300]
)
def test_a_record_with_an_unusable_phone_number_is_skipped(phone_number: object) -> None:
    item = _listing_item()
    item["phone_number"] = phone_number

    with pytest.raises(RecordError, match=r"^phone_number"):
        parse_exophone(item, zone=IST)


def test_a_record_without_a_phone_number_is_skipped() -> None:
    item = _listing_item()
    del item["phone_number"]

    with pytest.raises(RecordError, match="phone_number is missing"):
        parse_exophone(item, zone=IST)


def test_an_item_that_is_not_an_object_is_skipped() -> None:
    with pytest.raises(RecordError, match="expected an object, got list"):
        parse_exophone([], zone=IST)


# --- the v2 detail envelope

SID = "01139585476"
OBSERVED = datetime(2026, 1, 5, 9, 30, 15, 250000, tzinfo=UTC)


def _detail(body: object, sid: str = SID) -> ConnectivityReport:
    return parse_detail_envelope(body, sid=sid, observed_at=OBSERVED)


def _both_directions(**block: Any) -> dict[str, Any]:
    envelope = _envelope()
    for direction in envelope["response"][0]["data"]["connectivity"].values():
        direction.update(block)
    return envelope


def test_it_reads_the_seed_envelope_connectivity() -> None:
    report = _detail(SEED_000_ENVELOPE)

    checked = datetime(2018, 8, 24, 11, 25, 49, tzinfo=UTC)
    assert report.sid == SID
    assert report.incoming == ConnectivityObservation("active", checked, None)
    assert report.outgoing == ConnectivityObservation("active", checked, None)
    assert report.emptied == ()


def test_the_observation_is_stamped_when_the_answer_arrived_in_utc() -> None:
    arrived = datetime(2026, 1, 5, 15, 0, 15, tzinfo=timezone(timedelta(hours=5, minutes=30)))

    report = parse_detail_envelope(SEED_000_ENVELOPE, sid=SID, observed_at=arrived)

    assert report.observed_at == datetime(2026, 1, 5, 9, 30, 15, tzinfo=UTC)
    assert report.observed_at.utcoffset() == timedelta(0)
    # Exotel's own check time stays beside it, untouched.
    assert report.incoming.checked_at == datetime(2018, 8, 24, 11, 25, 49, tzinfo=UTC)


def test_a_naive_observation_time_is_refused() -> None:
    with pytest.raises(ValueError, match="observed_at must be an aware datetime"):
        parse_detail_envelope(SEED_000_ENVELOPE, sid=SID, observed_at=datetime(2026, 1, 5))


@pytest.mark.parametrize("status", ["active", "major_outage", "partial_network_outage", "degraded"])
def test_it_keeps_exotels_own_status_word(status: str) -> None:
    report = _detail(_connectivity({"status": status}))

    assert report.incoming.status == status
    assert report.outgoing.status == "active"


def test_it_reads_alternates_as_a_tuple_and_null_as_none() -> None:
    body = _connectivity(
        {"status": "major_outage", "alternate_exophone": ["+911139585477", "+911139585478"]}
    )

    report = _detail(body)

    assert report.incoming.alternates == ("+911139585477", "+911139585478")
    assert report.outgoing.alternates is None
    assert report.emptied == ()


def test_it_reads_an_empty_list_of_alternates_as_none() -> None:
    report = _detail(_connectivity({"status": "major_outage", "alternate_exophone": []}))

    assert report.incoming.alternates is None
    assert report.emptied == ()


def test_a_single_alternate_as_a_string_is_read_as_one() -> None:
    report = _detail(_connectivity({"alternate_exophone": "+911139585477"}))

    assert report.incoming.alternates == ("+911139585477",)


@pytest.mark.parametrize("key", ["phone_number", "number", "exophone"])
def test_alternates_as_objects_with_a_phone_number_are_read(key: str) -> None:
    body = _both_directions(
        status="major_outage",
        alternate_exophone=[{key: "+911139585477", "region": "DL"}, {key: " +911139585478 "}],
    )

    report = _detail(body)

    assert report.incoming.alternates == ("+911139585477", "+911139585478")
    assert report.outgoing.alternates == ("+911139585477", "+911139585478")
    assert report.emptied == ()


def test_at_most_20_alternates_are_kept() -> None:
    offered = [f"+9111395854{i:02d}" for i in range(30)]

    report = _detail(_connectivity({"status": "major_outage", "alternate_exophone": offered}))

    assert MAX_ALTERNATES == 20
    assert report.incoming.alternates == tuple(offered[:20])
    assert report.emptied == ()


@pytest.mark.parametrize(
    "alternates",
    [
        [1],
        5,
        True,
        ["+911139585477", None],
        [""],
        ["+91\x0011395"],
        ["+91 " + "1" * 40],
        [{"name": "Delhi backup"}],
        [{"phone_number": 911139585477}],
        [["+911139585477"]],
    ],
)
def test_unusable_alternates_are_emptied_and_reported(alternates: object) -> None:
    report = _detail(_connectivity({"status": "major_outage", "alternate_exophone": alternates}))

    assert report.incoming.status == "major_outage"
    assert report.incoming.alternates is None
    assert report.emptied == ("incoming_call.alternate_exophone",)


@pytest.mark.parametrize(
    "checked",
    ["noon", None, 1535109949, "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00"],
)
def test_an_unusable_check_time_is_emptied_and_reported(checked: object) -> None:
    body = _envelope()
    body["response"][0]["data"]["connectivity"]["outgoing_call"]["last_check_time"] = checked

    report = _detail(body)

    assert report.outgoing.checked_at is None
    assert report.outgoing.status == "active"
    assert report.incoming.checked_at == datetime(2018, 8, 24, 11, 25, 49, tzinfo=UTC)
    assert report.emptied == ("outgoing_call.last_check_time",)


def test_both_directions_report_what_they_emptied_in_order() -> None:
    body = _both_directions(last_check_time="noon", alternate_exophone=[1])

    assert _detail(body).emptied == (
        "incoming_call.last_check_time",
        "incoming_call.alternate_exophone",
        "outgoing_call.last_check_time",
        "outgoing_call.alternate_exophone",
    )


@pytest.mark.parametrize("status", [None, "", "  ", 1, ["active"], "act\x00ive"])
def test_a_direction_without_a_usable_status_is_a_record_error(status: object) -> None:
    with pytest.raises(RecordError, match=r"connectivity\.incoming_call\.status"):
        _detail(_connectivity({"status": status}))


def test_a_direction_that_is_missing_is_a_record_error() -> None:
    body = _envelope()
    del body["response"][0]["data"]["connectivity"]["outgoing_call"]

    with pytest.raises(RecordError, match=r"connectivity\.outgoing_call is missing"):
        _detail(body)


def test_it_reads_a_404_envelope_as_the_number_gone_with_exotels_own_error() -> None:
    body = _envelope(
        code=404,
        status="failure",
        data=None,
        error_data={"code": 1000, "description": "Not Found", "message": "Not Found"},
    )
    body["http_code"] = 404

    with pytest.raises(ExoPhoneNotFound, match="Exotel answered 404 failure: 1000 Not Found"):
        _detail(body)


def test_it_reads_a_failed_item_of_a_207_as_a_failure() -> None:
    body = _envelope(
        code=500,
        status="failure",
        data=None,
        error_data={"code": 500, "description": "Try later", "message": "Internal Server Error"},
    )
    body["http_code"] = 207

    with pytest.raises(RecordError, match="Exotel answered 500 failure: 500 Internal"):
        _detail(body)


def test_it_refuses_a_successful_item_with_null_data() -> None:
    with pytest.raises(RecordError, match="no data"):
        _detail(_envelope(data=None))


def test_it_refuses_data_without_connectivity() -> None:
    body = _envelope()
    del body["response"][0]["data"]["connectivity"]

    with pytest.raises(RecordError, match="no connectivity"):
        _detail(body)


def test_it_refuses_an_answer_about_another_number() -> None:
    with pytest.raises(RecordError, match="asked for 0999 but Exotel answered for 01139585476"):
        _detail(SEED_000_ENVELOPE, sid="0999")


@pytest.mark.parametrize("body", [None, [], {"response": []}, {"response": "x"}])
def test_it_refuses_a_body_that_is_not_an_envelope(body: object) -> None:
    with pytest.raises(RecordError, match="the detail response"):
        _detail(body)


@pytest.mark.parametrize("http_code", [200, 207])
def test_it_accepts_a_successful_item_in_a_whole_or_partial_success(http_code: int) -> None:
    envelope = _envelope()
    envelope["http_code"] = http_code

    assert _detail(envelope).incoming.status == "active"


def test_it_refuses_a_successful_item_in_an_envelope_that_says_error() -> None:
    envelope = _envelope()
    envelope["http_code"] = 500

    with pytest.raises(RecordError, match="http_code 500 around a successful item"):
        _detail(envelope)
