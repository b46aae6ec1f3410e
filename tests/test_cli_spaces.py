"""A code, an account, a measure, a year or an id typed with space around it (pasted from
a spreadsheet, or quoted with a space in a script) names what it names without the
space, in every command, as it does in an import file and in a view's parameters; and an
empty one is refused, not taken for the option not given."""

import json

import pytest
from click.testing import CliRunner
from factories import qipp, world, write_jsonl
from stores import published_ledger

from ledger.cli import main

# Each command as a user typed it with spaces, what it answers typed without them, and a
# value the answer holds.
SPACED = [
    (("orgs", " 13T "), ("orgs", "13T"), "NHS Newcastle Gateshead CCG"),
    (
        ("audit", " 13T ", " allocation ", "--year", " 2015-16 "),
        ("audit", "13T", "allocation", "--year", "2015-16"),
        "carried 00F -> 13T",
    ),
    (
        ("audit", "QOQ", "allocation", "--year", "2025-26", "--service", " specialised "),
        ("audit", "QOQ", "allocation", "--year", "2025-26", "--service", "specialised"),
        "2024/25 Opening allocation (£k)",
    ),
    (
        ("diff", " 06H ", "--from", "2013-10-01", "--to", "2014-03-31", "--measure", " forecast ",
         "--year", " 2013-14 "),
        ("diff", "06H", "--from", "2013-10-01", "--to", "2014-03-31", "--measure", "forecast",
         "--year", "2013-14"),
        "2013-14-06H-forecast-m6",
    ),
    (
        ("log", "--account", " 06H ", "--year", " 2013-14 ", "--kind", " forecast "),
        ("log", "--account", "06H", "--year", "2013-14", "--kind", "forecast"),
        "2013-14-06H-forecast-m6",
    ),
    (
        ("view", " ccg-budgets ", "-p", "year", " 2015-16 ", "-p", "area_team", " Q74 ",
         "-p", "group", " region "),
        ("view", "ccg-budgets", "-p", "year", "2015-16", "-p", "area_team", "Q74",
         "-p", "group", "region"),
        "North of England",
    ),
    (
        ("sources", " data-ccg-allocations "),
        ("sources", "data-ccg-allocations"),
        "CCG programme allocations for 2013-14, 2014-15 and 2015-16",
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("spaces"))


@pytest.mark.parametrize(
    ("spaced", "plain", "holding"),
    SPACED,
    ids=["orgs", "audit", "audit-service", "diff", "log", "view", "sources"],
)
def test_a_value_typed_with_space_around_it_finds_what_it_finds_without(
    ledger, spaced, plain, holding
):
    answer = ledger(*spaced, "--format", "json")
    assert answer.exit_code == 0, answer.output
    assert answer.stdout == ledger(*plain, "--format", "json").stdout
    assert holding in answer.stdout


def test_orgs_finds_newcastle_gateshead_typed_with_space_around_13t(ledger):
    [row] = [row for row in json.loads(ledger("orgs", " 13T ", "--format", "json").stdout)]
    assert (row["code"], row["name"]) == ("13T", "NHS Newcastle Gateshead CCG")
    assert row["predecessors"] == "00F, 00G, 00H on 2015-04-01"


def test_a_chart_of_a_figure_typed_with_space_around_it_is_drawn(ledger, tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "forecast.png"
    drawn = ledger("chart", " 06H ", " forecast ", "--year", " 2013-14 ", "-o", str(png))
    assert drawn.exit_code == 0, drawn.output
    assert drawn.stderr == f"Wrote {png}: 1 change of forecast for 06H.\n"


@pytest.mark.parametrize(
    ("args", "refused"),
    [
        (("audit", "06H", "allocation", "--year", ""), "Invalid value for '--year': is empty"),
        (("chart", "06H", "forecast", "--year", " ", "-o", "x.png"),
         "Invalid value for '--year': ' ' is only space"),
        (("log", "--account", "  "), "Invalid value for '--account': '  ' is only space"),
        (("diff", "06H", "--from", "2013-12-01", "--to", "2013-12-31", "--measure", ""),
         "Invalid value for '--measure': is empty"),
        (("orgs", " "), "Invalid value for '[TEXT]': ' ' is only space"),
    ],
    ids=["audit", "chart", "log", "diff", "orgs"],
)  # fmt: skip
def test_an_empty_value_is_refused_not_taken_for_the_option_not_given(ledger, args, refused):
    result = ledger(*args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: {refused}"
    assert result.stdout == ""


def test_record_and_import_read_spaced_values_as_the_same_record(tmp_path):
    """A QIPP plan recorded with its measure, account, year and source typed with space
    around them is the record an import file's line with the same spaces holds."""
    store = str(tmp_path / "ledger.db")

    def ledger(*args):
        return CliRunner().invoke(main, ["--store", store, *args])

    assert ledger("import", str(write_jsonl(tmp_path / "world.jsonl", world()))).exit_code == 0
    recorded = ledger(
        "record", "qipp", "--id", " qipp-06H ", "--account", " 06H ", "--year", " 2013-14 ",
        "--measure", " plan ", "--amount", "£5m", "--period", " M6 ", "--as-at", "2013-10-30",
        "--source", " board-paper-2013-11 ", "--locator", " table 1 ",
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    assert recorded.stdout == "Recorded qipp qipp-06H at position 6.\n"
    line = qipp(
        " qipp-06H ", " plan ", "£5m", account=" 06H ", financial_year=" 2013-14 ", period=" M6 ",
        as_at="2013-10-30", source=" board-paper-2013-11 ", locator=" table 1 ",
    )  # fmt: skip
    imported = ledger("import", str(write_jsonl(tmp_path / "qipp.jsonl", [line])))
    assert imported.exit_code == 0, imported.output
    assert "Recorded 0 new records from 1 file; 1 already recorded." in imported.output
    exported = json.loads(ledger("export").stdout.splitlines()[-1])
    assert (exported["account"], exported["measure"], exported["financial_year"]) == (
        "06H", "plan", "2013-14",
    )  # fmt: skip
