"""How the named views read a year's postings, as SQLite plans them (issue 21).

At ten million events a year holds some 700,000 CCG allocations and 100,000 drawdowns,
QIPP shortfalls and plans, where the published record holds a few hundred. What a view
pays for every posting of its year, whether it shows it or not, is what made six of them
take more than 100 ms there. The plans are the same on the published record's views,
which hold no statistics, so they are read there.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from stores import published_ledger

from ledger.views.projections import bind, load_projections
from ledger.views.read_only import view_errors

POSTINGS_READ = re.compile(r"^(SEARCH|SCAN) x\b")


@pytest.fixture(scope="module")
def views(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return published_ledger(tmp_path_factory.mktemp("plans")).views


def plan(views: Path, name: str, params: dict[str, str] | None = None) -> list[str]:
    """The steps of the view's query plan, with these parameters (default: its defaults)."""
    projection = load_projections()[name]
    connection = sqlite3.connect(views)
    view_errors(connection)
    try:
        bound = bind(projection, params or {})
        steps = connection.execute("EXPLAIN QUERY PLAN " + projection.sql, bound)
        return [step[3] for step in steps]
    finally:
        connection.close()


@pytest.mark.parametrize("name", ["icb-budgets", "specialised-delegation"])
def test_the_icb_views_read_the_allocations_of_the_icbs_alone(views, name):
    reads = [step for step in plan(views, name) if POSTINGS_READ.match(step)]
    assert any("(account=? AND measure=? AND financial_year=?)" in step for step in reads), reads
    every_account = [
        step for step in reads if "(measure=? AND financial_year=?)" in step or "AUTOMATIC" in step
    ]
    assert every_account == []


@pytest.mark.parametrize("name", ["qipp", "system-position", "deficit-forecasts"])
def test_the_latest_figures_are_grouped_in_the_order_the_index_gives(views, name):
    steps = plan(views, name)
    assert any(POSTINGS_READ.match(step) for step in steps)
    assert [step for step in steps if "FOR GROUP BY" in step] == []


def test_drawdown_counts_the_records_of_its_year_once(views):
    steps = plan(views, "drawdown")
    assert [step for step in steps if "FOR count(DISTINCT)" in step] == [
        "USE TEMP B-TREE FOR count(DISTINCT)"
    ]


def test_specialised_net_change_reads_transfers_from_their_own_index(views):
    """At ten million events a budget's transfers of one year are some 100,000 postings,
    one to a page of the table: the view reads them from the index of transfers, which
    holds every column it needs, and not from the table."""
    reads = [step for step in plan(views, "specialised-net-change") if POSTINGS_READ.match(step)]
    assert any(
        step.startswith("SEARCH x USING COVERING INDEX idx_postings_transfers") for step in reads
    ), reads


def test_audit_reads_one_measure_of_the_organisations_it_follows(views):
    """Every read of the postings names the account and the measure: finding the latest
    year (none asked) reads each organisation's postings of the measure from the latest
    year back, not every posting of the organisation (at three million events some
    20,000 for 06H, of every measure and year, which took the view to 40-50 ms)."""
    reads = [step for step in plan(views, "audit") if "idx_postings" in step]
    assert reads
    assert all("(account=? AND measure=?" in step for step in reads), reads


@pytest.mark.parametrize(
    ("name", "index"),
    [
        ("drawdown", "idx_postings_drawdowns"),
        ("deficit-forecasts", "idx_postings_positions"),
        ("system-position", "idx_postings_positions"),
        ("qipp", "idx_postings_qipp"),
    ],
)
def test_drawdowns_positions_and_qipp_are_read_from_indexes_of_their_own(views, name, index):
    """At ten million events a year's drawdowns are some 80,000 postings, its plans and
    forecasts some 60,000 and its QIPP shortfalls some 120,000, scattered over the table:
    each of these views reads them from an index of them alone that holds every column
    it needs (at three million events, in half to a third of the time). A view that
    stops naming the index's condition, word for word, reads the table again."""
    reads = [step for step in plan(views, name) if POSTINGS_READ.match(step)]
    assert reads, name
    assert all(step.startswith(f"SEARCH x USING COVERING INDEX {index} ") for step in reads), reads


@pytest.mark.parametrize(
    "name", ["qipp", "drawdown", "deficit-forecasts", "system-position", "specialised-net-change"]
)
def test_the_years_recorded_by_a_date_are_read_from_known_years(views, name):
    """Which years have records known by a date is read from known_years, a few hundred
    rows. Read from the postings, an early date made SQLite read every posting of the
    later years: at a million events 100 to 300 ms, at ten million seconds."""
    steps = plan(views, name)
    assert any("known_years" in step for step in steps), steps
    assert [step for step in steps if re.match(r"^(SEARCH|SCAN) postings\b", step)] == []


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("ccg-budgets", {}),
        ("ccg-budgets", {"year": "2013-14"}),
        ("ccg-budgets", {"as_at": "2014-03-31"}),
        ("ccg-budgets", {"year": "2016-17", "compare": "2014-15"}),
        ("icb-budgets", {}),
        ("icb-budgets", {"year": "2025-26", "service": "specialised"}),
        ("icb-budgets", {"as_at": "2024-03-31"}),
    ],
)
def test_the_budget_views_build_no_index_of_allocation_days_for_themselves(views, name, params):
    """allocation_days is read by its key. Led by the commissioners, ccg-budgets had SQLite
    index every row of it each time it asked whether any year was recorded: some 90 ms at
    a million events, which took the view past 100 ms on a slow machine."""
    aliases = set(re.findall(r"allocation_days AS (\w+)", load_projections()[name].sql))
    steps = plan(views, name, params)
    assert aliases and steps
    assert [step for step in steps if "AUTOMATIC" in step and step.split()[1] in aliases] == []
