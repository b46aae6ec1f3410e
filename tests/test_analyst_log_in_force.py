"""`ledger log --as-at D` marks a record that a correction known by D reversed or
replaced, with the value in force (issue 20, item 9); on the shipped events/."""

from __future__ import annotations

import csv
import json

import pytest
from factories import allocation, correction, world, write_jsonl
from stores import published_ledger, succeeding
from test_errata_lifecycle import erratum


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


def logged(run, *args):
    result = run("log", *args, "--format", "csv")
    assert result.exit_code == 0, result.output
    return listed(lambda *_: result.output)


def in_force(run, *args):
    return {row["id"]: row["in_force"] for row in logged(run, "--kind", "allocation", *args)}


def ids_logged(run, *args):
    return [row["id"] for row in logged(run, *args)]


def budget(run, as_at, *more):
    result = run("view", "ccg-budgets", "-p", "year", "2013-14", "-p", "as_at", as_at, *more,
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    return {row["code"]: row["allocation_pence"] for row in json.loads(result.stdout)}


def test_the_correction_in_force_is_judged_by_the_day_its_errata_give_it(run, tmp_path):
    """An erratum says the correction became known on 1 December, not 1 November: as at
    15 November the views still hold the allocation, and log now says nothing replaced
    it; it said "replaced by" from the correction's stored day. Its errata's value counts,
    and a correction they withdraw replaces nothing."""
    history = [
        *world(), allocation(), allocation("alloc-05Q", account="05Q"),
        correction("fix-06H", "alloc-06H", action="replace", amount="£850m", as_at="2013-11-01"),
        correction("fix-05Q", "alloc-05Q", as_at="2013-11-01"),
        erratum("fix-06H-known", "fix-06H", set={"as_at": "2013-12-01", "amount": "£851m"}),
        erratum("no-fix-05Q", "fix-05Q", withdraw=True),
    ]  # fmt: skip
    assert run("import", str(write_jsonl(tmp_path / "h.jsonl", history))).exit_code == 0
    assert budget(run, "2013-11-15")["06H"] == 84_920_400_000
    assert in_force(run, "--as-at", "2013-11-15") == {"alloc-06H": "", "alloc-05Q": ""}
    assert "fix-06H" not in ids_logged(run, "--as-at", "2013-11-15")
    assert budget(run, "2013-12-02")["06H"] == 85_100_000_000
    assert in_force(run, "--as-at", "2013-12-02") == {
        "alloc-06H": "replaced by fix-06H: 85,100,000,000 pence", "alloc-05Q": ""}  # fmt: skip
    # as the ledger stood before its errata: the correction as stored
    before = ("--as-at", "2013-11-15", "--recorded-by", "2026-01-04")
    assert budget(run, "2013-11-15", "-p", "recorded_by", "2026-01-04")["06H"] == 85_000_000_000
    assert in_force(run, *before) == {
        "alloc-06H": "replaced by fix-06H: 85,000,000,000 pence", "alloc-05Q": "reversed by fix-05Q"}  # fmt: skip
    assert "fix-06H" in ids_logged(run, *before)
