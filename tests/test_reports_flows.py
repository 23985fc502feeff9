"""/reports/flows/ (numbers.reports.flows, selectors.flows): numbers per
flow, numbers with no flow, flow changes in a window. Time stands at T0
(06:00 UTC, 11:30 in Asia/Kolkata)."""

import html
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from exoinventory.numbers.models import ExoPhone
from exoinventory.numbers.reports import flows as reports_flows
from exoinventory.numbers.selectors.flows import flow_id
from tests.factories import T0, make_account, make_change, make_exophone, make_user
from tests.test_reports_base import body, bulk_exophones, csv_table

pytestmark = pytest.mark.django_db

FLOWS = "/reports/flows/"
VOICE_229 = "https://my.exotel.com/acme/exoml/start_voice/229"
VOICE_17 = "https://my.exotel.com/acme/exoml/start_voice/17"
SMS_31 = "https://my.exotel.com/acme/exoml/start_sms/31"


@pytest.fixture(autouse=True)
def _frozen_time(settings) -> Iterator[None]:
    settings.TIME_ZONE = "Asia/Kolkata"
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def auditor(client: Client) -> Client:
    client.force_login(make_user("audrey", groups=("Auditor",)))
    return client


def wired() -> dict[str, ExoPhone]:
    acme = make_account(sid="acme")
    globex = make_account(sid="globex")
    return {
        "a": make_exophone(account=acme, phone_number="+911100000001", voice_url=VOICE_229),
        "b": make_exophone(
            account=acme, phone_number="+911100000002", voice_url=VOICE_229, sms_url=SMS_31
        ),
        "sms_only": make_exophone(
            account=acme, phone_number="+911100000003", voice_url=None, sms_url=SMS_31
        ),
        "none": make_exophone(account=acme, phone_number="+911100000004", voice_url=None),
        "empty": make_exophone(account=globex, phone_number="+911100000005", voice_url=""),
        "released": make_exophone(
            account=acme,
            phone_number="+911100000006",
            voice_url=VOICE_229,
            released_at=T0 - timedelta(days=2),
        ),
        "other": make_exophone(account=globex, phone_number="+911100000007", voice_url=VOICE_17),
    }


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (VOICE_229, "voice 229"),
        (SMS_31, "sms 31"),
        ("https://my.exotel.com/acme/exoml/start_voice/229/", "voice 229"),
        ("https://my.exotel.com/acme/exoml/start_voice/229?x=1", "voice 229"),
        ("https://flows.example.com/ivr/main", "ivr/main"),
        ("https://flows.example.com/exoml/start_/7", "start_/7"),
        ("http://example.com/flow", "http://example.com/flow"),
        ("not a url", "not a url"),
    ],
)
def test_a_flow_is_known_by_its_kind_and_id(url: str, shown: str) -> None:
    assert flow_id(url) == shown


def test_a_flow_shows_its_id_with_the_full_url_on_hover(auditor: Client) -> None:
    wired()

    page = auditor.get(FLOWS).content.decode()

    assert f'<span class="flow-id" title="{VOICE_229}">voice 229</span>' in page
    assert f'<span class="flow-id" title="{SMS_31}">sms 31</span>' in page


def listed(auditor: Client, link: str) -> list[str]:
    """The phone numbers the ExoPhone list shows at `link`."""
    page = auditor.get(html.unescape(link)).content.decode()
    return re.findall(r'<th class="field-phone_number"><a [^>]*>([^<]+)</a>', page)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {},
            [
                ("voice 17", ["+911100000007"]),
                ("voice 229", ["+911100000001", "+911100000002"]),
                ("sms 31", ["+911100000002", "+911100000003"]),
                ("no flow", ["+911100000004", "+911100000005"]),
            ],
        ),
        (
            {"kind": "voice", "account": "acme"},
            [
                ("voice 229", ["+911100000001", "+911100000002"]),
                ("no flow", ["+911100000003", "+911100000004"]),
            ],
        ),
        (
            {"kind": "sms"},
            [
                ("sms 31", ["+911100000002", "+911100000003"]),
                (
                    "no flow",
                    [
                        "+911100000001",
                        "+911100000004",
                        "+911100000005",
                        "+911100000007",
                    ],
                ),
            ],
        ),
    ],
)
def test_the_page_counts_each_flows_numbers_and_links_to_exactly_them(
    auditor: Client, query: dict[str, str], expected: list[tuple[str, list[str]]]
) -> None:
    wired()

    page = auditor.get(FLOWS, query).content.decode()

    flows = re.findall(
        r'<span class="flow-id" [^>]*>([^<]+)</span></th>\s*'
        r'<td class="report-number"><a href="([^"]+)" [^>]*>(\d+) numbers?</a>',
        page,
    )
    none = re.search(
        r'<table id="unassigned">.*?<a href="([^"]+)" [^>]*>(\d+) numbers?</a>', page, re.S
    )
    assert none is not None
    shown = [(flow, link, int(count)) for flow, link, count in flows]
    shown.append(("no flow", none.group(1), int(none.group(2))))
    assert [(flow, count) for flow, _, count in shown] == [
        (flow, len(numbers)) for flow, numbers in expected
    ]
    assert [(flow, listed(auditor, link)) for flow, link, _ in shown] == expected


