"""A year asked as at a day when only some of its parts were known is only part of the
year: 2025-26 as known on 1 January 2024 is the ICBs' running costs (£828.3m), announced
in June 2023, while the core, primary care, POD and specialised allocations came in March
2025. ccg-budgets, icb-budgets, national-position and audit answer with what was known, and
say on stderr which parts were still to come and when they became known (JSON stays the
data alone); a year wholly known by then says nothing more."""

from __future__ import annotations

import json

import pytest
from stores import published_ledger, succeeding

ASKED = "2024-01-01"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return succeeding(published_ledger(tmp_path_factory.mktemp("partial-year")))


def query(ledger, sql: str) -> list[dict]:
    return json.loads(ledger("query", sql, "--format", "json").stdout)


def services(ledger, year: str, account: str = "%") -> dict[str, dict]:
    """Each service's allocations of ``year`` to commissioners (or to ``account``): the
    first day one became known, the first day after ASKED one changed, and the pence
    known by ASKED."""
    rows = query(
        ledger,
        "SELECT x.service, MIN(x.as_at) AS first,"
        f" MIN(CASE WHEN x.as_at > '{ASKED}' THEN x.as_at END) AS changed,"
        f" SUM(CASE WHEN x.as_at <= '{ASKED}' THEN x.delta_pence ELSE 0 END) AS known"
        " FROM postings AS x JOIN organisations AS o ON o.code = x.account"
        f" AND o.type IN ('ccg', 'icb') WHERE x.measure = 'allocation'"
        f" AND x.financial_year = '{year}' AND x.account LIKE '{account}'"
        " GROUP BY x.service ORDER BY x.service",
    )
    return {row["service"]: row for row in rows}


def expected_note(ledger, year: str, account: str = "%") -> str:
    parts = services(ledger, year, account)
    later = [name for name, part in parts.items() if part["first"] > ASKED]
    (day,) = {parts[name]["first"] for name in later}
    revised = [
        f"{name}, known then, changed on {part['changed']}"
        for name, part in parts.items()
        if part["first"] <= ASKED and part["changed"]
    ]
    return (
        f"(only part of {year}'s allocations was known by {ASKED}: "
        + f"{', '.join(later)} became known on {day}"
        + "".join(f"; {said}" for said in revised)
        + ")\n"
    )


def test_the_2025_26_allocations_known_in_january_2024_are_only_running_costs(ledger):
    parts = services(ledger, "2025-26")
    assert [name for name, part in parts.items() if part["first"] <= ASKED] == ["running-costs"]
    assert parts["running-costs"]["known"] == 828_299_000 * 100
    assert {part["first"] for name, part in parts.items() if name != "running-costs"} == {
        "2025-03-17"
    }


@pytest.mark.parametrize(
    ("name", "column", "params"),
    [
        ("ccg-budgets", "allocation_pence", ["-p", "group", "england"]),
        ("icb-budgets", "allocation_pence", ["-p", "group", "england"]),
        ("national-position", "ccg_allocations_pence", []),
    ],
)
def test_a_view_of_a_year_partly_known_says_which_parts_came_later(ledger, name, column, params):
    result = ledger(
        "view", name, "-p", "year", "2025-26", "-p", "as_at", ASKED, *params, "--format", "json"
    )
    (row,) = json.loads(result.stdout)
    assert row[column] == services(ledger, "2025-26")["running-costs"]["known"]
    assert result.stderr == expected_note(ledger, "2025-26")
    assert "core, pod, primary-medical-care, specialised became known on 2025-03-17" in (
        result.stderr
    )
    assert "running-costs, known then, changed on 2025-03-17" in result.stderr


def test_the_national_position_of_every_year_notes_the_one_partly_known(ledger):
    """Every year as known in January 2024: 2023-24 and 2024-25 were known whole by then
    (June 2023), 2025-26 only in part, and the note says so of 2025-26 alone."""
    result = ledger("view", "national-position", "-p", "as_at", ASKED, "--format", "json")
    rows = {row["financial_year"]: row for row in json.loads(result.stdout)}
    assert rows["2025-26"]["running_costs_pence"] == rows["2025-26"]["ccg_allocations_pence"]
    assert rows["2024-25"]["core_pence"] is not None
    assert result.stderr == expected_note(ledger, "2025-26")


def test_a_comparison_with_a_partly_known_year_says_so(ledger):
    result = ledger(
        "view", "ccg-budgets", "-p", "year", "2024-25", "-p", "compare", "2025-26",
        "-p", "as_at", ASKED, "-p", "group", "england", "--format", "json",
    )  # fmt: skip
    (row,) = json.loads(result.stdout)
    assert row["compare_pence"] == services(ledger, "2025-26")["running-costs"]["known"]
    assert result.stderr == expected_note(ledger, "2025-26")


