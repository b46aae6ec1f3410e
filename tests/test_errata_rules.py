"""What an erratum may say, found by trying the tool (issue 21): a value too large or
otherwise unfit to keep is named, not a traceback."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from factories import SOURCE_ID, allocation, world, write_jsonl

from ledger.cli import main

TODAY = date.today().isoformat()
HUGE = "99999999999999999999999999999"  # past any 64-bit integer
CITED = ["--source", SOURCE_ID, "--locator", "erratum note", "--reason", "typed wrongly"]


@pytest.fixture
def ledger(tmp_path):
    """The CLI on a store holding the world and 06H's allocation (known 2013-09-30)."""
    common = ["--store", str(tmp_path / "ledger.db"), "--views", str(tmp_path / "views.db")]

    def invoke(*args):
        return CliRunner().invoke(main, [*common, *args], catch_exceptions=False)

    history = write_jsonl(tmp_path / "history.jsonl", [*world(), allocation()])
    assert invoke("import", str(history)).exit_code == 0
    return invoke


def errata_recorded(ledger):
    log = json.loads(ledger("log", "--format", "json").stdout)
    return [row["id"] for row in log if row["kind"] == "erratum"]


# --set values the store could not write, each named by its field, whether the erratum
# fixes a record or names none.
TOO_LARGE = {
    f"amount_pence={HUGE}": f"amount_pence: {HUGE} is larger than any NHS budget (over £10 trillion)",
    f"count={HUGE}": f"count: {HUGE} is more than any count (at most 1,000,000,000,000)",
    f'{{"amount": {HUGE}}}': f"amount: {HUGE} is larger than any NHS budget (over £10 trillion)",
    f"components=[{HUGE}]": f"components: {HUGE} is larger than any number a record holds",
    "components=[1e400]": "components: inf is not a number JSON can hold",
    "components=" + "[" * 101 + "]" * 101: "components: nested more than 100 levels deep",
}  # fmt: skip


@pytest.mark.parametrize("fixes", ["alloc-06H", "nothing-by-this-id"])
@pytest.mark.parametrize("given", TOO_LARGE)
def test_record_erratum_names_a_value_it_cannot_keep(ledger, given, fixes):
    result = ledger(
        "record", "erratum", "--fixes", fixes, "--recorded", TODAY, "--set", given, *CITED
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"record erratum: --set: {TOO_LARGE[given]}"
    assert errata_recorded(ledger) == []


def test_record_erratum_says_a_value_nested_past_reading_is_one(ledger):
    deep = "[" * 5000 + "]" * 5000
    result = ledger(
        "record", "erratum", "--fixes", "alloc-06H", "--recorded", TODAY,
        "--set", f"components={deep}", *CITED,
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "record erratum: --set: 'components=[[[[[[[[[[[[[[[[[[[[[[[[[[[[['... is nested "
        "too deeply to be a value\n"
    )


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (f'{{"amount_pence": {HUGE}}}', TOO_LARGE[f"amount_pence={HUGE}"]),
        (f'{{"components": [{HUGE}]}}', TOO_LARGE[f"components=[{HUGE}]"]),
        ('{"locator": "note \\ud800"}', "locator: U+D800 (a lone surrogate) is not allowed in text"),
    ],
)  # fmt: skip
def test_import_names_an_erratum_value_it_cannot_keep(ledger, tmp_path, given, problem):
    path = tmp_path / "errata.jsonl"
    line = (
        f'{{"id": "fix", "kind": "erratum", "fixes": "alloc-06H", "recorded": "{TODAY}", '
        f'"set": {given}, "reason": "r", "source": "{SOURCE_ID}", "locator": "x"}}'
    )
    path.write_text(f"{line}\n", encoding="utf-8")
    result = ledger("import", str(path))
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"{path}:1: set: {problem}\nError: 1 problem found; nothing was recorded.\n"
    )
    assert errata_recorded(ledger) == []