def test_the_json_lists_each_flow_with_its_current_numbers_and_the_numbers_with_none(
    auditor: Client,
) -> None:
    wired()

    document = auditor.get(FLOWS, {"format": "json"}).json()

    assert document == {
        "flows": [
            {"kind": "voice", "url": VOICE_17, "numbers": ["+911100000007"]},
            {"kind": "voice", "url": VOICE_229, "numbers": ["+911100000001", "+911100000002"]},
            {"kind": "sms", "url": SMS_31, "numbers": ["+911100000002", "+911100000003"]},
        ],
        "unassigned": ["+911100000004", "+911100000005"],
        "changes": [],
    }


def test_with_a_kind_the_numbers_with_no_flow_of_that_kind_are_unassigned(
    auditor: Client,
) -> None:
    wired()

    document = auditor.get(FLOWS, {"format": "json", "kind": "voice"}).json()

    assert [flow["kind"] for flow in document["flows"]] == ["voice", "voice"]
    assert document["unassigned"] == ["+911100000003", "+911100000004", "+911100000005"]


def test_the_account_filter_keeps_that_accounts_numbers(auditor: Client) -> None:
    wired()

    document = auditor.get(FLOWS, {"format": "json", "account": "globex"}).json()

    assert document["flows"] == [{"kind": "voice", "url": VOICE_17, "numbers": ["+911100000007"]}]
    assert document["unassigned"] == ["+911100000005"]


def test_the_filter_links_keep_the_other_filters(auditor: Client) -> None:
    wired()

    page = auditor.get(FLOWS, {"kind": "sms", "since": "2026-11-01"}).content.decode()

    assert 'href="?kind=sms&amp;since=2026-11-01&amp;account=globex"' in page
    assert 'href="?since=2026-11-01"' in page  # kind: All
    assert 'href="?kind=sms&amp;since=2026-11-01&amp;format=csv"' in page


# --- Changes


def test_the_changes_are_those_of_the_last_30_days_by_default_newest_first(
    auditor: Client,
) -> None:
    phones = wired()
    make_change(
        exophone=phones["a"], old=VOICE_17, new=VOICE_229, observed_at=T0 - timedelta(days=29)
    )
    make_change(
        exophone=phones["b"],
        field="sms_url",
        old=None,
        new=SMS_31,
        observed_at=T0 - timedelta(hours=1),
    )
    make_change(
        exophone=phones["released"], old=VOICE_229, new=None, observed_at=T0 - timedelta(days=3)
    )
    make_change(  # before the window
        exophone=phones["other"], old=None, new=VOICE_17, observed_at=T0 - timedelta(days=32)
    )
    make_change(  # not a flow
        exophone=phones["a"], field="rental_price", old="1", new="2", observed_at=T0
    )

    changes = auditor.get(FLOWS, {"format": "json"}).json()["changes"]

    assert changes == [
        {
            "phone_number": "+911100000002",
            "field": "sms_url",
            "old": None,
            "new": SMS_31,
            "observed_at": "2026-11-22T05:00:00Z",
        },
        {
            "phone_number": "+911100000006",
            "field": "voice_url",
            "old": VOICE_229,
            "new": None,
            "observed_at": "2026-11-19T06:00:00Z",
        },
        {
            "phone_number": "+911100000001",
            "field": "voice_url",
            "old": VOICE_17,
            "new": VOICE_229,
            "observed_at": "2026-10-24T06:00:00Z",
        },
    ]


def test_the_page_shows_the_newest_changes_and_says_the_exports_have_them_all(
    auditor: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reports_flows, "CHANGES_SHOWN", 2)
    phones = wired()
    for hours, phone in ((3, "a"), (2, "b"), (1, "other")):
        make_change(
            exophone=phones[phone], old=None, new=VOICE_17, observed_at=T0 - timedelta(hours=hours)
        )

    page = auditor.get(FLOWS).content.decode()
    exported = auditor.get(FLOWS, {"format": "json"}).json()["changes"]

    rows = page.split('<table id="flow-changes">')[1].split("</table>")[0]
    assert "Flow changes (3)" in rows
    assert re.findall(r'change/">(\+\d+)</a>', rows) == ["+911100000007", "+911100000002"]
    assert "The newest 2 are shown; the CSV and JSON have all 3." in page
    assert len(exported) == 3


