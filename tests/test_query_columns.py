"""`ledger query` keeps every column a statement gives, even where two share a name (a
join of two tables with an as_at each): none hides another, in any format."""

from __future__ import annotations

import csv
import io
import json

import pytest
from stores import published_ledger


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("query-columns"))


JOINED = (
    "SELECT p.as_at, o.as_at, p.source, o.source FROM postings AS p "
    "JOIN organisations AS o ON o.code = p.account "
    "WHERE p.record_id = 'alloc-2013-14-06H' AND p.version = 0"
)


def test_a_join_shows_both_tables_columns_of_the_same_name(ledger):
    [row] = json.loads(ledger("query", "--format", "json", JOINED).stdout)
    [posting] = json.loads(
        ledger(
            "query", "--format", "json",
            "SELECT as_at, source FROM postings "
            "WHERE record_id = 'alloc-2013-14-06H' AND version = 0",
        ).stdout
    )  # fmt: skip
    [organisation] = json.loads(
        ledger(
            "query",
            "--format",
            "json",
            "SELECT as_at, source FROM organisations WHERE code = '06H'",
        ).stdout
    )
    assert row == {
        "as_at": posting["as_at"],
        "as_at_2": organisation["as_at"],
        "source": posting["source"],
        "source_2": organisation["source"],
    }
    assert posting["as_at"] != organisation["as_at"]  # else the test could not tell them apart


@pytest.mark.parametrize("fmt", ["csv", "table"])
def test_every_format_keeps_every_column(ledger, fmt):
    output = ledger("query", "--format", fmt, "SELECT 1 AS a, 2 AS a, 3 AS a_2, 4 AS a").stdout
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(output))) == [
            ["a", "a_3", "a_2", "a_4"],
            ["1", "2", "3", "4"],
        ]
    else:
        assert output.splitlines()[0].split() == ["a", "a_3", "a_2", "a_4"]
        assert output.splitlines()[2].split() == ["1", "2", "3", "4"]


@pytest.mark.parametrize("sql", ["SELECT ?", "SELECT :name", "SELECT ?1, ?2"])
def test_a_statement_with_a_parameter_says_so_in_the_ledgers_words(ledger, sql):
    """Python's "you supplied a dictionary (which has only names)" reached the user."""
    result = ledger("query", sql)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: the statement has a parameter (? or :name) given no value: write the value "
        "in the SQL (a view declares its parameters in its header: -- :name ...)\n"
    )


@pytest.mark.parametrize("number", ["1e400", "-1e400"])
def test_json_has_no_infinity(ledger, number):
    """JSON has no Infinity: no reader took what Python wrote for SQL's 1e400."""
    result = ledger("query", "--format", "json", f"SELECT {number} AS x, 1.5 AS y")
    assert json.loads(result.stdout) == [{"x": None, "y": 1.5}]
    assert "Infinity" not in result.stdout


def test_an_answer_with_no_rows_still_names_its_columns_in_csv(ledger):
    """A CSV of no rows is its header, so a program reading it finds the columns; it was
    an empty line, for a query and for a view alike."""
    empty = ledger(
        "query", "--format", "csv", "SELECT code, name FROM organisations WHERE code = 'none'"
    )
    assert empty.exit_code == 0, empty.output
    assert list(csv.reader(io.StringIO(empty.stdout))) == [["code", "name"]]
    one = ledger("query", "--format", "csv", "SELECT code, name FROM organisations LIMIT 1")
    assert list(csv.reader(io.StringIO(one.stdout)))[0] == ["code", "name"]

    view = ledger(
        "view", "ccg-budgets", "--format", "csv",
        "-p", "year", "2013-14", "-p", "area_team", "Q56", "-p", "region", "Y56",
    )  # fmt: skip
    assert view.exit_code == 0, view.output
    [header] = list(csv.reader(io.StringIO(view.stdout)))
    full = ledger("view", "ccg-budgets", "--format", "csv", "-p", "year", "2013-14")
    assert header == list(csv.reader(io.StringIO(full.stdout)))[0]
    assert "allocation_pence" in header
