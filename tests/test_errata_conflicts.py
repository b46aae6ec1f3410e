"""An erratum in conflict with several records named only one of them (the figure about
the earliest day), so an auditor fixed it and was refused again for the next. It now
names every figure in conflict, in the order they appear (the store's, then the file's
lines), the first three and how many more, on one line. So do a withdrawn merger or split
that carried a closed organisation's figures on, and a closure before stored figures
(neither names a figure the same file's errata move away), and an erratum making an
organisation known after records that name it."""

from __future__ import annotations

import pytest
from factories import allocation, drawdown, forecast, world
from test_batch_guards import closure, events_in, merger, refused
from test_errata_lifecycle import erratum, imported

LATE = erratum("late-06H", "06H", set={"opened": "2014-04-01"})


def drawdowns(*days):
    return [drawdown(f"draw-{number}", effective=day) for number, day in enumerate(days, 1)]


def test_an_erratum_names_every_figure_it_conflicts_with(run, tmp_path):
    """Two figures on one day count as two: the checker keeps only the first of a day."""
    stored = [*world(), *drawdowns("2013-06-01", "2013-05-01")]
    assert imported(run, tmp_path, "history.jsonl", stored)[1].exit_code == 0
    later = [drawdown(f"later-{n}", effective=day) for n, day in
             enumerate(["2013-07-01", "2013-07-01", "2013-04-01", "2014-03-31"], 1)]  # fmt: skip
    later.insert(2, drawdown("open-by-then", financial_year="2014-15", effective="2014-05-01"))
    path, result = imported(run, tmp_path, "errata.jsonl", [*later, LATE])
    refused(result, f"{path}:6: set: the fixed record: opened: 06H has 6 figures about days "
                    "from 2013-04-01 to 2014-03-31, before it would open on 2014-04-01: draw-1 "
                    "(recorded in the store), draw-2 (recorded in the store), later-1 "
                    f"({path}:1) and 3 more")  # fmt: skip


@pytest.mark.parametrize("errata_first", [False, True])
def test_a_few_figures_in_conflict_are_all_named(run, tmp_path, errata_first):
    figures = drawdowns("2013-09-01", "2013-05-01", "2013-09-01")
    lines = [LATE, *world(), *figures] if errata_first else [*world(), *figures, LATE]
    path, result = imported(run, tmp_path, "errata.jsonl", lines)
    at, first = (1, 7) if errata_first else (9, 6)
    refused(result, f"{path}:{at}: set: the fixed record: opened: 06H has 3 figures about days "
                    f"from 2013-05-01 to 2013-09-01, before it would open on 2014-04-01: draw-1 "
                    f"({path}:{first}), draw-2 ({path}:{first + 1}) and draw-3 "
                    f"({path}:{first + 2})")  # fmt: skip


def test_withdrawing_a_merger_names_every_figure_left_after_the_closure(run, store, tmp_path):
    """05Q closed on 2014-03-31 and its figures from then on reach 06H through the merger;
    withdrawing the merger named only the latest of them, so the auditor who fixed that
    one was refused again for the next."""
    after = [allocation(f"alloc-05Q-{year}", account="05Q", financial_year=f"{year}-{year - 1999}")
             for year in (2014, 2015)]  # fmt: skip
    history = [*world(), allocation(), closure("05Q", "2014-03-31"), merger("06H", "05Q"), *after]
    assert imported(run, tmp_path, "history.jsonl", history)[1].exit_code == 0
    more = [allocation(f"alloc-05Q-{year}", account="05Q", financial_year=f"{year}-{year - 1999}")
            for year in (2016, 2017, 2018)]  # fmt: skip
    no_merger = erratum("no-merger", "05Q-into-06H", withdraw=True)
    path, result = imported(run, tmp_path, "errata.jsonl", [*more, no_merger])
    refused(result, f"{path}:4: withdraw: 05Q has 5 figures about days from 2014-04-01 to "
                    "2018-04-01, after it closed on 2014-03-31 (05Q-closed, recorded in the "
                    "store), which 05Q-into-06H carries on; without it nothing would: "
                    "alloc-05Q-2014 (recorded in the store), alloc-05Q-2015 (recorded in the "
                    f"store), alloc-05Q-2016 ({path}:1) and 2 more")  # fmt: skip
    assert events_in(store) == len(history)


