"""A view whose filter matches nothing says what was not found and what exists, instead
of answering zeros (issue 20, item 6); on the shipped events/."""

from __future__ import annotations

import csv

import pytest
from stores import published_ledger


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("empty-filters"))


def refused(ledger, *args):
    result = ledger("view", *args)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def answered(ledger, *args, header=False):
    result = ledger("view", *args, "--format", "csv")
    assert result.exit_code == 0, result.output
    return result.output.splitlines()[0 if header else 1 :]


CCG_YEARS = "2013-14, 2014-15, 2015-16, 2016-17, 2017-18, 2018-19, 2019-20"


def test_a_year_without_allocations_is_said_with_the_years_recorded(ledger):
    assert refused(ledger, "ccg-budgets", "-p", "year", "2020-21") == (
        "Error: no allocations recorded for 2020-21 "
        f"(recorded years: {CCG_YEARS}, 2023-24, 2024-25, 2025-26)"
    )
    assert refused(ledger, "ccg-budgets", "-p", "year", "2013-14", "-p", "compare", "2021-22") == (
        "Error: parameter compare: no allocations recorded for 2021-22 "
        f"(recorded years: {CCG_YEARS}, 2023-24, 2024-25, 2025-26)"
    )


def test_a_year_not_yet_known_by_as_at_is_said_so(ledger):
    assert refused(ledger, "ccg-budgets", "-p", "year", "2013-14", "-p", "as_at", "2013-01-01") == (
        "Error: no allocations recorded for 2013-14 known by 2013-01-01 (recorded years: none); "
        "the first for 2013-14 became known on 2013-12-18"
    )
    assert refused(
        ledger, "ccg-budgets", "-p", "year", "2014-15", "-p", "compare", "2015-16",
        "-p", "as_at", "2014-06-01",
    ) == (
        "Error: parameter compare: no allocations recorded for 2015-16 known by 2014-06-01 "
        "(recorded years: 2013-14, 2014-15); the first for 2015-16 became known on 2014-12-31"
    )  # fmt: skip


def test_years_with_data_still_answer(ledger):
    # 209 CCGs on 1 April 2015, 42 ICBs in 2023-24 (allocations by service only)
    assert len(answered(ledger, "ccg-budgets", "-p", "year", "2015-16")) == 209
    assert len(answered(ledger, "ccg-budgets", "-p", "year", "2023-24")) == 42
    restated = answered(
        ledger, "ccg-budgets", "-p", "year", "2013-14", "-p", "boundaries", "2023-24",
        "-p", "group", "england",
    )  # fmt: skip
    assert len(restated) == 1
    compared = answered(
        ledger, "ccg-budgets", "-p", "year", "2019-20", "-p", "compare", "2018-19",
        "-p", "group", "region", header=True,
    )  # fmt: skip
    assert compared
    for row in csv.DictReader(compared):
        change = int(row["allocation_pence"]) - int(row["compare_pence"])
        assert int(row["change_pence"]) == change != 0
    # a year of other services only is not nothing: its ICBs are listed, with no pod
    # allocation shown (not a zero one) and a note naming the services it has
    pod = answered(ledger, "icb-budgets", "-p", "year", "2023-24", "-p", "service", "pod")
    assert len(pod) == 43 and pod[-1].startswith("(no pod allocations are recorded for 2023-24")
    assert all(row[6:8] == ["", "0"] for row in csv.reader(pod[:42]))
    assert len(answered(ledger, "national-position", "-p", "year", "2021-22")) == 1


def test_a_lower_case_code_gets_the_close_match(ledger):
    assert refused(ledger, "ccg-budgets", "-p", "year", "2013-14", "-p", "area_team", "q56") == (
        "Error: parameter area_team: no area team q56 is recorded (did you mean Q56?)"
    )
    assert refused(ledger, "baseline", "-p", "region", "y55") == (
        "Error: parameter region: no region y55 is recorded (did you mean Y55?)"
    )
    assert refused(ledger, "audit", "-p", "account", "06h") == (
        "Error: unknown organisation '06h' (did you mean '06H'?)"
    )


def test_a_code_that_does_not_exist_lists_what_does(ledger):
    assert refused(ledger, "ccg-budgets", "-p", "year", "2013-14", "-p", "region", "Y99") == (
        "Error: parameter region: no region Y99 is recorded "
        "(regions: Y54, Y55, Y56, Y57, Y58, Y59, Y60, Y61, Y62, Y63)"
    )
    assert refused(ledger, "system-position", "-p", "system", "NOWHERE") == (
        "Error: unknown organisation 'NOWHERE'"
    )
    assert refused(
        ledger, "specialised-net-change", "-p", "account", "Specialised-commissioning"
    ) == (
        "Error: unknown organisation 'Specialised-commissioning' "
        "(did you mean 'specialised-commissioning'?)"
    )
    # the code that exists answers
    assert (
        len(answered(ledger, "ccg-budgets", "-p", "year", "2013-14", "-p", "area_team", "Q56")) == 8
    )


