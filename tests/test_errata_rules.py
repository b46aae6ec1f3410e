"""What an erratum may say, found by trying the tool (issue 21): a value too large or
otherwise unfit to keep is named, not a traceback."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from factories import SOURCE_ID, allocation, world, write_jsonl

from ledger.cli import main
from ledger.records.located import Located
from ledger.records.models import parse_record
from ledger.writing.ledger import Batch, Ledger

TODAY = date.today().isoformat()
HUGE = "99999999999999999999999999999"  # past any 64-bit integer
CITED = ["--source", SOURCE_ID, "--locator", "erratum note", "--reason", "typed wrongly"]


@pytest.fixture
def ledger(tmp_path):
    """The CLI on a store holding the world and 06H's allocation (known 2013-09-30)."""
    common = ["--store", str(tmp_path / "ledger.db"), "--views", str(tmp_path / "views.db")]

    def invoke(*args):
        return CliRunner().invoke(main, [*common, *args], catch_exceptions=False)

    invoke.store = str(tmp_path / "ledger.db")
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


# -- the day an erratum was recorded ----------------------------------------------------------


def erratum(erratum_id="fix", fixes="alloc-06H", recorded=TODAY, **fields):
    return {
        "id": erratum_id, "kind": "erratum", "fixes": fixes, "recorded": recorded,
        "set": {"amount": "£849,205k"}, "reason": "typed wrongly", "source": SOURCE_ID,
        "locator": "erratum note", **fields,
    }  # fmt: skip


def before_known(recorded, known):
    return (
        f"recorded {recorded} is before 'alloc-06H' was known ({known}): the ledger cannot "
        "have fixed a record before it could have said it"
    )


def test_record_erratum_is_recorded_today(ledger):
    """Typed with an earlier day, an erratum would change what the ledger showed on the
    days between (-p recorded_by): it is refused, naming --recorded."""
    yesterday = date.fromordinal(date.today().toordinal() - 1).isoformat()
    typed = ["record", "erratum", "--id", "fix", "--fixes", "alloc-06H", "--set", "amount=1m"]
    result = ledger(*typed, "--recorded", yesterday, *CITED)
    assert result.exit_code == 1
    assert result.stderr == (
        f"record erratum: --recorded {yesterday} is before today ({TODAY}): an erratum "
        "recorded now is recorded today, or the ledger would have shown it on days it did not\n"
        "Error: 1 problem found; nothing was recorded.\n"
    )
    assert errata_recorded(ledger) == []
    assert ledger(*typed, "--recorded", TODAY, *CITED).exit_code == 0
    assert errata_recorded(ledger) == ["fix"]


# The allocation is known from 2013-09-30 as written; an erratum of it recorded earlier
# is refused, and so is one recorded before the day an erratum (this one, or one before
# it) says it became known.
TOO_EARLY = {
    "before the record": ([erratum(recorded="2013-09-29")], before_known("2013-09-29", "2013-09-30")),
    "before the day it sets": (
        [erratum(recorded="2013-10-01", set={"as_at": "2013-12-18"})],
        before_known("2013-10-01", "2013-12-18"),
    ),
    "before the day an erratum set": (
        [erratum("known", set={"as_at": "2013-12-18"}), erratum(recorded="2013-12-17")],
        before_known("2013-12-17", "2013-12-18"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("where", ["stored", "batch, before", "batch, after"])
@pytest.mark.parametrize("case", TOO_EARLY)
def test_import_refuses_an_erratum_recorded_before_its_record_was_known(
    ledger, tmp_path, case, where
):
    errata, problem = TOO_EARLY[case]
    if where == "stored":
        records = errata
    else:  # a new store: the record and its errata in one file, the errata before or after
        history = [*world(), allocation()]
        records = [*errata, *history] if where == "batch, before" else [*history, *errata]
        ledger = fresh(tmp_path)
    path = write_jsonl(tmp_path / "errata.jsonl", records)
    result = ledger("import", str(path))
    assert result.exit_code == 1
    line = 1 + records.index(errata[-1])
    assert (
        result.stderr
        == f"{path}:{line}: {problem}\nError: 1 problem found; nothing was recorded.\n"
    )
    assert ledger("log").exit_code == (0 if where == "stored" else 1)


def fresh(tmp_path):
    common = ["--store", str(tmp_path / "new.db"), "--views", str(tmp_path / "new-views.db")]
    return lambda *args: CliRunner().invoke(main, [*common, *args], catch_exceptions=False)


def test_import_keeps_the_day_a_published_erratum_was_recorded(ledger, tmp_path):
    """events/ holds errata recorded on earlier days: import keeps their day."""
    path = write_jsonl(tmp_path / "errata.jsonl", [erratum(recorded="2013-09-30")])
    assert ledger("import", str(path)).exit_code == 0
    exported = [json.loads(line) for line in ledger("export").stdout.splitlines()]
    assert [line["recorded"] for line in exported if line["kind"] == "erratum"] == ["2013-09-30"]


def test_check_finds_an_erratum_recorded_before_its_record_was_known(ledger):
    """A store written before import refused them."""
    plant(
        ledger.store,
        erratum("known", recorded="2026-01-01", set={"as_at": "2013-12-18"}),
        erratum("early", recorded="2013-12-17"),
        erratum("earliest", recorded="2013-01-01"),
    )
    result = ledger("check", "--format", "json")
    assert result.exit_code == 1
    found = [(f["record"], f["message"]) for f in json.loads(result.stdout)]
    assert found == [
        ("early", before_known("2013-12-17", "2013-12-18")),
        ("earliest", before_known("2013-01-01", "2013-12-18")),
    ]


def plant(store, *records):
    """Write records straight into the store, past the checks import makes."""
    with Ledger(store) as planting:
        planting.append(Batch(new=[Located("planted", parse_record(r)) for r in records]))
