"""An erratum that opens an organisation later than a figure naming it is refused
whichever field names it (a drawdown's account or the budget it is set against, a
transfer's from or to) and whatever the order: the erratum before the figure in its
file, after it, or the figure already in the store. It is said once, on the erratum's
line, naming the figure. A drawdown's `against` was refused only with the erratum first,
on the drawdown's line; after it, or with the drawdown stored, it was recorded. So too
an erratum opening an organisation after its closure, a merger into it or the merger
that carries it on: refused on the closure's or merger's line when in the same file, and
recorded when they were stored. A split into it, or the split that carries it on, goes
through the same code as a merger and is refused in the same words."""

from __future__ import annotations

import pytest
from factories import SOURCE_ID, drawdown, organisation, transfer, world
from test_batch_guards import closure, events_in, merger, refused
from test_errata_lifecycle import erratum, imported

FIGURES = {
    "against": drawdown("draw-05Q", account="05Q", against="06H"),
    "account": drawdown("draw-06H"),
    "from": transfer("move-06H", **{"from": "06H", "to": "SPEC"}),
    "to": transfer("move-05Q", **{"from": "05Q", "to": "06H"}),
}


ORDERS = ["erratum first", "erratum after", "record stored"]


def lines_in(run, tmp_path, order, records, late):
    """The import file's lines in ``order`` (``records`` stored first for "figure
    stored"), the erratum's line, and where the last of ``records`` was read."""
    if order == "record stored":
        assert imported(run, tmp_path, "history.jsonl", [*world(), *records])[1].exit_code == 0
        return [late], 1, "recorded in the store"
    last = len(world()) + len(records)
    if order == "erratum first":
        return [late, *world(), *records], 1, f"{{path}}:{last + 1}"
    return [*world(), *records, late], last + 1, f"{{path}}:{last}"


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("field_name", list(FIGURES))
def test_an_erratum_cannot_open_an_organisation_after_a_figure_naming_it(
    run, store, tmp_path, field_name, order
):
    figure = FIGURES[field_name]
    late = erratum("late-06H", "06H", set={"opened": "2014-04-01"})
    lines, at, where = lines_in(run, tmp_path, order, [figure], late)
    path, result = imported(run, tmp_path, "errata.jsonl", lines)
    refused(result, f"{path}:{at}: set: the fixed record: opened: 06H has figures about "
                    f"2013-04-01 ({figure['id']}, {where.format(path=path)}), before it would "
                    "open on 2014-04-01")  # fmt: skip
    if order == "record stored":  # nothing recorded (an empty store has no table yet)
        assert events_in(store) == len(world()) + 1


def split(code, *successors, effective="2014-04-01"):
    return {"id": f"{code}-split", "kind": "split", "organisation": code, "basis": "patients",
            "successors": [{"organisation": s, "weight": 1} for s in successors],
            "effective": effective, "as_at": "2013-09-30", "source": SOURCE_ID,
            "locator": "annex C"}  # fmt: skip


SPLIT = [organisation("07A"), split("05Q", "06H", "07A")]
CHANGES = {
    "closure": (
        [closure("05Q", "2014-03-31")],
        "05Q",
        "05Q closes on 2014-03-31 (05Q-closed, {where})",
    ),
    "merger into it": (
        [merger("06H", "05Q")],
        "06H",
        "06H has the merger into it on 2014-04-01 (05Q-into-06H, {where})",
    ),
    "merger carrying it on": (
        [merger("06H", "05Q")],
        "05Q",
        "05Q closes on 2014-03-31, the day before the merger that carries it on "
        "(05Q-into-06H, {where})",
    ),
    "split into it": (
        SPLIT,
        "06H",
        "06H has the split into it on 2014-04-01 (05Q-split, {where})",
    ),
    "split carrying it on": (
        SPLIT,
        "05Q",
        "05Q closes on 2014-03-31, the day before the split that carries it on "
        "(05Q-split, {where})",
    ),
}


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("change", list(CHANGES))
def test_an_erratum_cannot_open_an_organisation_after_it_closes(
    run, store, tmp_path, change, order
):
    records, code, conflict = CHANGES[change]
    late = erratum("late", code, set={"opened": "2014-06-01"})
    lines, at, where = lines_in(run, tmp_path, order, records, late)
    path, result = imported(run, tmp_path, "errata.jsonl", lines)
    said = conflict.format(where=where.format(path=path))
    refused(result, f"{path}:{at}: set: the fixed record: opened: {said}, before it would "
                    "open on 2014-06-01")  # fmt: skip


def test_an_erratum_opening_an_organisation_after_several_mergers_into_it_names_them_on_one_line(
    run, tmp_path
):
    """Each merger into it had a line of its own, all on the erratum's line."""
    ways = [organisation("07A"), merger("06H", "05Q"),
            merger("06H", "07A", effective="2015-04-01")]  # fmt: skip
    assert imported(run, tmp_path, "history.jsonl", [*world(), *ways])[1].exit_code == 0
    late = erratum("late", "06H", set={"opened": "2016-04-01"})
    path, result = imported(run, tmp_path, "errata.jsonl", [late])
    refused(result, f"{path}:1: set: the fixed record: opened: 06H has 2 mergers into it on "
                    "days from 2014-04-01 to 2015-04-01, before it would open on 2016-04-01: "
                    "05Q-into-06H (recorded in the store) and 07A-into-06H (recorded in the "
                    "store)")  # fmt: skip
