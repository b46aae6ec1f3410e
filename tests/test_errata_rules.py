"""What an erratum may say, found by trying the tool (issue 21): a value too large or
otherwise unfit to keep is named, not a traceback."""

from __future__ import annotations

import json
from datetime import date

import pytest
from factories import SOURCE_ID, allocation, organisation, world, write_jsonl
from stores import ledger_on, plant

TODAY = date.today().isoformat()
HUGE = "99999999999999999999999999999"  # past any 64-bit integer
CITED = ["--source", SOURCE_ID, "--locator", "erratum note", "--reason", "typed wrongly"]


@pytest.fixture
def ledger(tmp_path):
    """The CLI on a store holding the world and 06H's allocation (known 2013-09-30)."""
    invoke = ledger_on(tmp_path)
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


def test_record_erratum_without_recorded_is_recorded_today(ledger):
    """--recorded can only be today, so it need not be typed."""
    typed = ["record", "erratum", "--id", "fix", "--fixes", "alloc-06H", "--set", "amount=1m"]
    result = ledger(*typed, *CITED)
    assert result.exit_code == 0, result.output
    exported = [json.loads(line) for line in ledger("export").stdout.splitlines()]
    [fix] = [line for line in exported if line["id"] == "fix"]
    assert fix["recorded"] == TODAY


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
    return ledger_on(tmp_path, "new.db", "new-views.db")


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


def test_what_import_takes_check_does_not_find_an_erratum_recorded_too_early(ledger, tmp_path):
    """Each erratum is judged by the day the record was known as the errata up to it
    leave it, by import and by check alike: a later erratum that moves the known day on
    does not make an earlier one, recorded when the record was known, too early."""
    path = write_jsonl(
        tmp_path / "errata.jsonl",
        [
            erratum("amount", recorded="2014-01-01", set={"amount_pence": 100}),
            erratum("known-later", recorded="2015-01-01", set={"as_at": "2014-06-01"}),
        ],
    )
    imported = ledger("import", str(path))
    assert imported.exit_code == 0, imported.output
    assert errata_recorded(ledger) == ["amount", "known-later"]
    checked = ledger("check", "--format", "json")
    assert checked.exit_code == 0, checked.stdout
    assert json.loads(checked.stdout) == []


# -- what an erratum makes is checked as a new record -------------------------------------


def figure(record_id, measure, **value):
    return {
        "id": record_id, "kind": "figure", "account": "ccg-sector", "financial_year": "2013-14",
        "measure": measure, **value, "as_at": "2013-12-20", "source": SOURCE_ID, "locator": "p1",
    }  # fmt: skip


COUNT = figure("ccgs", "ccgs-in-deficit", count=5)
TOTAL = figure("total", "overspend", amount="£5m")
# What the tester's errata made, each refused as the same figure recorded new would be:
# a count naming itself as its component (reconciliation said "reconciled"), and £5m
# adding up a count of 5 (as £0.05).
MADE_WRONG = {
    "a figure its own component": (
        erratum(fixes="ccgs", set={"components": ["ccgs"]}),
        "set: components: 'ccgs' is this figure: a figure is not its own component",
    ),
    "a count added to money": (
        erratum(fixes="total", set={"components": ["ccgs"]}),
        "set: components: 'ccgs' is in count, the figure in gbp",
    ),
    "a measure in another unit": (
        erratum(fixes="total", set={"measure": "ccgs-in-deficit"}),
        "set: measure: 'ccgs-in-deficit' is recorded in count (by 'ccgs'), not gbp: a measure "
        "keeps one unit for every organisation and year; name another measure",
    ),
    "money in another unit": (
        erratum(fixes="ccgs", set={"amount": "£5m"}, unset=["count", "unit"]),
        "set: the fixed record: measure: 'ccgs-in-deficit' is recorded in count (by "
        "'ccgs-2'), not gbp: a measure keeps one unit for every organisation and year; "
        "name another measure",
    ),
}
SECOND_COUNT = figure("ccgs-2", "ccgs-in-deficit", count=6, financial_year="2014-15")


@pytest.mark.parametrize("where", ["stored", "batch, before", "batch, after"])
@pytest.mark.parametrize("case", MADE_WRONG)
def test_import_refuses_an_erratum_that_makes_a_record_no_new_record_could_be(
    ledger, tmp_path, case, where
):
    fix, problem = MADE_WRONG[case]
    figures = [COUNT, SECOND_COUNT, TOTAL]
    if where == "stored":
        assert (
            ledger("import", str(write_jsonl(tmp_path / "figures.jsonl", figures))).exit_code == 0
        )
        records = [fix]
    else:  # a new store: the figures and the erratum in one file, the erratum first or last
        history = [*world(), allocation(), *figures]
        records = [fix, *history] if where == "batch, before" else [*history, fix]
        ledger = fresh(tmp_path)
    path = write_jsonl(tmp_path / "errata.jsonl", records)
    result = ledger("import", str(path))
    assert result.exit_code == 1
    line = 1 + records.index(fix)
    assert (
        result.stderr
        == f"{path}:{line}: {problem}\nError: 1 problem found; nothing was recorded.\n"
    )


