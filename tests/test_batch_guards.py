"""What a batch of records must satisfy against itself and the store before it is
appended (issue 14): nothing import accepts may stop the views from building or make
`check` fail for good. Each refusal names the file and line, and records nothing."""

from __future__ import annotations

import pytest
from backends import store_sql
from factories import allocation, figure, world, write_jsonl


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