def test_a_baseline_with_a_typo_names_the_baselines(ledger):
    assert refused(ledger, "baseline", "-p", "name", "septmber-2013") == (
        "Error: no baseline septmber-2013 is recorded (baselines: september-2013)"
    )
    assert len(answered(ledger, "baseline", "-p", "name", "september-2013")) == 211


@pytest.mark.parametrize(
    ("name", "what", "years"),
    [
        ("drawdown", "drawdowns", "2013-14, 2014-15"),
        ("qipp", "QIPP plans or shortfalls", "2013-14"),
        ("deficit-forecasts", "forecasts or counts of deficits", "2013-14"),
        ("specialised-net-change", "transfers or reported net changes", "2013-14"),
        ("specialised-delegation", "specialised figures", "2025-26"),
        ("icb-budgets", "allocations by service", "2023-24, 2024-25, 2025-26"),
    ],
)
def test_every_view_says_a_year_it_has_nothing_for(ledger, name, what, years):
    assert refused(ledger, name, "-p", "year", "2030-31") == (
        f"Error: no {what} recorded for 2030-31 (recorded years: {years})"
    )
    assert answered(ledger, name, "-p", "year", years.split(", ")[-1])


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("reconciliation", "figures that name their components"),
        ("system-position", "plans, forecasts or limits"),
        ("national-position", "allocations or limits"),
    ],
)
def test_views_of_many_years_say_one_they_have_nothing_for(ledger, name, what):
    line = refused(ledger, name, "-p", "year", "2040-41")
    assert line.startswith(f"Error: no {what} recorded for 2040-41 (recorded years: 2013-14, ")
    for year in line.removesuffix(")").split("recorded years: ")[1].split(", "):
        assert answered(ledger, name, "-p", "year", year), (name, year)


@pytest.mark.parametrize(
    ("filters", "when", "said"),
    [
        (["-p", "region", "Y55"], [], "region Y55 on 2025-04-01, the 1 April of 2025-26"),
        (
            ["-p", "area_team", "Q56"],
            ["-p", "year", "2013-14", "-p", "boundaries", "2019-20"],
            "area team Q56 on 2019-04-01, the 1 April of 2019-20",
        ),
        (
            ["-p", "region", "Y55", "-p", "area_team", "Q56"],
            [],
            "region Y55 and area team Q56 on 2025-04-01, the 1 April of 2025-26",
        ),
    ],
)
def test_a_region_or_area_team_with_no_commissioner_that_year_says_so(ledger, filters, when, said):
    """Y55 and Q56 are recorded, but no commissioner sat under them on the boundaries' 1
    April: no rows, and a note saying why, where before there were no rows alone
    (noticed in issue 21). On 2013-14's boundaries they hold commissioners, and no note."""
    result = ledger("view", "ccg-budgets", *filters, *when, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == []
    assert result.stderr == (
        f"(no commissioner was in {said}, whose organisations are shown; "
        "-p boundaries chooses the year)\n"
    )
    shown = ledger("view", "ccg-budgets", *filters, "-p", "year", "2013-14", "--format", "csv")
    assert len(shown.stdout.splitlines()) > 1 and shown.stderr == "", shown.output


def test_a_baseline_with_no_ccg_in_the_region_asked_says_so(ledger):
    result = ledger("view", "baseline", "-p", "region", "Y63", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == []
    assert result.stderr == (
        "(no CCG of baseline september-2013 was in region Y63; each CCG is in the region "
        "and area team it was recorded in)\n"
    )
    assert len(answered(ledger, "baseline", "-p", "region", "Y55")) == 61


@pytest.mark.parametrize("view", ["ccg-budgets", "baseline"])
def test_a_region_and_area_team_that_only_hold_none_together_get_no_note(ledger, view):
    """Q56 sits in Y55: with Y56 the answer is empty, but each holds organisations on its
    own, so there is nothing to say beyond no rows."""
    asked = ["-p", "year", "2013-14"] if view == "ccg-budgets" else []
    result = ledger("view", view, *asked, "-p", "region", "Y56", "-p", "area_team", "Q56")
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("(no rows)\n", "")
