"""The baseline view as at a day before its figures were known shows only what was known
then, as a replay of the store up to that day does (noticed in issue 21).

september-2013 was named on 6 November 2013 but is the allocations known on 18 December
2013 (an erratum moved its known date). As at 1 December the view showed every CCG's
18 December allocation as its baseline and a change of minus all of it, figures nobody
knew on 1 December; a replay of what was known by then showed nothing.
"""

from __future__ import annotations

import pytest
from factories import allocation, baseline, world
from stores import caught_up_view, new_store, published_ledger, view

from ledger.views.refresh import replay


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("baseline-as-at"))


def rows_of(result):
    lines = result.output.splitlines()
    return [line for line in lines[1:] if not line.startswith("(")]


def test_as_at_before_the_baseline_was_known_nothing_of_it_is_shown(published):
    result = published(
        "view", "baseline", "-p", "as_at", "2013-12-01", "-p", "area_team", "Q56",
        "--format", "csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [line for line in rows_of(result) if line.startswith("06H,")]
    assert rows == ["06H,NHS Cambridgeshire and Peterborough CCG,Q56,Y55,september-2013,0,0,0,0"]
    assert (
        "(baseline september-2013 is the figures known on 2013-12-18; "
        "as at 2013-12-01 only what was known by then counts)"
    ) in result.output


def test_from_the_day_it_was_known_the_baseline_is_the_allocation(published):
    result = published(
        "view", "baseline", "-p", "as_at", "2013-12-18", "-p", "area_team", "Q56",
        "--format", "csv",
    )  # fmt: skip
    rows = [line for line in rows_of(result) if line.startswith("06H,")]
    assert rows == [
        "06H,NHS Cambridgeshire and Peterborough CCG,Q56,Y55,september-2013,"
        "84920400000,0,84920400000,0"
    ]
    assert "only what was known by then" not in result.output


@pytest.mark.parametrize("as_at", ["2013-11-06", "2013-12-01", "2013-12-17", "2013-12-18"])
def test_the_view_as_at_a_day_equals_a_replay_up_to_that_day(tmp_path, as_at):
    history = [
        *world(),
        baseline(as_at="2013-11-06", known="2013-12-18"),
        allocation("a-06H", as_at="2013-12-18"),
    ]
    ledger = new_store(tmp_path / "ledger.db", history)
    full = caught_up_view(ledger, tmp_path / "full.db", "baseline", as_at=as_at)
    replay(ledger, tmp_path / "then.db", known_by=as_at)
    assert full == view(tmp_path / "then.db", "baseline", as_at=as_at)
    known = 84_920_400_000 if as_at >= "2013-12-18" else 0
    assert [(r["code"], r["baseline_pence"], r["change_pence"]) for r in full] == [
        ("05Q", 0, 0),
        ("06H", known, 0),
    ]
    ledger.close()
