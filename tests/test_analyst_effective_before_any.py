"""ccg-budgets with an effective date before any of the year's allocations is about
refuses, naming the first date one is about, rather than answering £0.00 for every CCG
(noticed in issue 21).

The 2013-14 allocations of events/ are the month-6 restated baselines, about 30
September 2013: asked for 2013-14 as effective on 30 June 2013, the view said each of
the 211 CCGs had an allocation of £0.00.
"""

from __future__ import annotations

import pytest
from stores import published_ledger


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("effective-before-any"))


def england(ledger, *params):
    return ledger("view", "ccg-budgets", "-p", "group", "england", *params, "--format", "csv")


@pytest.mark.parametrize(
    ("year", "effective", "first"),
    [
        ("2013-14", "2013-06-30", "2013-09-30"),
        ("2013-14", "2013-04-01", "2013-09-30"),
        ("2014-15", "2014-03-31", "2014-04-01"),
        ("2025-26", "2019-04-01", "2025-04-01"),
    ],
)
def test_an_effective_date_before_the_years_allocations_is_refused(ledger, year, effective, first):
    result = england(ledger, "-p", "year", year, "-p", "effective", effective)
    assert result.exit_code == 1, result.output
    assert result.output == (
        f"Error: parameter effective: no allocation for {year} is about a date up to "
        f"{effective}; the first is about {first}\n"
    )


def test_the_year_without_a_year_asked_is_the_latest(ledger):
    result = england(ledger, "-p", "effective", "2020-01-01")
    assert result.exit_code == 1
    assert "no allocation for 2025-26 is about a date up to 2020-01-01" in result.output


@pytest.mark.parametrize(
    ("year", "effective", "pence"),
    [
        ("2013-14", "2013-09-30", 6_274_371_200_000),
        ("2014-15", "2014-04-01", 6_433_642_700_000),
        ("2019-20", "2020-03-31", 7_837_298_100_000),
    ],
)
def test_from_the_first_date_the_allocations_count(ledger, year, effective, pence):
    result = england(ledger, "-p", "year", year, "-p", "effective", effective)
    assert result.exit_code == 0, result.output
    ccgs = 191 if year == "2019-20" else 211
    row = result.output.splitlines()[1].split(",")
    assert row[:6] == ["england", "England", "", "", str(ccgs), str(pence)]
