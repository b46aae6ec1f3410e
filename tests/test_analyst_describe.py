"""Issue 20, item 7: ``ledger view NAME --describe`` prints the view's header, each
column's meaning and each status value, read from the projection's own file; and
reconciliation says when itemised parts exceed the total."""

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner
from conftest import REPOSITORY
from stores import published_ledger

from ledger.cli import main
from ledger.views.projections import ProjectionError, load_projections, parse_projection

PROJECTIONS = load_projections([REPOSITORY / "projections"])

# Parameters each view is run with to see its columns (the rest run on their defaults).
RUN_WITH = {
    "audit": ["-p", "account", "06H", "-p", "year", "2013-14"],
    "ccg-budgets": ["-p", "year", "2014-15", "-p", "compare", "2013-14"],
    "reconciliation": ["-p", "year", "2014-15"],
}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("describe"))


@pytest.mark.parametrize("name", sorted(PROJECTIONS))
def test_every_column_a_view_prints_is_described_in_its_file(ledger, name):
    result = ledger("view", name, *RUN_WITH.get(name, []), "--format", "csv")
    assert result.exit_code == 0, result.output
    printed = next(csv.reader(io.StringIO(result.stdout)))
    described = [column for column, _ in PROJECTIONS[name].columns]
    assert described == printed


def test_describe_prints_the_header_columns_and_statuses(ledger):
    result = ledger("view", "reconciliation", "--describe")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith(
        "reconciliation: reported totals beside the components they should add up to\n"
    )
    assert "Parameters (-p NAME VALUE):\n  year " in text
    projection = PROJECTIONS["reconciliation"]
    for column, meaning in projection.columns:
        assert re.search(rf"^  {re.escape(column)} +{re.escape(meaning)}$", text, re.MULTILINE)
    statuses = [status for status, _ in projection.statuses]
    assert statuses == [
        "reconciled",
        "within tolerance",
        "unexplained residual",
        "parts exceed the total by £X",
        "parts not all itemised",
        "components missing",
    ]
    assert "Status values:\n  reconciled " in text


def test_describe_needs_no_store(tmp_path):
    missing = str(tmp_path / "none.db")
    result = CliRunner().invoke(main, ["--store", missing, "view", "drawdown", "--describe"])
    assert result.exit_code == 0, result.output
    assert "drawdown_pence" in result.stdout
    assert not (tmp_path / "none.db").exists()


def _statuses(ledger, name, year, column="status"):
    result = ledger("view", name, "-p", "year", year, "--format", "json")
    assert result.exit_code == 0, result.output
    return {row[column] for row in json.loads(result.stdout) if row[column] is not None}


def _described(name, found):
    """Whether ``found`` is one of the view's status values (£X standing for an amount)."""
    patterns = [
        re.escape(status).replace("£X", "£[0-9.,]+[km]?")
        for status, _ in PROJECTIONS[name].statuses
    ]
    return any(re.fullmatch(pattern, found) for pattern in patterns)


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("reconciliation", "2013-14"),
        ("reconciliation", "2014-15"),
        ("deficit-forecasts", "2013-14"),
    ],
)
def test_the_statuses_views_answer_are_the_described_ones(ledger, name, year):
    found = _statuses(ledger, name, year)
    assert found
    assert all(_described(name, status) for status in found), found


def test_parts_exceeding_the_total_say_by_how_much(ledger):
    rows = json.loads(
        ledger("view", "reconciliation", "-p", "year", "2014-15", "--format", "json").stdout
    )
    [overspend] = [row for row in rows if row["figure"] == "2014-15-planned-overspend-june"]
    # £65m and £74m of drivers against a £137m overspend
    assert overspend["components_pence"] - overspend["reported_pence"] == 200_000_000
    assert overspend["status"] == "parts exceed the total by £2m"
    counts = json.loads(
        ledger("view", "reconciliation", "-p", "year", "2013-14", "--format", "json").stdout
    )
    [unplanned] = [row for row in counts if row["figure"] == "2013-14-ccgs-unplanned-deficit-m6"]
    assert unplanned["components_count"] < unplanned["reported_count"]
    assert unplanned["status"] == "parts not all itemised"


def test_a_malformed_columns_block_names_its_line(tmp_path):
    path = tmp_path / "broken.sql"
    path.write_text(
        "-- broken: a view\n-- columns:\n--   code the code\n-- :year <year> a year\nSELECT 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ProjectionError, match=r"broken.sql:3: a columns entry is"):
        parse_projection(path)


def test_a_columns_block_reads_continuations(tmp_path):
    path = tmp_path / "fine.sql"
    path.write_text(
        "-- fine: a view\n--\n-- Prose.\n--\n-- columns:\n--   code    the code\n--   total_pence  what it adds\n--           up to\n-- status:\n--   all good  nothing wrong\n--\n-- :year <year> a year\nSELECT 1\n",
        encoding="utf-8",
    )
    projection = parse_projection(path)
    assert projection.columns == (("code", "the code"), ("total_pence", "what it adds up to"))
    assert projection.statuses == (("all good", "nothing wrong"),)
    assert projection.comment == ("", "Prose.")
    assert [parameter.name for parameter in projection.parameters] == ["year"]


@pytest.mark.parametrize("name", ["national-position", "specialised-delegation"])
def test_a_long_column_name_puts_its_meaning_on_the_next_line(ledger, name):
    """A column name longer than the names' column printed "\\n" between it and its
    meaning (noticed in issue 21): the meaning now starts the next line, aligned."""
    result = ledger("view", name, "--describe")
    assert result.exit_code == 0, result.output
    assert "\\n" not in result.stdout
    lines = result.stdout.splitlines()
    for column, meaning in PROJECTIONS[name].columns:
        if len(column) > 28:
            at = lines.index(f"  {column}")
            assert lines[at + 1] == " " * 32 + meaning
    long_ones = [column for column, _ in PROJECTIONS[name].columns if len(column) > 28]
    assert long_ones  # the case is there to test
