"""What a batch of records must satisfy against itself and the store before it is
appended (issue 14): nothing import accepts may stop the views from building or make
`check` fail for good. Each refusal names the file and line, and records nothing."""

from __future__ import annotations

import pytest
from backends import store_sql
from conftest import REPOSITORY
from factories import (
    allocation,
    baseline,
    figure,
    organisation,
    plan,
    source,
    transfer,
    world,
    write_jsonl,
)


def refused(result, *problems):
    """The import was refused with exactly these problems, one line each."""
    assert result.exit_code == 1, result.output
    count = len(problems)
    found = f"{count} problem{'s' if count > 1 else ''} found; nothing was recorded."
    assert result.stderr == "".join(f"{line}\n" for line in problems) + f"Error: {found}\n"


def events_in(store):
    [(count,)] = store_sql(store, "SELECT COUNT(*) FROM {events}")
    return count


# -- item 3: a figure names each component once -------------------------------------------


@pytest.mark.parametrize(
    "components",
    [["alloc-06H", "alloc-06H"], ["alloc-06H", "-alloc-06H"], ["-alloc-06H", " alloc-06H "]],
    ids=["twice", "added-and-subtracted", "other-spelling"],
)
def test_a_figure_naming_a_component_twice_is_refused(run, store, tmp_path, components):
    base = write_jsonl(tmp_path / "base.jsonl", [*world(), allocation()])
    assert run("import", str(base)).exit_code == 0
    total = figure("total", "ccg-total", amount="£849,204k", components=components)
    path = write_jsonl(tmp_path / "figure.jsonl", [total])
    refused(
        run("import", str(path)),
        f"{path}:1: components: 'alloc-06H' is named more than once "
        "(a figure adds or subtracts each record once)",
    )
    assert events_in(store) == 6
    assert run("view", "reconciliation", "-p", "year", "2013-14").exit_code == 0


# -- item 19: what cannot be true is refused -------------------------------------------

FAR = "2999-01-01"
FUTURE_DATES = {
    "source published": (source(id="paper-2", published=FAR), f"published {FAR} is in the future"),
    "baseline known": (baseline(known=FAR), f"known {FAR} is in the future"),
    "allocation as_at": (allocation("a-2", as_at=FAR), f"as_at {FAR} is in the future"),
    "organisation opened": (
        organisation("99Z", opened="2999-04-01"),
        "opened 2999-04-01 is more than 10 years after the record was known (as_at 2013-04-01)",
    ),
    "closure effective": (
        {"id": "06H-closed", "kind": "closure", "organisation": "06H", "effective": FAR,
         "as_at": "2013-09-30", "source": "board-paper-2013-11", "locator": "p 1"},
        f"effective {FAR} is more than 10 years after the record was known (as_at 2013-09-30)",
    ),
    "merger effective": (
        {"id": "06H-merged", "kind": "merger", "organisation": "06H", "predecessors": ["05Q"],
         "effective": FAR, "as_at": "2013-09-30", "source": "board-paper-2013-11",
         "locator": "p 1"},
        f"effective {FAR} is more than 10 years after the record was known (as_at 2013-09-30)",
    ),
    "baseline effective": (
        baseline("march-2031", financial_year="2030-31", effective="2031-03-31", known="2013-11-01"),
        "effective 2031-03-31 is more than 10 years after the record was known (as_at 2013-09-30)",
    ),
    "plan financial year": (
        plan("p-2", financial_year="2030-31"),
        "effective 2030-04-01 is more than 10 years after the record was known (as_at 2013-09-30)",
    ),
    "transfer effective": (
        transfer("t-2", financial_year="2030-31", effective="2031-03-31"),
        "effective 2031-03-31 is more than 10 years after the record was known (as_at 2013-09-30)",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", FUTURE_DATES, ids=str)
def test_a_date_that_cannot_be_true_yet_is_refused(sqlite_run, tmp_path, case):
    record, message = FUTURE_DATES[case]
    path = write_jsonl(tmp_path / "history.jsonl", [*world(), record])
    refused(sqlite_run("import", str(path)), f"{path}:{len(world()) + 1}: {message}")


def test_an_allocation_set_years_ahead_is_recorded(sqlite_run, tmp_path):
    ahead = allocation(financial_year="2022-23", as_at="2013-09-30")
    path = write_jsonl(tmp_path / "history.jsonl", [*world(), ahead])
    assert sqlite_run("import", str(path)).exit_code == 0


def test_a_fact_known_before_its_source_was_published_must_say_why(sqlite_run, tmp_path):
    early = allocation(as_at="2013-03-01")
    path = write_jsonl(tmp_path / "history.jsonl", [early, *world()])
    refused(
        sqlite_run("import", str(path)),
        f"{path}:1: as_at 2013-03-01 is before its source 'board-paper-2013-11' was published "
        "(2013-04-01): say why in reason",
    )
    explained = allocation(as_at="2013-03-01", reason="restated later in this paper")
    path = write_jsonl(tmp_path / "history.jsonl", [explained, *world()])
    assert sqlite_run("import", str(path)).exit_code == 0


def test_the_published_history_imports_and_checks_clean(sqlite_run):
    imported = sqlite_run("import", str(REPOSITORY / "events"))
    assert imported.exit_code == 0, imported.output
    checked = sqlite_run("check")
    assert checked.exit_code == 0, checked.output


@pytest.fixture
def sqlite_run(sqlite_store, tmp_path):
    """The CLI on a SQLite store, for rules that do not depend on the backend."""
    from click.testing import CliRunner

    from ledger.cli import main

    views = str(tmp_path / "views.db")

    def invoke(*args):
        return CliRunner().invoke(main, ["--store", sqlite_store, "--views", views, *args])

    return invoke
