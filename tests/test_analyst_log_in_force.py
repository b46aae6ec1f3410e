"""`ledger log --as-at D` marks a record that a correction known by D reversed or
replaced, with the value in force (issue 20, item 9); on the shipped events/."""

from __future__ import annotations

import csv

import pytest
from stores import published_ledger, succeeding


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    ledger = succeeding(published_ledger(tmp_path_factory.mktemp("log-in-force")))
    return lambda *args: ledger(*args).output


def listed(ledger, *args):
    text = ledger("log", *args, "--format", "csv")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("head:")))


def test_a_replaced_record_says_what_is_in_force_once_the_correction_is_known(ledger):
    (correction,) = [r for r in listed(ledger, "--kind", "correction", "--account", "QOQ")][:1]
    target = correction["detail"].removeprefix("replace ")
    (record,) = [r for r in listed(ledger, "--account", "QOQ") if r["id"] == target]
    assert record["in_force"] == (
        f"replaced by {correction['id']}: {int(correction['amount_pence']):,} pence"
    )
    # before the correction was known, the record was in force as it stands
    day_before = listed(ledger, "--account", "QOQ", "--as-at", "2025-03-16")
    (then,) = [r for r in day_before if r["id"] == target]
    assert correction["as_at"] == "2025-03-17" and then["in_force"] == ""
    # the correction itself is still listed as its own entry
    assert correction["id"] in {r["id"] for r in listed(ledger, "--account", "QOQ")}


def test_records_no_correction_touched_say_nothing(ledger):
    corrected = {r["detail"].split(" ", 1)[1] for r in listed(ledger, "--kind", "correction")}
    rows = listed(ledger, "--kind", "allocation", "--year", "2013-14")
    assert rows and all(r["in_force"] == "" for r in rows if r["id"] not in corrected)
