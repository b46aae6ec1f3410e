"""``ledger record KIND`` reports every missing option and unreadable value in one run,
under one ``Error:`` summary, and records nothing (issue 20, item 10)."""

import hashlib
import json
from datetime import date

import pytest
from click.testing import CliRunner
from conftest import REPOSITORY

from ledger.cli import main

SOURCE = [
    "record",
    "source",
    "--id",
    "example-board-paper",
    "--title",
    "An example board paper (made-up figures)",
    "--publisher",
    "Example CCG",
    "--published",
    "2013-12-05",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store holding the shipped events/."""
    store = tmp_path_factory.mktemp("record-options") / "ledger.db"
    imported = CliRunner().invoke(
        main, ["--store", str(store), "import", str(REPOSITORY / "events")]
    )
    assert imported.exit_code == 0, imported.output
    return store


def ledger(store, *args):
    return CliRunner().invoke(main, ["--store", str(store), *args])


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_missing_option_is_reported_at_once(store):
    before = digest(store)
    result = ledger(store, *SOURCE)
    assert result.exit_code == 2
    assert result.stderr == (
        "record source: --dated-by is missing: how the publication date was found or inferred\n"
        "record source: --covers is missing: the period the document describes\n"
        "Error: 2 problems found; nothing was recorded.\n"
    )
    assert result.stdout == ""
    assert digest(store) == before
    listed = ledger(store, "log", "--kind", "source", "--format", "csv")
    assert "example-board-paper" not in listed.stdout


def test_missing_options_and_unreadable_values_are_reported_together(store):
    before = digest(store)
    result = ledger(
        store,
        "record",
        "forecast",
        "--account",
        "06H",
        "--amount",
        "5 million",
        "--as-at",
        "2013-13-01",
        "--period",
        "M13",
    )
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[-1] == "Error: 6 problems found; nothing was recorded."
    assert sorted(lines[:-1]) == [
        "record forecast: --amount: cannot read '5 million' as an amount (examples: "
        "849204000, £8.6m, 1.6bn, 849,204k, -2.4m)",
        "record forecast: --as-at: '2013-13-01' is not a date (write dates like 2013-09-30)",
        "record forecast: --locator is missing: where in the source: paragraph, table or row",
        "record forecast: --period: a month is written M1 to M12, got 'M13'",
        "record forecast: --source is missing: id of the source document (a source record)",
        "record forecast: --year is missing: e.g. 2013-14",
    ]
    assert digest(store) == before


def test_with_every_option_given_the_record_is_appended(store, tmp_path):
    copy = tmp_path / "ledger.db"
    copy.write_bytes(store.read_bytes())
    recorded = ledger(copy, *SOURCE, "--dated-by", "date of the meeting", "--covers", "2013-14 M8")
    assert recorded.exit_code == 0, recorded.output
    assert recorded.stdout.startswith("Recorded source example-board-paper at position ")
    listed = ledger(copy, "log", "--kind", "source", "--format", "csv")
    assert "example-board-paper" in listed.stdout


def test_a_dry_run_checks_the_record_and_says_it_would_record_it_recording_nothing(store):
    before = digest(store)
    complete = [*SOURCE, "--dated-by", "date of the meeting", "--covers", "2013-14 M8"]
    result = ledger(store, *complete, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Would record source example-board-paper; nothing was recorded (--dry-run).\n"
    )
    assert digest(store) == before


def test_a_dry_run_reports_the_problems_a_record_would_be_refused_for(store):
    before = digest(store)
    result = ledger(
        store, "record", "forecast", "--account", "ZZZ", "--year", "2013-14",
        "--period", "M7", "--amount", "-1m", "--as-at", "2013-11-30",
        "--source", "no-such-source", "--locator", "para 1", "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "--source: unknown source document 'no-such-source'" in result.output
    assert "--account: unknown organisation 'ZZZ'" in result.output
    assert result.output.endswith("Error: 2 problems found; nothing was recorded.\n")
    assert digest(store) == before


def test_a_dry_run_of_a_record_already_held_says_so(store, tmp_path):
    copy = tmp_path / "ledger.db"
    copy.write_bytes(store.read_bytes())
    complete = [*SOURCE, "--dated-by", "date of the meeting", "--covers", "2013-14 M8"]
    assert ledger(copy, *complete).exit_code == 0
    before = digest(copy)
    result = ledger(copy, *complete, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Already recorded: example-board-paper (nothing changed).\n"
    assert digest(copy) == before


@pytest.mark.parametrize("option", ["--dry-run", "--account", "--dryrun"])
def test_an_option_before_the_kind_is_refused_saying_where_options_go(store, option):
    before = digest(store)
    result = ledger(store, "record", option, "allocation", "--account", "06H")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: No such option '{option}' before the kind of record: a record's options "
        "go after its kind (ledger record KIND --help lists them)\n"
    )
    assert digest(store) == before


def test_a_dry_run_on_a_store_that_does_not_exist_makes_no_file(tmp_path):
    missing = tmp_path / "new.db"
    complete = [*SOURCE, "--dated-by", "date of the meeting", "--covers", "2013-14 M8"]
    result = ledger(missing, *complete, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Would record source example-board-paper;")
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_help_still_marks_the_options_a_record_needs():
    result = CliRunner().invoke(main, ["record", "source", "--help"])
    assert result.exit_code == 0
    help_text = " ".join(result.output.split())
    assert "--dated-by TEXT how the publication date was found or inferred [required]" in help_text


# An erratum typed now is recorded today.
ERRATUM = [
    "record", "erratum", "--fixes", "2013-14-06H-forecast-m6", "--recorded", date.today().isoformat(),
    "--source", "data-regions-2013", "--locator", "row 4", "--reason", "typed wrongly",
]  # fmt: skip


@pytest.mark.parametrize(
    "given",
    [
        ["--set", "as_at=2013-11-16", "--set", "amount=-£9m"],
        ["--set", '{"as_at": "2013-11-16", "amount": "-£9m"}'],
    ],
    ids=["NAME=VALUE", "JSON"],
)
def test_an_erratum_sets_fields_from_the_command_line(tmp_path, given):
    """--set once refused every value, a JSON object included, in pydantic's words."""
    store = tmp_path / "ledger.db"
    imported = ledger(store, "import", str(REPOSITORY / "events"))
    assert imported.exit_code == 0, imported.output
    result = ledger(store, *ERRATUM, "--id", "fix-m6", *given)
    assert result.exit_code == 0, result.output
    exported = ledger(store, "export").stdout.splitlines()
    [fix] = [json.loads(line) for line in exported if line.startswith('{"id": "fix-m6"')]
    assert fix["set"] == {"as_at": "2013-11-16", "amount": "-£9m"}
    assert fix["fixes"] == "2013-14-06H-forecast-m6"


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (["--set", "as_at"], "--set: write a field and its value as NAME=VALUE, got 'as_at'"),
        (["--set", '{"as_at": '], "--set: not a JSON object: Expecting value (column 10)"),
        (["--set", "[1]"], "--set: write a field and its value as NAME=VALUE, got '[1]'"),
    ],
)
def test_an_erratum_set_that_cannot_be_read_names_the_option(store, given, problem):
    """Said once: an unreadable --set also brought "an erratum sets or removes a field",
    about the --set the user had given."""
    before = digest(store)
    result = ledger(store, *ERRATUM, *given)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"record erratum: {problem}",
        "Error: 1 problem found; nothing was recorded.",
    ]
    assert digest(store) == before


