"""An erratum goes through the organisation rules as the record it makes would: it cannot
take away the merger that carries figures on, close an organisation before its figures
end, or move a figure to an organisation that had closed. Each of these was recorded,
and `check` then failed (and a successor lost its predecessors' figures without a word)."""

from __future__ import annotations

import json

import pytest
from factories import SOURCE_ID, allocation, forecast, organisation, world, write_jsonl
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
    refused(result, f"{path}:1: withdraw: 05Q has figures about 2014-04-01 (alloc-05Q-2014, "
                    "recorded in the store), after it closed on 2014-03-31 (05Q-closed, "
                    "recorded in the store), which 05Q-into-06H carries on; without it nothing "
                    "would")  # fmt: skip
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
                    "(05Q-closed, recorded in the store), before 2014-04-01, and no merger "
                    "carries its figures on")  # fmt: skip
    checked = run("check")
    assert checked.exit_code == 0, checked.output


def test_the_same_holds_for_an_erratum_of_a_record_in_its_own_file(run, tmp_path):
    path, result = imported(run, tmp_path, "history.jsonl", [
        *HISTORY, erratum("no-merger", "05Q-into-06H", withdraw=True)])  # fmt: skip
    refused(
        result,
        f"{path}:10: withdraw: 05Q has figures about 2014-04-01 (alloc-05Q-2014, {path}:9), "
        f"after it closed on 2014-03-31 (05Q-closed, {path}:7), which 05Q-into-06H carries on; "
        "without it nothing would",
    )


def test_an_erratum_cannot_open_an_organisation_after_its_figures(run, tmp_path):
    assert imported(run, tmp_path, "history.jsonl", [*world(), allocation()])[1].exit_code == 0
    path, result = imported(run, tmp_path, "errata.jsonl", [
        erratum("late-06H", "06H", set={"opened": "2014-04-01"})])  # fmt: skip
    refused(result, f"{path}:1: set: the fixed record: opened: 06H has figures about "
                    "2013-04-01 (alloc-06H, recorded in the store), before it would open on "
                    "2014-04-01")  # fmt: skip


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


def late_06h(erratum_id="late-06H", day="2014-01-01"):
    return erratum(erratum_id, "06H", set={"as_at": day})


def test_an_erratum_cannot_make_an_organisation_known_after_its_figures(run, store, tmp_path):
    """06H made known from 2014 while its allocation stays known on 30 September 2013:
    the views as at a day between would count a figure of an organisation they do not
    know. Refused, naming the first record known earlier, as a new figure would be."""
    assert imported(run, tmp_path, "history.jsonl", [*world(), allocation()])[1].exit_code == 0
    path, result = imported(run, tmp_path, "errata.jsonl", [late_06h()])
    refused(result, f"{path}:1: set: the fixed record: as_at: 06H would be known only from "
                    "2014-01-01, after alloc-06H (recorded in the store), known on 2013-09-30, "
                    "which names it in account: a record cannot be known before an "
                    "organisation it names; make 06H known by 2013-09-30, or fix alloc-06H's "
                    "as_at too")  # fmt: skip
    assert events_in(store) == len(world()) + 1
    typed = run("record", "erratum", "--fixes", "06H", "--set", "as_at=2014-01-01",
                "--source", SOURCE_ID, "--locator", "note 1", "--reason", "wrong")  # fmt: skip
    assert typed.exit_code == 1
    assert "as_at: 06H would be known only from 2014-01-01, after alloc-06H" in typed.stderr
    assert events_in(store) == len(world()) + 1


def test_an_organisation_made_known_later_is_judged_with_the_figures_as_fixed(run, tmp_path):
    """A figure an erratum (stored, or of the same file) makes known later still does not
    stop its organisation being known later too; one earlier does."""
    history = [
        *world(),
        allocation(),
        erratum("late-alloc", "alloc-06H", set={"as_at": "2014-02-01"}),
    ]
    assert imported(run, tmp_path, "history.jsonl", history)[1].exit_code == 0
    assert imported(run, tmp_path, "late.jsonl", [late_06h()])[1].exit_code == 0
    both = [erratum("later-alloc", "alloc-06H", set={"as_at": "2014-05-01"}, recorded="2026-01-06"),
            late_06h("later-06H", "2014-04-01") | {"recorded": "2026-01-06"}]  # fmt: skip
    assert imported(run, tmp_path, "both.jsonl", both)[1].exit_code == 0
    checked = run("check")
    assert checked.exit_code == 0, checked.output
    path, result = imported(run, tmp_path, "back.jsonl", [
        forecast(as_at="2014-04-15"), late_06h("latest-06H", "2014-04-20") | {"recorded": "2026-01-07"}])  # fmt: skip
    refused(result, f"{path}:2: set: the fixed record: as_at: 06H would be known only from "
                    f"2014-04-20, after forecast-06H ({path}:1), known on 2014-04-15, which "
                    "names it in account: a record cannot be known before an organisation it "
                    "names; make 06H known by 2014-04-15, or fix forecast-06H's as_at too")  # fmt: skip