def test_withdrawing_a_merger_leaves_out_a_figure_the_same_file_moves_away(run, tmp_path):
    """A figure an erratum in the same file moves to the successor needs the merger no
    more: the one left is named as before."""
    after = [allocation(f"alloc-05Q-{year}", account="05Q", financial_year=f"{year}-{year - 1999}")
             for year in (2014, 2015)]  # fmt: skip
    history = [*world(), allocation(), closure("05Q", "2014-03-31"), merger("06H", "05Q"), *after]
    assert imported(run, tmp_path, "history.jsonl", history)[1].exit_code == 0
    moved = erratum("to-06H", "alloc-05Q-2015", set={"account": "06H"})
    no_merger = erratum("no-merger", "05Q-into-06H", withdraw=True)
    path, result = imported(run, tmp_path, "errata.jsonl", [moved, no_merger])
    refused(result, f"{path}:2: withdraw: 05Q has figures about 2014-04-01 (alloc-05Q-2014, "
                    "recorded in the store), after it closed on 2014-03-31 (05Q-closed, "
                    "recorded in the store), which 05Q-into-06H carries on; without it nothing "
                    "would")  # fmt: skip


def test_withdrawing_a_merger_is_recorded_when_the_same_file_moves_every_figure_away(run, tmp_path):
    """It was refused, naming a figure the file itself moves to the successor."""
    after = [allocation(f"alloc-05Q-{year}", account="05Q", financial_year=f"{year}-{year - 1999}")
             for year in (2014, 2015)]  # fmt: skip
    history = [*world(), allocation(), closure("05Q", "2014-03-31"), merger("06H", "05Q"), *after]
    assert imported(run, tmp_path, "history.jsonl", history)[1].exit_code == 0
    moved = [erratum(f"to-06H-{year}", f"alloc-05Q-{year}", set={"account": "06H"})
             for year in (2014, 2015)]  # fmt: skip
    no_merger = erratum("no-merger", "05Q-into-06H", withdraw=True)
    _, result = imported(run, tmp_path, "errata.jsonl", [*moved, no_merger])
    assert result.exit_code == 0, result.output
    checked = run("check")
    assert checked.exit_code == 0, checked.output


def test_a_closure_before_stored_figures_names_every_one_of_them(run, tmp_path):
    """A new closure of 06H before three stored allocations of later years named only the
    latest of them."""
    later = [allocation(f"alloc-06H-{year}", financial_year=f"{year}-{year - 1999}")
             for year in (2014, 2015, 2016)]  # fmt: skip
    assert imported(run, tmp_path, "history.jsonl", [*world(), *later])[1].exit_code == 0
    path, result = imported(run, tmp_path, "closure.jsonl", [closure("06H", "2014-03-31")])
    refused(result, f"{path}:1: effective: 06H has 3 figures about days from 2014-04-01 to "
                    "2016-04-01, after it would close on 2014-03-31, and no merger carries "
                    "them on: alloc-06H-2014 (recorded in the store), alloc-06H-2015 (recorded "
                    "in the store) and alloc-06H-2016 (recorded in the store)")  # fmt: skip


def test_a_closure_is_recorded_when_the_same_file_moves_the_later_figures_away(run, tmp_path):
    """It was refused, naming a stored figure the file itself moves to another CCG."""
    later = [allocation(f"alloc-06H-{year}", financial_year=f"{year}-{year - 1999}")
             for year in (2014, 2015)]  # fmt: skip
    assert imported(run, tmp_path, "history.jsonl", [*world(), *later])[1].exit_code == 0
    moved = [erratum(f"to-05Q-{year}", f"alloc-06H-{year}", set={"account": "05Q"})
             for year in (2014, 2015)]  # fmt: skip
    path, result = imported(run, tmp_path, "closure.jsonl", [*moved, closure("06H", "2014-03-31")])
    assert result.exit_code == 0, result.output
    checked = run("check")
    assert checked.exit_code == 0, checked.output
    path, result = imported(run, tmp_path, "again.jsonl", [
        erratum("back-to-06H", "alloc-06H-2015", set={"account": "06H"},
                recorded="2026-02-01")])  # fmt: skip
    refused(result, f"{path}:1: set: the fixed record: account: 06H closed on 2014-03-31 "
                    "(06H-closed, recorded in the store), before 2015-04-01, and no merger "
                    "carries its figures on")  # fmt: skip


