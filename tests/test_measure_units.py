"""A measure keeps one unit (issue 21): 06H's share recorded as 12.5%, then as £5m, was
accepted, and diff showed 500,000,000 without a pound sign while audit left the row
blank. A figure in another unit than its measure's is refused, new or made by an
erratum, for any organisation and year; check finds one in a store written before."""

from __future__ import annotations

import json
from datetime import date

import pytest
from factories import SOURCE_ID, world, write_jsonl
from stores import ledger_on, plant

CITED = ["--source", SOURCE_ID, "--locator", "table 2"]
SHARE = ["record", "figure", "--measure", "share", "--year", "2013-14"]


@pytest.fixture
def ledger(tmp_path):
    invoke = ledger_on(tmp_path)
    assert invoke("import", str(write_jsonl(tmp_path / "world.jsonl", world()))).exit_code == 0
    first = invoke(*SHARE, "--id", "share-06H", "--account", "06H", "--unit", "percent",
                   "--percent", "12.5", "--as-at", "2013-12-05", *CITED)  # fmt: skip
    assert first.exit_code == 0, first.output
    return invoke


def shares(ledger):
    log = json.loads(ledger("log", "--kind", "figure", "--format", "json").stdout)
    return [row["id"] for row in log]


@pytest.mark.parametrize("account", ["06H", "05Q"])
@pytest.mark.parametrize("year", ["2013-14", "2014-15"])
def test_a_measure_recorded_in_percent_is_not_recorded_in_pounds(ledger, account, year):
    result = ledger(*SHARE, "--account", account, "--year", year, "--amount", "5m",
                    "--as-at", "2014-12-20", *CITED)  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == (
        "record figure: --measure: 'share' is recorded in percent (by 'share-06H'), not gbp: a "
        "measure keeps one unit for every organisation and year; name another measure\n"
        "Error: 1 problem found; nothing was recorded.\n"
    )
    assert shares(ledger) == ["share-06H"]


def test_the_same_unit_is_recorded_and_shown_with_its_sign(ledger):
    again = ledger(*SHARE, "--id", "share-06H-later", "--account", "06H", "--percent", "13",
                   "--as-at", "2013-12-20", *CITED)  # fmt: skip
    assert again.exit_code == 0, again.output
    diff = ledger("diff", "06H", "--from", "2013-12-01", "--to", "2014-01-01",
                  "--year", "2013-14", "--measure", "share", "--format", "json")  # fmt: skip
    rows = json.loads(diff.stdout)
    assert [row["after"] for row in rows if row["record"]] == ["12.5", "13"]


def test_a_figure_of_an_allocation_measure_is_in_pounds(ledger):
    result = ledger("record", "figure", "--account", "06H", "--year", "2013-14",
                    "--measure", "allocation", "--count", "5", "--as-at", "2013-12-20", *CITED)  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "record figure: --measure: 'allocation' is in gbp (the ledger's allocation records "
        "are), not count: a measure keeps one unit; name another measure"
    )


def test_an_erratum_that_moves_a_figure_to_a_measure_in_another_unit_is_refused(ledger):
    money = ledger("record", "figure", "--id", "gap", "--account", "06H", "--year", "2013-14",
                   "--measure", "gap", "--amount", "5m", "--as-at", "2013-12-20", *CITED)  # fmt: skip
    assert money.exit_code == 0, money.output
    result = ledger("record", "erratum", "--fixes", "gap", "--recorded", date.today().isoformat(),
                    "--set", "measure=share", "--reason", "typed wrongly", *CITED)  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "record erratum: --set: measure: 'share' is recorded in percent (by 'share-06H'), not "
        "gbp: a measure keeps one unit for every organisation and year; name another measure"
    )


def test_check_finds_a_measure_in_two_units_in_a_store_written_before(ledger):
    planted = {
        "id": "share-05Q", "kind": "figure", "account": "05Q", "financial_year": "2013-14",
        "measure": "share", "amount": "£5m", "as_at": "2013-12-20", "source": SOURCE_ID,
        "locator": "table 2",
    }  # fmt: skip
    plant(ledger.store, planted)
    result = ledger("check", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "check": "one unit a measure",
            "record": "share-05Q",
            "message": "'share' is in gbp here, but in percent from its first record, "
            "'share-06H': a measure keeps one unit for every organisation and year",
            "source": f"{SOURCE_ID} table 2",
        }
    ]
