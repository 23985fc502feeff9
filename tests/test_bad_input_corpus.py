"""The bad-input corpus (tests/corpus/exophones/): each malformed ExoPhone
listing item is served by the simulator over real HTTP among 39 good ones,
a real listing runs, and the written outcome holds.

A corpus file is {"description", "item", "expected": "stored" | "skipped",
"emptied": [field, …]}, optionally "repeated" (a second item served on a
later page) and "stored" (field → value as stored, a string or null). A
string written {"$repeat": s, "times": n} is s * n, so that 1 MB values
stay out of the repository.

Whatever the item, the rest of the batch syncs, and nothing stored or
logged is unbounded (DESIGN.md rule 7).
"""

# The simulator and account fixtures come from test_sync; pytest passes them
# by name, which ruff reads as redefinitions.
# ruff: noqa: F811

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from django.db import models

from exoinventory.numbers.models import ExoPhone, ExoPhoneChange, SyncRun
from exoinventory.numbers.services.listing import exophones_list
from tests.test_sync import (  # noqa: F401 - account and simulator are fixtures
    ACCOUNT,
    account,
    fast_client,
    simulator,
)

CORPUS = Path(__file__).resolve().parent / "corpus" / "exophones"
FILES = sorted(CORPUS.glob("*.json"))
# Served on page 1 and, for a repeated sid, page 3, with 10 items a page.
PAGE_SIZE = 10
AT, REPEATED_AT = 12, 33
MAX_LOG_LINE = 1_000
# Text columns without a max_length (notes, JSON) may hold no more than this.
MAX_UNBOUNDED_TEXT = 4_096


def _expand(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$repeat", "times"}:
            return value["$repeat"] * value["times"]
        return {key: _expand(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand(item) for item in value]
    return value


def _load(path: Path) -> dict[str, Any]:
    return _expand(json.loads(path.read_text(encoding="utf-8")))


def _stored(value: object) -> str | None:
    return None if value is None else str(value)


def _assert_bounded(row: models.Model) -> None:
    for field in row._meta.concrete_fields:
        value = field.value_from_object(row)
        if isinstance(value, str) and field.max_length:
            assert len(value) <= field.max_length, (type(row).__name__, field.name)
        elif isinstance(value, str | dict | list):
            assert len(json.dumps(value)) <= MAX_UNBOUNDED_TEXT, (type(row).__name__, field.name)


def test_the_corpus_holds_at_least_40_items_each_with_an_expected_outcome():
    assert len(FILES) >= 40
    for path in FILES:
        case = _load(path)
        assert case["description"], path.name
        assert "item" in case, path.name
        assert case["expected"] in ("stored", "skipped"), path.name
        assert isinstance(case["emptied"], list), path.name
        if case["expected"] == "skipped":
            assert not case["emptied"] and "stored" not in case, path.name


@pytest.mark.django_db
@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_a_malformed_item_has_its_written_outcome(path, simulator, account, caplog):
    case = _load(path)
    good = simulator.numbers(ACCOUNT)
    replaced = [good[AT]["sid"]]
    simulator.set_listing_item(ACCOUNT, replaced[0], case["item"])
    if "repeated" in case:
        replaced.append(good[REPEATED_AT]["sid"])
        simulator.set_listing_item(ACCOUNT, replaced[1], case["repeated"])
    others = {item["sid"] for item in good} - set(replaced)

    with caplog.at_level(logging.DEBUG):
        run = exophones_list(
            account=account,
            trigger=SyncRun.Trigger.COMMAND,
            client=fast_client(account, page_size=PAGE_SIZE),
        )

    emptied = {name: 1 for name in case["emptied"]}
    assert run.error == ""
    assert run.fields_emptied == emptied
    # The rest of the batch always syncs.
    assert others <= set(ExoPhone.objects.values_list("sid", flat=True))
    item = case.get("repeated", case["item"])
    if case["expected"] == "stored":
        stored = ExoPhone.objects.get(sid=item["sid"])
        assert run.records_skipped == 0
        assert run.numbers_seen == len(others) + 1
        assert run.outcome == (SyncRun.Outcome.PARTIAL if emptied else SyncRun.Outcome.SUCCESS)
        for name in case["emptied"]:
            assert getattr(stored, name) in (None, ""), name
        for name, value in case.get("stored", {}).items():
            assert _stored(getattr(stored, name)) == value, name
    else:
        assert run.records_skipped == 1
        assert any(" skipped " in record.getMessage() for record in caplog.records)
        assert run.numbers_seen == len(others)
        assert run.outcome == SyncRun.Outcome.PARTIAL
        assert ExoPhone.objects.count() == len(others)
    for row in [*ExoPhone.objects.all(), *ExoPhoneChange.objects.all(), run]:
        _assert_bounded(row)
    for record in caplog.records:
        line = record.getMessage()
        assert len(line) <= MAX_LOG_LINE, line[:200]
        assert "\x00" not in line and "\n" not in line, line[:200]