@pytest.mark.parametrize("errata_first", [False, True])
def test_an_organisation_made_known_later_in_its_own_file(run, tmp_path, errata_first):
    """The organisation, a closure naming it and its erratum in one file, in either order
    (an errata folder sorts before the others): the erratum made the conflict, and is
    refused on its line, naming the closure's; the closure was once refused too."""
    records = [*world(), closure("05Q", "2014-03-31", as_at="2013-06-01")]
    late = erratum("late-05Q", "05Q", set={"as_at": "2013-08-01"})
    lines = [late, *records] if errata_first else [*records, late]
    path, result = imported(run, tmp_path, "all.jsonl", lines)
    at, closed = (1, 7) if errata_first else (7, 6)
    problems = [f"{path}:{at}: set: the fixed record: as_at: 05Q would be known only from "
                f"2013-08-01, after 05Q-closed ({path}:{closed}), known on 2013-06-01, which "
                "names it in organisation: a record cannot be known before an organisation "
                "it names; make 05Q known by 2013-06-01, or fix 05Q-closed's as_at too"]  # fmt: skip
    refused(result, *problems)


def test_an_erratum_refused_for_a_figure_names_the_figure(run, tmp_path):
    """The auditor was told the day a figure is about, not which record it is: each
    refusal now names the figure and the line it was read from (or the store)."""
    moved = [*world(), allocation(), erratum("late-06H", "06H", set={"opened": "2014-04-01"})]
    path, result = imported(run, tmp_path, "opened.jsonl", moved)
    refused(result, f"{path}:7: set: the fixed record: opened: 06H has figures about "
                    f"2013-04-01 (alloc-06H, {path}:6), before it would open on 2014-04-01")  # fmt: skip
    stored = "alloc-05Q-2014, recorded in the store"  # a figure the import did not read
    history = [*world(), closure("05Q", "2015-03-31"), NEXT_YEAR]
    assert imported(run, tmp_path, "history.jsonl", history)[1].exit_code == 0
    early = erratum("early", "05Q-closed", set={"effective": "2014-03-31"})
    path, result = imported(run, tmp_path, "closed.jsonl", [early])
    refused(result, f"{path}:1: set: the fixed record: effective: 05Q has figures about "
                    f"2014-04-01 ({stored}), after it would close on 2014-03-31, and no merger "
                    "carries them on")  # fmt: skip


@pytest.mark.parametrize("errata_first", [False, True])
def test_a_conflict_an_erratum_makes_is_said_once_on_its_line(run, tmp_path, errata_first):
    """An erratum before the records it conflicts with (an errata folder sorts first) was
    reported on its line and again on the record's; now once, on the erratum's, which is
    what changed and what a later erratum would be refused on, naming the record's line."""
    late = erratum("late-06H", "06H", set={"opened": "2014-04-01"})
    lines = [late, *world(), allocation()] if errata_first else [*world(), allocation(), late]
    path, result = imported(run, tmp_path, "opened.jsonl", lines)
    at, figure = (1, 7) if errata_first else (7, 6)
    refused(result, f"{path}:{at}: set: the fixed record: opened: 06H has figures about "
                    f"2013-04-01 (alloc-06H, {path}:{figure}), before it would open on "
                    "2014-04-01")  # fmt: skip
    withdrawn = erratum("no-merger", "05Q-into-06H", withdraw=True)
    lines = [withdrawn, *HISTORY] if errata_first else [*HISTORY, withdrawn]
    path, result = imported(run, tmp_path, "merger.jsonl", lines)
    at, figure, closed = (1, 10, 8) if errata_first else (10, 9, 7)
    refused(result, f"{path}:{at}: withdraw: 05Q has figures about 2014-04-01 (alloc-05Q-2014, "
                    f"{path}:{figure}), after it closed on 2014-03-31 (05Q-closed, "
                    f"{path}:{closed}), which 05Q-into-06H carries on; without it nothing "
                    "would")  # fmt: skip


