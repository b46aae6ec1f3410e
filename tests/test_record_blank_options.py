"""``ledger record KIND`` given an option with an empty or blank value refuses it, naming
the option, as an import file's line with an empty value is refused, and records
nothing: ``--id ""`` is not the option left out (which takes an id made of the content),
nor is ``--rounded ""`` false."""

import hashlib

import pytest
from click.testing import CliRunner
from factories import allocation, world, write_jsonl

from ledger.cli import main

CITED = ["--as-at", "2013-09-30", "--source", "board-paper-2013-11", "--locator", "table 1"]
YEAR = ["--year", "2013-14"]
# For each kind (but split, whose successors tests/test_analyst_record_options.py tries),
# options that make a record the store below takes: 05Q closes the day before it merges.
VALID = {
    "source": ["--title", "Paper", "--publisher", "NHS England", "--published", "2013-04-01",
               "--dated-by", "its cover", "--covers", "2013-14"],
    "organisation": ["--id", "07X", "--name", "NHS Example CCG", "--type", "ccg", *CITED],
    "closure": ["--organisation", "05Q", "--effective", "2015-03-31", *CITED],
    "merger": ["--organisation", "06H", "--predecessors", "05Q", "--effective", "2015-04-01",
               *CITED],
    "membership": ["--organisation", "06H", "--effective", "2013-04-01", "--region",
                   "ccg-sector", *CITED],
    "baseline": ["--id", "september-2013", *YEAR, "--effective", "2013-09-30", "--known",
                 "2013-09-30", "--description", "month 6", *CITED],
    "allocation": ["--account", "06H", *YEAR, "--amount", "£1m", *CITED],
    "transfer": ["--from", "05Q", "--to", "SPEC", *YEAR, "--amount", "£5m", *CITED],
    "plan": ["--account", "06H", *YEAR, "--amount", "0", *CITED],
    "forecast": ["--account", "06H", *YEAR, "--period", "M6", "--amount", "-£8.6m", *CITED],
    "drawdown": ["--account", "06H", *YEAR, "--amount", "£2m", *CITED],
    "qipp": ["--account", "06H", *YEAR, "--measure", "plan", "--period", "M6", "--amount",
             "£5m", *CITED[2:], "--as-at", "2013-10-30"],
    "figure": ["--account", "ccg-sector", *YEAR, "--measure", "ccgs", "--period", "M6",
               "--count", "3", *CITED[2:], "--as-at", "2013-10-30"],
    "correction": ["--corrects", "alloc-06H", "--action", "reverse", "--reason", "twice",
                   *CITED],
    "erratum": ["--fixes", "alloc-06H", "--recorded", "2014-01-02", "--set", "locator=row 2",
                "--reason", "misread", *CITED[2:]],
}  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store holding world() and one allocation, which a correction or erratum fixes."""
    folder = tmp_path_factory.mktemp("blank-options")
    store = str(folder / "ledger.db")
    history = write_jsonl(folder / "history.jsonl", [*world(), allocation()])
    assert CliRunner().invoke(main, ["--store", store, "import", str(history)]).exit_code == 0
    return store


def ledger(store, *args):
    return CliRunner().invoke(main, ["--store", store, *args])


def digest(path):
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def options(kind):
    """Every option of ``ledger record KIND`` that takes a value (not --dry-run), by each
    name it answers to."""
    command = main.commands["record"].get_command(None, kind)
    return [
        tuple(o for o in param.opts if o.startswith("--"))
        for param in command.params
        if not getattr(param, "is_flag", False)
    ]


def without(args, names):
    """``args`` without the option named ``names`` and its value."""
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in names:
            skip = True
        else:
            kept.append(arg)
    return kept


def blank_cases():
    for kind in VALID:
        for names in options(kind):
            yield pytest.param(kind, names, id=f"{kind}{names[0]}")


def test_each_kind_s_valid_options_are_recorded(tmp_path):
    """The options above are a record each (so that a refusal below is the blank's)."""
    store = str(tmp_path / "ledger.db")
    history = write_jsonl(tmp_path / "history.jsonl", [*world(), allocation()])
    assert ledger(store, "import", str(history)).exit_code == 0
    for kind, valid in VALID.items():
        if kind not in ("correction", "erratum"):  # both fix alloc-06H; one at a time
            result = ledger(store, "record", kind, *valid)
            assert result.exit_code == 0, (kind, result.output)
            assert result.stdout.startswith(f"Recorded {kind} ")


@pytest.mark.parametrize("blank", ["", "   "], ids=["empty", "blank"])
@pytest.mark.parametrize(("kind", "names"), list(blank_cases()))
def test_an_empty_or_blank_option_is_refused_naming_it(store, kind, names, blank):
    before = digest(store)
    result = ledger(store, "record", kind, *without(VALID[kind], names), names[-1], blank)
    assert result.exit_code in (1, 2), result.output
    problems = result.stderr.splitlines()
    assert problems[-1].endswith("; nothing was recorded.")
    assert any(line.startswith(f"record {kind}: {names[-1]}") for line in problems), problems
    assert result.stdout == ""
    assert digest(store) == before


@pytest.mark.parametrize(
    ("blank", "said"),
    [("", "--id is empty"), ("   ", "--id is only space")],
    ids=["empty", "blank"],
)
def test_record_with_an_empty_id_says_so_and_takes_no_id_of_its_own(store, blank, said):
    before = digest(store)
    result = ledger(store, "record", "allocation", "--id", blank, *VALID["allocation"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"record allocation: {said}\nError: 1 problem found; nothing was recorded.\n"
    )
    assert digest(store) == before
    logged = ledger(store, "log", "--kind", "allocation", "--format", "csv").stdout
    assert logged.count("\n") == 2  # the header and alloc-06H: nothing under another id


def test_an_import_line_with_an_empty_id_is_refused_in_the_same_words(store, tmp_path):
    line = write_jsonl(tmp_path / "empty-id.jsonl", [allocation("", amount="£1m")])
    result = ledger(store, "import", str(line))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{line}:1: id is empty"
