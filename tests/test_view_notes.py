"""A view asked as at a day before anything it reads was known says so on stderr, naming
the day the first of it became known, as audit, diff and chart do; its answer (JSON, CSV)
stays the data alone, and a view that is simply empty still says only (no rows)."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from stores import published_ledger, succeeding

from ledger.views.projections import load_projections


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return succeeding(published_ledger(tmp_path_factory.mktemp("view-notes")))


# What a view needs besides as_at.
NEEDS = {"audit": ["-p", "account", "06H"]}
DATED = [
    name
    for name, view in load_projections().items()
    if "as_at" in {p.name for p in view.parameters}
]
NOTE = re.compile(
    r"^\((.+) known by (\d{4}-\d\d-\d\d): the first (.+ )?became known on (\d{4}-\d\d-\d\d)\)$"
)


def note(result) -> tuple[str, str] | None:
    """The day a view's note says it was asked as at, and the day it names as the first
    (``result`` a command's result, or what it said on stderr)."""
    lines = (result if isinstance(result, str) else result.stderr).splitlines()
    assert len(lines) <= 1, lines
    if not lines:
        return None
    found = NOTE.match(lines[0])
    assert found, lines[0]
    return found[2], found[4]


def test_every_view_of_a_known_date_is_tried_here():
    assert "baseline" in DATED  # its baseline unknown by then is an error, not a note
    assert len(DATED) == 12


@pytest.mark.parametrize("name", [name for name in DATED if name != "baseline"])
def test_a_view_asked_before_anything_it_reads_was_known_names_the_first_day(ledger, name):
    asked = ledger(
        "view", name, *NEEDS.get(name, []), "-p", "as_at", "2000-01-01", "--format", "json"
    )
    json.loads(asked.stdout)  # the data alone
    [(by, first)] = [note(asked)]
    assert by == "2000-01-01" and first > by
    day_before = (datetime.date.fromisoformat(first) - datetime.timedelta(days=1)).isoformat()
    before = ledger("view", name, *NEEDS.get(name, []), "-p", "as_at", day_before)
    assert note(before) == (day_before, first)
    known = ledger("view", name, *NEEDS.get(name, []), "-p", "as_at", first)
    # known that day, though perhaps only in part (icb-budgets' default year then is
    # 2025-26, of which only the running costs were known: test_analyst_partial_year)
    partly = [line for line in known.stderr.splitlines() if line.startswith("(only part of ")]
    assert partly == [] or name == "icb-budgets", partly
    assert note(known.stderr.replace("".join(f"{line}\n" for line in partly), "")) is None
    assert known.stdout.strip() != "(no rows)"


def test_the_first_day_is_when_the_first_record_the_view_reads_became_known(ledger):
    def first(sql: str) -> str:
        [row] = json.loads(ledger("query", sql, "--format", "json").stdout)
        return str(row["first"])

    qipp = ledger("view", "qipp", "-p", "as_at", "2000-01-01")
    assert note(qipp) == (
        "2000-01-01",
        first("SELECT MIN(as_at) AS first FROM postings WHERE kind = 'qipp'"),
    )
    budgets = ledger("view", "ccg-budgets", "-p", "as_at", "2000-01-01")
    assert budgets.stdout == "(no rows)\n"
    assert budgets.stderr == (
        "(no commissioners' allocations were known by 2000-01-01: the first became known on "
        + first(
            "SELECT MIN(x.as_at) AS first FROM postings AS x JOIN organisations AS o "
            "ON o.code = x.account AND o.type IN ('ccg', 'icb') WHERE x.kind = 'allocation'"
        )
        + ")\n"
    )
    audit = ledger(
        "view",
        "audit",
        "-p",
        "account",
        "06H",
        "-p",
        "year",
        "2014-15",
        "-p",
        "as_at",
        "2013-01-01",
    )
    assert audit.stderr == (
        "(nothing of 06H's allocation for 2014-15 was known by 2013-01-01: the first record of "
        "it became known on "
        + first(
            "SELECT MIN(as_at) AS first FROM postings WHERE account = '06H' "
            "AND measure = 'allocation' AND financial_year = '2014-15'"
        )
        + ")\n"
    )


def test_an_answer_that_is_simply_empty_says_only_no_rows(ledger):
    for args in (
        ["ccg-budgets", "-p", "year", "2013-14", "-p", "area_team", "Q56", "-p", "region", "Y56"],
        ["audit", "-p", "account", "06H", "-p", "year", "2030-31"],
    ):
        result = ledger("view", *args)
        assert (result.stdout, result.stderr) == ("(no rows)\n", ""), args


# A year each view has, and the query of the day its first record of that year became
# known, read from the postings rather than the view.
YEAR_KNOWN_LATER = {
    "qipp": ("2013-14", "kind = 'qipp'"),
    "drawdown": ("2013-14", "measure = 'drawdown'"),
    "specialised-net-change": ("2013-14", "kind = 'transfer' OR measure = 'net-transfers-in'"),
    "icb-budgets": ("2023-24", "kind = 'allocation' AND service IS NOT NULL"),
}


@pytest.mark.parametrize("name", sorted(YEAR_KNOWN_LATER))
def test_a_year_asked_as_at_a_day_before_it_was_known_names_the_day_it_became_known(ledger, name):
    year, which = YEAR_KNOWN_LATER[name]
    [row] = json.loads(
        ledger(
            "query",
            f"SELECT MIN(as_at) AS first FROM postings WHERE financial_year = '{year}' "
            f"AND ({which})",
            "--format",
            "json",
        ).stdout
    )
    first = str(row["first"])
    day_before = (datetime.date.fromisoformat(first) - datetime.timedelta(days=1)).isoformat()
    asked = ledger.run("view", name, "-p", "year", year, "-p", "as_at", day_before)
    assert asked.exit_code == 1
    assert asked.stderr.rstrip().endswith(f"; the first for {year} became known on {first}"), (
        asked.stderr
    )
    assert ledger("view", name, "-p", "year", year, "-p", "as_at", first).stdout.strip() != (
        "(no rows)"
    )