def test_an_erratum_that_changes_nothing_says_what_it_needs(store):
    before = digest(store)
    result = ledger(store, *ERRATUM)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "record erratum: an erratum must set or unset a field, or withdraw the record",
        "Error: 1 problem found; nothing was recorded.",
    ]
    assert digest(store) == before


CITED = ["--source", "data-ccgs-2013", "--locator", "row 1"]
SPLIT = [
    "record", "split", "--id", "NEW1-split", "--organisation", "NEW1", "--basis",
    "made-up weights", "--effective", "2014-04-01", "--as-at", "2014-05-01", *CITED,
]  # fmt: skip


def test_a_split_is_recorded_with_each_successor_and_its_weight(tmp_path):
    """record split once refused every way of giving --successors ("successors.0: Input
    should be a valid dictionary or instance of Share"): now ORGANISATION=WEIGHT, once for
    each, or a JSON object as an import file writes it."""
    store = tmp_path / "ledger.db"
    assert ledger(store, "import", str(REPOSITORY / "events")).exit_code == 0
    made_up = ["record", "organisation", "--id", "NEW1", "--name", "A made-up CCG", "--type",
               "ccg", "--opened", "2013-04-01", "--as-at", "2013-04-01", *CITED]  # fmt: skip
    assert ledger(store, *made_up).exit_code == 0
    alone = ledger(store, *SPLIT, "--successors", "06H=2")
    assert alone.stderr.splitlines()[0] == "record split: --successors: 1 given, at least 2 needed"
    given = ["--successors", "06H=2", "--successors", '{"organisation": "05Q", "weight": 1}']
    result = ledger(store, *SPLIT, *given)
    assert result.exit_code == 0, result.output
    closed = ["record", "closure", "--organisation", "NEW1", "--effective", "2014-03-31",
              "--as-at", "2014-05-01", *CITED]  # fmt: skip
    assert ledger(store, *closed).exit_code == 0
    exported = ledger(store, "export").stdout.splitlines()
    [split] = [json.loads(line) for line in exported if '"id": "NEW1-split"' in line]
    assert split["successors"] == [
        {"organisation": "06H", "weight": 2},
        {"organisation": "05Q", "weight": 1},
    ]
    views = ["--views", str(tmp_path / "views.db")]
    checked = ledger(store, *views, "check")
    assert checked.exit_code == 0, checked.output


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (["06J:1", "06K=1"], "--successors: write each one as ORGANISATION=WEIGHT, got '06J:1'"),
        (["06J=abc", "06K=1"], "--successors: '06J=abc': weight: a count is a whole number of "
         "zero or more, got 'abc'"),
        (['{"organisation": "06J"}', "06K=1"], "--successors: '{\"organisation\": \"06J\"}': "
         "weight is missing"),
        (["0 6J=1", "06K=1"], "--successors: '0 6J=1': organisation: '0 6J' is not a valid "
         "code or id"),
    ],
)  # fmt: skip
def test_a_successor_that_cannot_be_read_names_the_option_and_value(store, given, problem):
    before = digest(store)
    result = ledger(store, *SPLIT, *[part for value in given for part in ("--successors", value)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"record split: {problem}",
        "Error: 1 problem found; nothing was recorded.",
    ]
    assert digest(store) == before