def test_an_organisation_made_known_later_names_every_record_known_before(run, tmp_path):
    """06H made known from 2014 while four records naming it stay known earlier: the
    refusal named only the first, so fixing its as_at led to a refusal for the next. The
    two in the file on one day are both named (the checker keeps the first of a day)."""
    stored = [*world(), allocation(), forecast(as_at="2013-11-01")]
    assert imported(run, tmp_path, "history.jsonl", stored)[1].exit_code == 0
    same_day = [forecast(f"forecast-{n}", as_at="2013-12-01", effective="2013-12-01")
                for n in (2, 3)]  # fmt: skip
    late = erratum("late-06H", "06H", set={"as_at": "2014-01-01"})
    path, result = imported(run, tmp_path, "errata.jsonl", [*same_day, late])
    refused(result, f"{path}:3: set: the fixed record: as_at: 06H would be known only from "
                    "2014-01-01, after 4 records known from 2013-09-30 to 2013-12-01 that name "
                    "it (alloc-06H (recorded in the store), forecast-06H (recorded in the "
                    f"store), forecast-2 ({path}:1) and forecast-3 ({path}:2)): a record cannot "
                    "be known before an organisation it names; make 06H known by 2013-09-30, "
                    "or fix their as_at too")  # fmt: skip


def test_a_record_hidden_behind_one_withdrawn_on_its_day_still_counts(run, tmp_path):
    """The checker keeps the first record of each day; when the same file withdrew that
    one, the next on its day was not seen, and 06H was made known after it."""
    assert imported(run, tmp_path, "history.jsonl", world())[1].exit_code == 0
    same_day = [forecast(f"forecast-{n}", as_at="2013-12-01", effective="2013-12-01")
                for n in (2, 3)]  # fmt: skip
    gone = erratum("no-forecast-2", "forecast-2", withdraw=True)
    late = erratum("late-06H", "06H", set={"as_at": "2014-01-01"})
    path, result = imported(run, tmp_path, "errata.jsonl", [*same_day, gone, late])
    refused(result, f"{path}:4: set: the fixed record: as_at: 06H would be known only from "
                    f"2014-01-01, after forecast-3 ({path}:2), known on 2013-12-01, which names "
                    "it in account: a record cannot be known before an organisation it names; "
                    "make 06H known by 2013-12-01, or fix forecast-3's as_at too")  # fmt: skip


def test_an_erratum_opening_late_names_the_figure_left_not_one_withdrawn(run, tmp_path):
    """Of two drawdowns on one day, the file withdraws the first: the refusal named the
    withdrawn one, as the first of its day, rather than the one left."""
    assert imported(run, tmp_path, "history.jsonl", world())[1].exit_code == 0
    same_day = drawdowns("2013-06-01", "2013-06-01")
    gone = erratum("no-draw-1", "draw-1", withdraw=True)
    path, result = imported(run, tmp_path, "errata.jsonl", [*same_day, gone, LATE])
    refused(result, f"{path}:4: set: the fixed record: opened: 06H has figures about "
                    f"2013-06-01 (draw-2, {path}:2), before it would open on 2014-04-01")  # fmt: skip
    moved = erratum("draw-2-to-05Q", "draw-2", set={"account": "05Q"})
    _, result = imported(run, tmp_path, "all-moved.jsonl", [*same_day, gone, moved, LATE])
    assert result.exit_code == 0, result.output
    checked = run("check")
    assert checked.exit_code == 0, checked.output