@pytest.mark.parametrize(
    "args",
    [
        ["ccg-budgets", "-p", "year", "2025-26", "-p", "as_at", "2025-03-17"],
        ["ccg-budgets", "-p", "year", "2024-25", "-p", "as_at", ASKED],
        ["ccg-budgets", "-p", "year", "2013-14", "-p", "as_at", "2014-01-01"],
        ["icb-budgets", "-p", "year", "2025-26", "-p", "service", "running-costs",
         "-p", "as_at", ASKED],
        ["national-position", "-p", "year", "2025-26"],
    ],
)  # fmt: skip
def test_a_year_wholly_known_by_the_day_asked_has_no_note(ledger, args):
    result = ledger("view", *args, "--format", "json")
    assert json.loads(result.stdout)
    assert result.stderr == ""


def test_an_audit_of_a_year_partly_known_says_which_parts_came_later(ledger):
    for args in (
        ["audit", "QOQ", "allocation", "--year", "2025-26", "--as-at", ASKED],
        ["view", "audit", "-p", "account", "QOQ", "-p", "year", "2025-26", "-p", "as_at", ASKED],
    ):
        result = ledger(*args, "--format", "json")
        rows = [row for row in json.loads(result.stdout) if row["kind"] != "erratum"]
        assert [row.get("service", "running-costs") for row in rows] == ["running-costs"]
        assert result.stderr == expected_note(ledger, "2025-26", "QOQ"), args
    known = services(ledger, "2025-26", "QOQ")["running-costs"]["known"]
    (row,) = json.loads(
        ledger(
            "audit", "QOQ", "allocation", "--year", "2025-26", "--as-at", ASKED, "--format", "json"
        ).stdout
    )
    assert row["after_pence"] == known
    whole = ledger("audit", "QOQ", "allocation", "--year", "2025-26", "--format", "json")
    assert whole.stderr == ""


def test_a_diff_or_chart_of_a_year_partly_known_says_which_parts_came_later(ledger, tmp_path):
    """diff and chart read the figure as audit does, and say what it says (they said
    nothing: running costs alone looked like the whole of 2025-26)."""
    note = expected_note(ledger, "2025-26", "QOQ")
    span = ("--from", "2023-01-01", "--to", ASKED, "--year", "2025-26")
    diff = ledger("diff", "QOQ", *span, "--format", "json")
    known = services(ledger, "2025-26", "QOQ")["running-costs"]["known"]
    assert json.loads(diff.stdout)[-1]["after_pence"] == known
    assert diff.stderr == note
    table = ledger("diff", "QOQ", *span)
    assert table.stderr == note and "(only part" not in table.stdout
    assert ledger("diff", "QOQ", "--from", "2023-01-01", "--to", "2025-06-01",
                  "--year", "2025-26").stderr == ""  # fmt: skip
    pytest.importorskip("matplotlib")
    asked = ("chart", "QOQ", "allocation", "--year", "2025-26")
    chart = ledger(*asked, "--as-at", ASKED, "-o", str(tmp_path / "partly.png"))
    wrote = f"Wrote {tmp_path / 'partly.png'}: 1 change of allocation for QOQ.\n"
    assert (chart.stdout, chart.stderr) == ("", wrote + note)
    whole = ledger(*asked, "-o", str(tmp_path / "whole.png"))
    assert whole.stderr.startswith(f"Wrote {tmp_path / 'whole.png'}: ")  # and no note
    assert whole.stderr.count("\n") == 1


def test_a_diff_from_a_day_the_year_was_known_in_part_says_so(ledger):
    """diff's first row is the value known at --from: 2025-26 as known on 2024-01-01 is
    QOQ's running costs alone, though the year was known whole by --to. diff notes it in
    the words audit uses for that day (it noted --to alone, and said nothing here)."""
    span = ("--from", ASKED, "--to", "2025-06-01", "--year", "2025-26")
    diff = ledger("diff", "QOQ", *span, "--format", "json")
    rows = json.loads(diff.stdout)
    assert rows[0]["after_pence"] == services(ledger, "2025-26", "QOQ")["running-costs"]["known"]
    audit = ledger("audit", "QOQ", "allocation", "--year", "2025-26", "--as-at", ASKED)
    assert diff.stderr == audit.stderr == expected_note(ledger, "2025-26", "QOQ")
    table = ledger("diff", "QOQ", *span)
    assert table.stderr == diff.stderr and "(only part" not in table.stdout
    both = ledger("diff", "QOQ", "--from", "2023-07-01", "--to", ASKED, "--year", "2025-26")
    assert both.stderr == (
        expected_note(ledger, "2025-26", "QOQ").replace(ASKED, "2023-07-01")
        + expected_note(ledger, "2025-26", "QOQ")
    )