def test_the_window_runs_from_midnight_of_since_to_the_end_of_until_in_the_time_zone(
    auditor: Client,
) -> None:
    phone = wired()["a"]
    # 2026-11-10 00:00 in Asia/Kolkata is 2026-11-09 18:30 UTC.
    for observed in ("2026-11-09T18:29:59Z", "2026-11-09T18:30:00Z", "2026-11-12T18:29:59Z"):
        make_change(exophone=phone, old=None, new=VOICE_229, observed_at=observed)
    make_change(exophone=phone, old=None, new=VOICE_229, observed_at="2026-11-12T18:30:00Z")

    changes = auditor.get(
        FLOWS, {"format": "json", "since": "2026-11-10", "until": "2026-11-12"}
    ).json()["changes"]

    assert [change["observed_at"] for change in changes] == [
        "2026-11-12T18:29:59Z",
        "2026-11-09T18:30:00Z",
    ]


def test_a_change_says_which_sync_run_noticed_it_or_who_made_it(auditor: Client) -> None:
    phones = wired()
    by_sync = make_change(exophone=phones["a"], old=VOICE_17, new=VOICE_229)
    make_change(
        exophone=phones["b"],
        old=VOICE_17,
        new=VOICE_229,
        source="local",
        sync_run=None,
        user_name="alice",
        observed_at=T0 - timedelta(minutes=5),
    )

    page = auditor.get(FLOWS).content.decode()
    table = csv_table(auditor.get(FLOWS, {"format": "csv"}))

    run = by_sync.sync_run_id
    assert f'<a href="/admin/numbers/syncrun/{run}/change/">sync run {run}</a>' in page
    assert "<td>alice</td>" in page
    assert "22 Nov 2026, 11:30" in page  # noticed, in Asia/Kolkata
    assert f'<span class="flow-id" title="{VOICE_17}">voice 17</span>' in page
    changes = [row for row in table if row[0] == "change"]
    assert [row[-1] for row in changes] == [f"sync run {run}", "user alice"]


def test_the_kind_filter_keeps_that_kinds_changes(auditor: Client) -> None:
    phones = wired()
    make_change(exophone=phones["a"], old=VOICE_17, new=VOICE_229)
    make_change(exophone=phones["b"], field="sms_url", old=None, new=SMS_31)

    changes = auditor.get(FLOWS, {"format": "json", "kind": "sms"}).json()["changes"]

    assert [change["field"] for change in changes] == ["sms_url"]


# --- CSV


def test_the_csv_has_a_section_per_part_with_urls_in_full(auditor: Client) -> None:
    phones = wired()
    make_change(exophone=phones["a"], old=VOICE_17, new=VOICE_229)

    table = csv_table(auditor.get(FLOWS, {"format": "csv", "account": "acme"}))

    assert table[0] == [
        "section",
        "kind",
        "flow_url",
        "account_sid",
        "phone_number",
        "old",
        "new",
        "observed_at",
        "changed_by",
    ]
    assert table[1:5] == [
        ["flow", "voice", VOICE_229, "acme", "'+911100000001"],
        ["flow", "voice", VOICE_229, "acme", "'+911100000002"],
        ["flow", "sms", SMS_31, "acme", "'+911100000002"],
        ["flow", "sms", SMS_31, "acme", "'+911100000003"],
    ]
    assert table[5] == ["no flow", "", "", "acme", "'+911100000004"]
    assert table[6][:8] == [
        "change", "voice", "", "acme", "'+911100000001", VOICE_17, VOICE_229, "2026-11-22T06:00:00Z"
    ]  # fmt: skip


# --- Scale


@pytest.mark.parametrize("fmt", ["html", "csv", "json"])
def test_the_query_count_does_not_grow_with_the_numbers(auditor: Client, fmt: str) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = auditor.get(FLOWS, {"format": fmt})
            assert response.status_code == 200
            body(response)
        return len(captured)

    acme = make_account()
    for phone in bulk_exophones(10, account=acme)[:3]:
        make_change(exophone=phone, old=None, new=VOICE_229)
    few = queries()
    for phone in bulk_exophones(490, account=acme)[:30]:
        make_change(exophone=phone, old=None, new=VOICE_229)
    many = queries()

    assert ExoPhone.objects.count() == 500
    assert few == many