def test_record_erratum_refuses_a_figure_made_its_own_component(ledger, tmp_path):
    """The tester's first case, on the command line; a new figure naming itself is
    refused in the same words."""
    typed = ["record", "figure", "--id", "fc", "--account", "06H", "--year", "2013-14"]
    typed += ["--measure", "fc-count", "--unit", "count", "--count", "5", "--as-at", "2013-12-20"]
    assert ledger(*typed, *CITED).exit_code == 0
    result = ledger(
        "record", "erratum", "--fixes", "fc", "--recorded", TODAY, "--set", 'components=["fc"]',
        *CITED,
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "record erratum: --set: components: 'fc' is this figure: a figure is not its own component"
    )
    assert errata_recorded(ledger) == []
    itself = figure("itself", "overspend", amount="£5m", components=["itself"])
    result = ledger("import", str(write_jsonl(tmp_path / "itself.jsonl", [itself])))
    assert result.stderr.splitlines()[0].endswith(
        ":1: components: 'itself' is this figure: a figure is not its own component"
    )


def test_an_erratum_may_change_the_unit_of_the_only_figure_of_its_measure(ledger, tmp_path):
    figures = write_jsonl(tmp_path / "figures.jsonl", [COUNT])
    assert ledger("import", str(figures)).exit_code == 0
    fix = erratum(fixes="ccgs", set={"amount": "£5m"}, unset=["count", "unit"])
    result = ledger("import", str(write_jsonl(tmp_path / "errata.jsonl", [fix])))
    assert result.exit_code == 0, result.output


def test_check_finds_what_errata_made_in_a_store_written_before(ledger, tmp_path):
    """The tester's errata, planted: check said the first reconciled and found nothing."""
    figures = write_jsonl(tmp_path / "figures.jsonl", [COUNT, TOTAL])
    assert ledger("import", str(figures)).exit_code == 0
    plant(
        ledger.store,
        erratum("itself", fixes="ccgs", set={"components": ["ccgs"]}),
        erratum("count-as-money", fixes="total", set={"components": ["ccgs"]}),
    )
    result = ledger("check", "--format", "json")
    assert result.exit_code == 1
    found = [(f["check"], f["record"], f["message"]) for f in json.loads(result.stdout)]
    reconcile = "reported figures reconcile"
    assert found == [
        (reconcile, "ccgs", "components: 'ccgs' is this figure: a figure is not its own component"),
        (reconcile, "total", "components: 'ccgs' is in count, the figure in gbp"),
        (reconcile, "total", "unexplained residual: overspend of ccg-sector in 2013-14, "
                             "residual £4,999,999.95, 1 of 1 components known"),
    ]  # fmt: skip


# -- errata that only hold together -------------------------------------------------------

LATE_SECTOR = organisation("nhs-whole", type="sector", as_at="2018-07-26")
RENAMED = erratum("to-nhs-whole", fixes="ccgs", set={"account": "nhs-whole"})
KNOWN_EARLIER = erratum("nhs-whole-known", fixes="nhs-whole", set={"as_at": "2013-04-01"})


@pytest.mark.parametrize("where", ["stored", "batch"])
def test_an_erratum_may_name_an_organisation_a_later_erratum_makes_known_in_time(
    ledger, tmp_path, where
):
    """The published record's errata move two 2013 figures to an aggregate first recorded
    as known in 2018, and a later line of the same file makes it known from 2013: a store
    that held the figures before the errata were published refused them, though a new
    store took the same lines in one import."""
    figures = [COUNT, LATE_SECTOR]
    errata = [RENAMED, KNOWN_EARLIER]
    if where == "stored":
        stored = ledger("import", str(write_jsonl(tmp_path / "figures.jsonl", figures)))
        assert stored.exit_code == 0, stored.output
    else:
        ledger = fresh(tmp_path)
        errata = [*world(), allocation(), *figures, *errata]
    result = ledger("import", str(write_jsonl(tmp_path / "errata.jsonl", errata)))
    assert result.exit_code == 0, result.output
    assert errata_recorded(ledger) == ["to-nhs-whole", "nhs-whole-known"]
    checked = ledger("check", "--format", "json")
    assert json.loads(checked.stdout) == [], checked.stdout


@pytest.mark.parametrize("where", ["stored", "batch"])
def test_an_erratum_naming_an_organisation_known_later_is_still_refused(ledger, tmp_path, where):
    records = [RENAMED]
    if where == "stored":
        stored = ledger(
            "import", str(write_jsonl(tmp_path / "figures.jsonl", [COUNT, LATE_SECTOR]))
        )
        assert stored.exit_code == 0, stored.output
    else:
        ledger = fresh(tmp_path)
        records = [*world(), allocation(), COUNT, LATE_SECTOR, RENAMED]
    path = write_jsonl(tmp_path / "errata.jsonl", records)
    result = ledger("import", str(path))
    assert result.exit_code == 1
    read = "recorded in the store" if where == "stored" else f"{path}:{len(records) - 1}"
    assert result.stderr == (
        f"{path}:{len(records)}: set: account: nhs-whole is known only from 2018-07-26 "
        f"(organisation nhs-whole, {read}), after this record (as_at 2013-12-20); record it as "
        "known from then\n"
        "Error: 1 problem found; nothing was recorded.\n"
    )