@pytest.mark.parametrize("errata_first", [False, True])
def test_a_record_wrong_without_the_erratum_is_said_on_its_own_line(run, tmp_path, errata_first):
    """A figure about a day before its organisation opened as recorded is wrong whatever
    an erratum says later: its own line is refused, once, not the erratum's too, with the
    day the organisation opens on as the erratum leaves it."""
    records = [*world(), allocation()]
    records[2] = records[2] | {"opened": "2013-06-01"}
    later = erratum("later-06H", "06H", set={"opened": "2014-04-01"})
    lines = [later, *records] if errata_first else [*records, later]
    path, result = imported(run, tmp_path, "opened.jsonl", lines)
    at, organisation, fixing = (7, 4, 1) if errata_first else (6, 3, 7)
    refused(result, f"{path}:{at}: account: 06H did not exist on 2013-04-01 (it opened on "
                    f"2014-04-01: organisation 06H, {path}:{organisation}, as the erratum "
                    f"later-06H at {path}:{fixing} leaves it)")  # fmt: skip


# -- a closure in the file, and figures of one day after it that the file's errata fix ----

AFTER_06H = [
    *world(), closure("06H", "2014-03-31"),
    allocation("alloc-06H-2014", financial_year="2014-15"),
    allocation("alloc-06H-2014b", financial_year="2014-15", amount="£1m"),
]  # fmt: skip
CLOSED_06H = "06H closed on 2014-03-31 (06H-closed, {path}:6), before 2014-04-01, and no merger"


@pytest.mark.parametrize("fixed", ["withdrawn", "moved"])
def test_figures_after_a_closure_the_file_withdraws_or_moves_are_recorded(run, tmp_path, fixed):
    """The checker kept the first figure of the day, and refused it though the file
    withdraws it; both figures withdrawn, or the one moved to an open organisation, leave
    nothing about a day after the closure."""
    if fixed == "withdrawn":
        errata = [erratum(f"no-{n}", f"alloc-06H-2014{n}", withdraw=True) for n in ("", "b")]
        records, left = [*AFTER_06H, *errata], None
    else:
        errata = [erratum("to-05Q", "alloc-06H-2014", set={"account": "05Q"})]
        records, left = [*AFTER_06H[:-1], *errata], {"05Q": 84_920_400_000}
    path, result = imported(run, tmp_path, f"{fixed}.jsonl", records)
    assert result.exit_code == 0, result.output
    if left:  # (withdrawn, 2014-15 has no allocations left to show)
        assert {code: pence for code, pence in allocations(run, "2014-15").items() if pence} == left
    checked = run("check")
    assert checked.exit_code == 0, checked.output


def test_the_next_figure_of_the_day_is_refused_when_the_file_withdraws_the_first(run, tmp_path):
    withdrawn = erratum("no-first", "alloc-06H-2014", withdraw=True)
    path, result = imported(run, tmp_path, "withdrawn.jsonl", [*AFTER_06H, withdrawn])
    refused(result, f"{path}:8: account: {CLOSED_06H.format(path=path)} carries its figures on")


def test_the_next_figure_refused_in_the_first_ones_place_is_listed_at_its_own_line(run, tmp_path):
    """Problems are listed in the order of their lines: the figure refused in place of one
    the file withdraws was listed where the withdrawn one was, before a problem between."""
    withdrawn = erratum("no-first", "alloc-06H-2014", withdraw=True)
    unknown = allocation("alloc-99Y", account="99Y")
    records = [*AFTER_06H[:-1], unknown, AFTER_06H[-1], withdrawn]
    path, result = imported(run, tmp_path, "withdrawn.jsonl", records)
    refused(
        result,
        f"{path}:8: account: unknown organisation '99Y'",
        f"{path}:9: account: {CLOSED_06H.format(path=path)} carries its figures on",
    )


@pytest.mark.parametrize("erratum_at", [8, 9])
def test_a_fixed_figure_still_after_the_closure_is_refused_at_the_erratum_naming_the_rest(
    run, tmp_path, erratum_at
):
    """The erratum's record takes the day's place, before or after the day's other figure."""
    fixed = erratum("more", "alloc-06H-2014", set={"amount": "£2m"})
    records = [*AFTER_06H]
    records.insert(erratum_at - 1, fixed)
    other = 9 if erratum_at == 8 else 8
    path, result = imported(run, tmp_path, "fixed.jsonl", records)
    refused(
        result,
        f"{path}:{erratum_at}: set: the fixed record: account: {CLOSED_06H.format(path=path)} "
        f"carries its figures on; the batch has 1 more figure about that day: alloc-06H-2014b "
        f"({path}:{other})",
    )


