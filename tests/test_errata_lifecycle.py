"""An erratum goes through the organisation rules as the record it makes would: it cannot
take away the merger that carries figures on, close an organisation before its figures
end, or move a figure to an organisation that had closed. Each of these was recorded,
and `check` then failed (and a successor lost its predecessors' figures without a word)."""

from __future__ import annotations

import json

from factories import SOURCE_ID, allocation, world, write_jsonl
from test_batch_guards import closure, events_in, merger, refused

NEXT_YEAR = allocation("alloc-05Q-2014", account="05Q", financial_year="2014-15")
HISTORY = [*world(), allocation(), closure("05Q", "2014-03-31"), merger("06H", "05Q"), NEXT_YEAR]


def erratum(erratum_id, fixes, **fields):
    return {"id": erratum_id, "kind": "erratum", "fixes": fixes, "recorded": "2026-01-05",
            "reason": "transcribed wrongly", "source": SOURCE_ID, "locator": "note 1",
            **fields}  # fmt: skip


def imported(run, tmp_path, name, records):
    path = write_jsonl(tmp_path / name, records)
    return path, run("import", str(path))


def allocations(run, year):
    result = run("view", "ccg-budgets", "-p", "year", year, "--format", "json")
    assert result.exit_code == 0, result.output
    return {row["code"]: row["allocation_pence"] for row in json.loads(result.stdout)}


def test_an_erratum_cannot_withdraw_the_merger_that_carries_figures_on(run, store, tmp_path):
    """05Q's 2014-15 allocation reaches 06H through the merger; withdrawing the merger
    would leave it about a day after 05Q closed."""
    assert imported(run, tmp_path, "history.jsonl", HISTORY)[1].exit_code == 0
    path, result = imported(run, tmp_path, "errata.jsonl", [
        erratum("no-merger", "05Q-into-06H", withdraw=True)])  # fmt: skip
    refused(result, f"{path}:1: withdraw: 05Q has figures about 2014-04-01, after it closed "
                    "on 2014-03-31, which 05Q-into-06H carries on; without it nothing would")  # fmt: skip
    assert events_in(store) == len(HISTORY)
    assert allocations(run, "2014-15") == {"06H": 84_920_400_000}  # carried from 05Q


def test_an_erratum_cannot_withdraw_the_closure_of_an_organisation_carried_on(run, tmp_path):
    assert imported(run, tmp_path, "history.jsonl", HISTORY)[1].exit_code == 0
    path, result = imported(run, tmp_path, "errata.jsonl", [
        erratum("no-closure", "05Q-closed", withdraw=True)])  # fmt: skip
    refused(result, f"{path}:1: withdraw: 05Q is carried on by 05Q-into-06H from 2014-04-01, "
                    "so it closes the day before; fix the closure 05Q-closed's day rather "
                    "than withdraw it")  # fmt: skip


def test_an_erratum_cannot_move_a_closure_or_merger_off_the_day_before(run, tmp_path):
    assert imported(run, tmp_path, "history.jsonl", HISTORY)[1].exit_code == 0
    path, result = imported(run, tmp_path, "errata.jsonl", [
        erratum("later-merger", "05Q-into-06H", set={"effective": "2015-04-01"})])  # fmt: skip
    refused(result, f"{path}:1: set: the fixed record: predecessors: 05Q closes on 2014-03-31 "
                    "(05Q-closed, recorded in the store), but this merger takes effect on "
                    "2015-04-01: an organisation closes the day before its figures are "
                    "carried on (2015-03-31)")  # fmt: skip
    both = [erratum("later-merger", "05Q-into-06H", set={"effective": "2014-07-01"}),
            erratum("later-closure", "05Q-closed", set={"effective": "2014-06-30"})]  # fmt: skip
    assert imported(run, tmp_path, "both.jsonl", both)[1].exit_code == 0  # together they fit
    checked = run("check")
    assert checked.exit_code == 0, checked.output


def test_an_erratum_cannot_move_a_figure_to_an_organisation_that_had_closed(run, tmp_path):
    history = [*world(), closure("05Q", "2014-03-31"),
               allocation("alloc-06H-2014", financial_year="2014-15")]  # fmt: skip
    assert imported(run, tmp_path, "history.jsonl", history)[1].exit_code == 0
    path, result = imported(run, tmp_path, "errata.jsonl", [
        erratum("to-05Q", "alloc-06H-2014", set={"account": "05Q"})])  # fmt: skip
    refused(result, f"{path}:1: set: the fixed record: account: 05Q closed on 2014-03-31 "
                    "(recorded in the store), before 2014-04-01, and no merger carries its "
                    "figures on")  # fmt: skip
    checked = run("check")
    assert checked.exit_code == 0, checked.output


def test_the_same_holds_for_an_erratum_of_a_record_in_its_own_file(run, tmp_path):
    path, result = imported(run, tmp_path, "history.jsonl", [
        *HISTORY, erratum("no-merger", "05Q-into-06H", withdraw=True)])  # fmt: skip
    refused(
        result,
        f"{path}:9: account: 05Q closed on 2014-03-31 ({path}:7), before 2014-04-01, and no "
        "merger carries its figures on",
        f"{path}:10: withdraw: 05Q has figures about 2014-04-01, after it closed on "
        "2014-03-31, which 05Q-into-06H carries on; without it nothing would",
    )


def test_an_erratum_cannot_open_an_organisation_after_its_figures(run, tmp_path):
    assert imported(run, tmp_path, "history.jsonl", [*world(), allocation()])[1].exit_code == 0
    path, result = imported(run, tmp_path, "errata.jsonl", [
        erratum("late-06H", "06H", set={"opened": "2014-04-01"})])  # fmt: skip
    refused(result, f"{path}:1: set: the fixed record: opened: 06H has figures about "
                    "2013-04-01, before it would open on 2014-04-01")  # fmt: skip


def test_an_erratum_cannot_put_an_organisation_under_its_own_member(run, tmp_path):
    """The CCG sector put under one of its CCGs: audit of that CCG would add up every
    CCG (the sector is under it), and check did not see the circle."""
    assert imported(run, tmp_path, "history.jsonl", [*world(), allocation()])[1].exit_code == 0
    path, result = imported(run, tmp_path, "errata.jsonl", [
        erratum("circle", "ccg-sector", set={"parent": "06H"})])  # fmt: skip
    refused(result, f"{path}:1: set: the fixed record: parent: ccg-sector -> 06H -> "
                    "ccg-sector is a circle: an organisation cannot be under itself")  # fmt: skip
    audit = run("audit", "06H", "allocation", "--format", "json")
    assert json.loads(audit.stdout)[-1]["after_pence"] == 84_920_400_000
