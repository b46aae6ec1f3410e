"""Issue 20, item 5: --sort COLUMN (-COLUMN descending) and --limit N on ledger view."""

import json

import pytest
from stores import published_ledger

AREA_TEAMS = ["view", "ccg-budgets", "-p", "year", "2013-14", "-p", "group", "area_team"]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("sort"))


def rows(ledger, *args):
    result = ledger(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_area_team_with_the_largest_allocation(ledger):
    unsorted = rows(ledger, *AREA_TEAMS)
    top = rows(ledger, *AREA_TEAMS, "--sort", "-allocation", "--limit", "3")
    expected = sorted(unsorted, key=lambda row: row["allocation_pence"], reverse=True)[:3]
    assert top == expected
    assert top[0]["code"] == "Q71"  # London
    assert [row["code"] for row in unsorted] != [row["code"] for row in top]
    table = ledger(*AREA_TEAMS, "--sort", "-allocation_pence", "--limit", "1").stdout.splitlines()
    assert len(table) == 3
    assert table[2].startswith("Q71 ")


def test_several_keys_comma_separated_or_repeated(ledger):
    unsorted = rows(ledger, *AREA_TEAMS)
    expected = sorted(unsorted, key=lambda row: (row["region"], -row["allocation_pence"]))
    assert rows(ledger, *AREA_TEAMS, "--sort", "region,-allocation") == expected
    assert rows(ledger, *AREA_TEAMS, "--sort", "region", "--sort", "-allocation") == expected
    by_name = rows(ledger, *AREA_TEAMS, "--sort", "name")
    assert [row["name"] for row in by_name] == sorted(row["name"] for row in unsorted)


def test_empty_values_come_last_either_way(ledger):
    args = ["view", "national-position"]  # core_pence is empty before the ICB era
    for order in ("core", "-core"):
        found = rows(ledger, *args, "--sort", order)
        values = [row["core_pence"] for row in found]
        present = [value for value in values if value is not None]
        assert values == present + [None] * (len(values) - len(present))
        assert present == sorted(present, reverse=order.startswith("-"))
        assert present and len(present) < len(values)


def test_limit_alone_keeps_the_views_order(ledger):
    unsorted = rows(ledger, *AREA_TEAMS)
    assert rows(ledger, *AREA_TEAMS, "--limit", "5") == unsorted[:5]
    assert ledger(*AREA_TEAMS, "--limit", "0").stdout.strip() == "(no rows)"


def test_an_unknown_column_is_a_one_line_error_naming_the_columns(ledger):
    result = ledger(*AREA_TEAMS, "--sort", "-budget")
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(
        "Error: --sort: the view has no column 'budget'; its columns: code, name, area_team, region, ccgs, allocation_pence,"
    )
    empty = ledger(*AREA_TEAMS, "--sort", ",")
    assert empty.exit_code == 2
    assert "names no column" in empty.stderr
    negative = ledger(*AREA_TEAMS, "--limit", "-1")
    assert negative.exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["view", "deficit-forecasts", "-p", "year", "2013-14"],
        ["view", "icb-budgets", "-p", "year", "2023-24"],
        ["view", "national-position"],
        ["view", "audit", "-p", "account", "06H", "-p", "year", "2013-14"],
    ],
)
def test_every_view_sorts_the_same_way(ledger, args):
    unsorted = rows(ledger, *args)
    assert unsorted
    column = next(key for key in unsorted[0] if key.endswith("_pence"))
    found = rows(ledger, *args, "--sort", f"-{column}", "--limit", "2")
    present = sorted(
        (row for row in unsorted if row[column] is not None), key=lambda row: -row[column]
    )
    assert [row[column] for row in found] == [row[column] for row in present[:2]]


def test_limit_is_what_max_rows_counts(ledger):
    """`ledger view ccg-budgets --max-rows 2 --limit 1` asks for one row: it gets the
    first row of the whole answer, sorted or not, rather than an answer of too many."""
    unsorted = rows(ledger, *AREA_TEAMS)
    assert len(unsorted) > 2
    assert rows(ledger, *AREA_TEAMS, "--max-rows", "2", "--limit", "1") == unsorted[:1]
    by_region = sorted(unsorted, key=lambda row: row["region"])  # ties keep the view's order
    assert (
        rows(ledger, *AREA_TEAMS, "--max-rows", "2", "--limit", "2", "--sort", "region")
        == (by_region[:2])
    )
    top = sorted(unsorted, key=lambda row: -row["allocation_pence"])[:2]
    assert rows(
        ledger, *AREA_TEAMS, "--max-rows", "2", "--limit", "2", "--sort", "-allocation"
    ) == (top)
    more = ledger(*AREA_TEAMS, "--max-rows", "2", "--limit", "3")
    assert (more.exit_code, more.stderr) == (
        1,
        "Error: the answer has more than 2 rows; ask for at most 2 with --limit or raise "
        "--max-rows (or LEDGER_MAX_ROWS)\n",
    )
    everything = ledger(*AREA_TEAMS, "--max-rows", "2")
    assert everything.stderr.startswith("Error: the answer has more than 2 rows; ask for")


def test_a_limited_view_still_runs_to_its_end(ledger):
    """The rows a limit leaves out are still read: a view's own error is said, and a
    --sort naming no column is refused even when the view has no rows."""
    refused = ledger(*AREA_TEAMS, "-p", "compare", "2013-14", "--limit", "0")
    assert (refused.exit_code, refused.stderr) == (
        1,
        "Error: parameter compare: 2013-14 is the year shown; compare it with another year\n",
    )
    empty = [*AREA_TEAMS, "-p", "area_team", "Q56", "-p", "region", "Y56"]
    assert rows(ledger, *empty) == []
    unknown = ledger(*empty, "--sort", "budget", "--limit", "1")
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("Error: --sort: the view has no column 'budget'")