def test_a_figure_an_erratum_moves_onto_that_day_is_named_at_the_erratum(run, tmp_path):
    """The checker keeps the first figure of the day; the one the erratum makes is named
    with it, at the erratum's line."""
    other = allocation("alloc-05Q-2014", account="05Q", financial_year="2014-15")
    moved = erratum("to-06H", "alloc-05Q-2014", set={"account": "06H"})
    path, result = imported(run, tmp_path, "moved.jsonl", [*AFTER_06H[:-1], other, moved])
    refused(
        result,
        f"{path}:7: account: {CLOSED_06H.format(path=path)} carries its figures on; the batch "
        f"has 1 more figure about that day: alloc-05Q-2014 ({path}:9)",
    )


# -- an erratum later in the file than a record naming the organisation it fixes ----------

LATER_FIXES = {
    "known": ({"as_at": "2014-01-01"}, {"as_at": "2013-06-01"}),
    "opened": ({"as_at": "2013-06-01", "opened": "2014-04-01"}, {"opened": "2013-04-01"}),
}


@pytest.mark.parametrize("fixed", LATER_FIXES)
def test_an_erratum_later_in_the_file_brings_an_earlier_record_in_step(run, tmp_path, fixed):
    """A record naming an organisation known (or opened) only after it, as the store has
    it, is judged once the batch is over, with the batch's errata applied: an erratum
    further down the file that makes the organisation known (or open) by then is as good
    as one above the record. It was refused."""
    stored, fix = LATER_FIXES[fixed]
    base = [*world(), organisation("99Z", **stored)]
    assert imported(run, tmp_path, "base.jsonl", base)[1].exit_code == 0
    records = [allocation("alloc-99Z", account="99Z"), erratum("fix-99Z", "99Z", set=fix)]
    assert imported(run, tmp_path, "later.jsonl", records)[1].exit_code == 0
    assert allocations(run, "2013-14")["99Z"] == 84_920_400_000
    checked = run("check")
    assert checked.exit_code == 0, checked.output


FIX_99Z = erratum("fix-99Z", "99Z", set={"as_at": "2013-11-01"})
FIX_99Z_AGAIN = erratum("fix-99Z-again", "99Z", set={"as_at": "2013-12-01"}, recorded="2026-01-06")
NOT_FAR_ENOUGH = {  # the file's records, the record refused, and the errata named (by line)
    "below": ([allocation("alloc-99Z", account="99Z"), FIX_99Z_AGAIN], 1,
              "the erratum fix-99Z-again at {path}:2 leaves"),
    "above": ([FIX_99Z, FIX_99Z_AGAIN, allocation("alloc-99Z", account="99Z")], 3,
              "the errata fix-99Z at {path}:1 and fix-99Z-again at {path}:2 leave"),
}  # fmt: skip


@pytest.mark.parametrize("errata", NOT_FAR_ENOUGH)
def test_errata_that_do_not_go_far_enough_are_named_with_their_day(run, tmp_path, errata):
    """A record out of step with the organisation as recorded and as the file's errata
    leave it is refused, with the day the errata leave (the one the record must fit
    once the batch is recorded), naming them. It gave the day as recorded (2014-01-01),
    which would have had the user move the record further than it needs."""
    base = [*world(), organisation("99Z", as_at="2014-01-01")]
    assert imported(run, tmp_path, "base.jsonl", base)[1].exit_code == 0
    records, at, named = NOT_FAR_ENOUGH[errata]
    path, result = imported(run, tmp_path, "errata.jsonl", records)
    refused(
        result,
        f"{path}:{at}: account: 99Z is known only from 2013-12-01 (organisation 99Z, recorded "
        f"in the store, as {named.format(path=path)} it), after this record (as_at "
        "2013-09-30); record it as known from then",
    )


def test_an_erratum_that_opens_an_organisation_too_late_gives_its_own_day(run, tmp_path):
    """The same for the day an organisation opened, of an organisation in the same file."""
    records = [
        *world(),
        organisation("99Z", as_at="2013-04-01", opened="2014-04-01"),
        allocation("alloc-99Z", account="99Z"),
        erratum("fix-99Z", "99Z", set={"opened": "2013-10-01"}),
    ]
    path, result = imported(run, tmp_path, "opened.jsonl", records)
    at = len(world())
    refused(
        result,
        f"{path}:{at + 2}: account: 99Z did not exist on 2013-04-01 (it opened on 2013-10-01: "
        f"organisation 99Z, {path}:{at + 1}, as the erratum fix-99Z at {path}:{at + 3} leaves "
        "it)",
    )
