"""Asking about one figure (audit, diff, chart) where it has no answer says why, rather
than answer with nothing (found by trying the tool): a measure mistyped is not a figure
of nothing, and a date before anything was known is not a figure that was never recorded."""

from __future__ import annotations

import pytest
from stores import published_ledger


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("figure-questions"))


DIFF = ["diff", "06H", "--from", "2013-01-01", "--to", "2014-01-01", "--year", "2013-14"]


@pytest.mark.parametrize("measure", ["ccgs-forecasting-deficit"])
def test_diff_of_a_measure_the_organisation_never_had_is_an_error(ledger, measure):
    result = ledger(*DIFF, "--measure", measure)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(f"Error: 06H has no {measure} for 2013-14; ")
    assert result.stderr.rstrip().endswith("forecast (2013-14)")


@pytest.mark.parametrize(
    ("measure", "hint"), [("forcast", " (did you mean 'forecast'?)"), ("bogus", "")]
)
def test_diff_of_a_measure_no_organisation_has_says_so(ledger, measure, hint):
    """A misspelt measure is not taken for one the organisation lacks: no organisation has
    it, the closest recorded measure is named, then what the organisation has."""
    result = ledger(*DIFF, "--measure", measure)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(
        f"Error: no figure of measure {measure!r} is recorded for any organisation, in any "
        f"year{hint}; recorded for 06H: allocation ("
    )
    assert result.stderr.rstrip().endswith("forecast (2013-14)")


@pytest.mark.parametrize(
    "asked",
    [
        ["audit", "06H", "forecast", "--as-at", "2000-01-01", "--year", "2013-14"],
        ["diff", "06H", "--from", "1999-01-01", "--to", "2000-01-01", "--measure", "forecast",
         "--year", "2013-14"],
        ["chart", "06H", "forecast", "--as-at", "2000-01-01", "--year", "2013-14", "-o", "x.png"],
    ],
    ids=lambda asked: asked[0],
)  # fmt: skip
def test_a_figure_asked_about_before_it_was_known_says_when_it_became_known(
    ledger, asked, tmp_path, monkeypatch
):
    """Before, audit said 06H had no forecast for 2013-14 and, in the same line, that a
    2013-14 forecast was recorded for it."""
    monkeypatch.chdir(tmp_path)
    result = ledger(*asked)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: nothing of 06H's forecast for 2013-14 was known by 2000-01-01: the first "
        "record of it became known on 2013-11-15\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_diff_across_the_day_it_became_known_still_answers(ledger):
    result = ledger(*DIFF, "--measure", "forecast", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"after_pence": -860000000' in result.stdout


@pytest.mark.parametrize(
    ("code", "problem"),
    [("06h", "unknown organisation '06h' (did you mean '06H'?)"),
     ("ZZZ", "unknown organisation 'ZZZ'"),
     ("data-regions-2013", "unknown organisation 'data-regions-2013'")],
)  # fmt: skip
def test_log_of_an_organisation_not_recorded_is_an_error_not_an_empty_list(ledger, code, problem):
    result = ledger("log", "--account", code)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.endswith(f"Error: Invalid value for --account: {problem}\n")


def test_log_of_an_organisation_lists_its_records(ledger):
    result = ledger("log", "--account", "06H", "--year", "2013-14", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"id": "alloc-2013-14-06H"' in result.stdout


def test_views_replayed_as_at_a_day_refuse_a_later_day(ledger, tmp_path):
    """Replayed --as-at 2014-06-30, the views said no 2019-20 allocations were known by
    2020-01-01: they hold nothing known after their day, so a later one is refused."""
    from click.testing import CliRunner

    from ledger.cli import main

    store, replayed = str(ledger.views.parent / "ledger.db"), str(tmp_path / "r.db")

    def on_replayed(*args):
        return CliRunner().invoke(main, ["--store", store, "--views", replayed, *args])

    assert on_replayed("replay", "--as-at", "2014-06-30").exit_code == 0
    later = on_replayed("view", "ccg-budgets", "-p", "year", "2019-20", "-p", "as_at", "2020-01-01")
    assert (later.exit_code, later.stdout) == (1, "")
    assert later.stderr.endswith(
        f"Error: parameter as_at: 2020-01-01 is after 2014-06-30, the day the views database "
        f"{replayed} was replayed to (replay --as-at), and it holds nothing known later; ask "
        "as at 2014-06-30 or earlier, or use views made by rebuild\n"
    )
    for day in ("2014-06-30", "2014-01-01"):
        answered = on_replayed(
            "view", "ccg-budgets", "-p", "year", "2013-14", "-p", "as_at", day,
            "-p", "group", "england", "--format", "json",
        )  # fmt: skip
        assert answered.exit_code == 0, answered.output
        assert '"allocation_pence": 6274371200000' in answered.stdout


@pytest.mark.parametrize(
    ("asked", "tail"),
    [
        (["audit", "06H", "forcast"], "; recorded for 06H: allocation ("),
        (["chart", "06H", "forcast", "-o", "x.png"], "; recorded for 06H: allocation ("),
        (["audit", "QOQ", "forcast"], "; recorded for QOQ and its predecessors: "),
        (["audit", "Y55", "forcast"], "\n"),  # a region holds no figures of its own
    ],
)
def test_each_question_of_a_figure_says_no_organisation_has_a_misspelt_measure(ledger, asked, tail):
    result = ledger(*asked)
    assert (result.exit_code, result.stdout) == (1, "")
    said = (
        "Error: no figure of measure 'forcast' is recorded for any organisation, in any "
        "year (did you mean 'forecast'?)"
    )
    assert result.stderr.startswith(said + tail)
