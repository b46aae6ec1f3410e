"""An erratum that opens an organisation later than a figure naming it is refused
whichever field names it (a drawdown's account or the budget it is set against, a
transfer's from or to) and whatever the order: the erratum before the figure in its
file, after it, or the figure already in the store. It is said once, on the erratum's
line, naming the figure. A drawdown's `against` was refused only with the erratum first,
on the drawdown's line; after it, or with the drawdown stored, it was recorded."""

from __future__ import annotations

import pytest
from factories import drawdown, transfer, world
from test_batch_guards import events_in, refused
from test_errata_lifecycle import erratum, imported

FIGURES = {
    "against": drawdown("draw-05Q", account="05Q", against="06H"),
    "account": drawdown("draw-06H"),
    "from": transfer("move-06H", **{"from": "06H", "to": "SPEC"}),
    "to": transfer("move-05Q", **{"from": "05Q", "to": "06H"}),
}


@pytest.mark.parametrize("order", ["erratum first", "erratum after", "figure stored"])
@pytest.mark.parametrize("field_name", list(FIGURES))
def test_an_erratum_cannot_open_an_organisation_after_a_figure_naming_it(
    run, store, tmp_path, field_name, order
):
    figure = FIGURES[field_name]
    late = erratum("late-06H", "06H", set={"opened": "2014-04-01"})
    if order == "figure stored":
        assert imported(run, tmp_path, "history.jsonl", [*world(), figure])[1].exit_code == 0
        lines, at, where = [late], 1, "recorded in the store"
    elif order == "erratum first":
        lines, at, where = [late, *world(), figure], 1, "{path}:7"
    else:
        lines, at, where = [*world(), figure, late], 7, "{path}:6"
    path, result = imported(run, tmp_path, "errata.jsonl", lines)
    refused(result, f"{path}:{at}: set: the fixed record: opened: 06H has figures about "
                    f"2013-04-01 ({figure['id']}, {where.format(path=path)}), before it would "
                    "open on 2014-04-01")  # fmt: skip
    if order == "figure stored":  # nothing recorded (an empty store has no table yet)
        assert events_in(store) == len(world()) + 1
