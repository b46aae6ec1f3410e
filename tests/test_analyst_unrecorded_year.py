"""A year for which the record holds none of a measure, for any organisation: the
published record has CCG allocations for 2013-14 to 2019-20 and ICB allocations from
2023-24, none for 2020-21 to 2022-23. An audit of any organisation in such a year (a
region whose CCGs were open on 2022-04-01, an area team, a CCG, an ICB) said "recorded
for Y55: nothing" or where the organisation's figures went, as if it alone had none; it
now says that no organisation has any, and names the years that have some."""

from __future__ import annotations

import json

import pytest
from stores import published_ledger, succeeding


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return succeeding(published_ledger(tmp_path_factory.mktemp("unrecorded-year")))


def recorded_years(ledger, measure: str, as_at: str = "9999-12-31") -> list[str]:
    """The years with any posting of ``measure`` known by ``as_at``, from the postings."""
    rows = json.loads(
        ledger(
            "query",
            "SELECT DISTINCT financial_year AS year FROM postings"
            f" WHERE measure = '{measure}' AND as_at <= '{as_at}' ORDER BY 1",
            "--format",
            "json",
        ).stdout
    )
    return [row["year"] for row in rows]


def refused(ledger, *args: str) -> str:
    result = ledger.run(*args)
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert "Traceback" not in result.output
    return result.stderr


def test_the_record_has_no_allocations_from_2020_21_to_2022_23(ledger):
    years = recorded_years(ledger, "allocation")
    assert years[:7] == [f"{start}-{start - 1999:02d}" for start in range(2013, 2020)]
    assert years[7] == "2023-24"


def test_a_region_whose_ccgs_were_open_says_no_organisation_has_that_year(ledger):
    """Y55's CCGs were open on 2022-04-01 (they closed on 2022-06-30)."""
    said = refused(ledger, "audit", "Y55", "allocation", "--year", "2022-23")
    assert said == (
        "Error: no allocation recorded for Y55 in 2022-23, nor for any organisation: the "
        f"years with any are {', '.join(recorded_years(ledger, 'allocation'))}\n"
    )


@pytest.mark.parametrize(
    ("account", "year"),
    [("Q56", "2021-22"), ("06H", "2022-23"), ("QOQ", "2020-21"), ("ccg-sector", "2022-23")],
    ids=["area team", "CCG", "ICB", "sector"],
)
def test_any_organisation_says_so_in_a_year_no_organisation_has(ledger, account, year):
    said = refused(ledger, "audit", account, "allocation", "--year", year)
    assert said == (
        f"Error: no allocation recorded for {account} in {year}, nor for any organisation: "
        f"the years with any are {', '.join(recorded_years(ledger, 'allocation'))}\n"
    )


def test_the_years_named_are_those_known_by_the_day_asked(ledger):
    known = recorded_years(ledger, "allocation", "2016-01-01")
    assert known == ["2013-14", "2014-15", "2015-16"]
    said = refused(
        ledger, "audit", "Y55", "allocation", "--year", "2022-23", "--as-at", "2016-01-01"
    )
    assert said.endswith(": the years with any known by 2016-01-01 are 2013-14, 2014-15, 2015-16\n")
    early = refused(
        ledger, "audit", "06H", "allocation", "--year", "2022-23", "--as-at", "2010-01-01"
    )
    assert early.endswith(", nor for any organisation: no year had any known by 2010-01-01\n")


def test_another_measure_names_its_own_years(ledger):
    assert recorded_years(ledger, "forecast") == ["2013-14"]
    said = refused(ledger, "audit", "06H", "forecast", "--year", "2015-16")
    assert said == (
        "Error: no forecast recorded for 06H in 2015-16, nor for any organisation: the year "
        "with any is 2013-14\n"
    )


def test_diff_and_one_service_say_the_same(ledger):
    diff = refused(
        ledger, "diff", "Y55", "--from", "2022-01-01", "--to", "2023-01-01", "--year", "2022-23"
    )
    assert diff.startswith(
        "Error: no allocation recorded for Y55 in 2022-23, nor for any organisation"
    )
    core = refused(ledger, "audit", "QOQ", "allocation", "--year", "2022-23", "--service", "core")
    assert core.startswith(
        "Error: no allocation recorded for QOQ in 2022-23, nor for any organisation"
    )


def test_a_year_others_have_keeps_its_own_answer(ledger):
    """06H closed in 2022: 2025-26 has allocations (the ICBs'), so its answer still says
    where 06H's figures went; a misspelt measure still lists what 06H has."""
    said = refused(ledger, "audit", "06H", "allocation", "--year", "2025-26")
    assert said.startswith("Error: 06H has no allocation for 2025-26; it closed on 2022-06-30")
    misspelt = refused(ledger, "audit", "06H", "alocation", "--year", "2022-23")
    assert "nor for any organisation" not in misspelt
    assert misspelt.endswith("recorded for 06H: allocation (2013-14,2014-15,2015-16,2016-17,"
                             "2017-18,2018-19,2019-20); forecast (2013-14)\n")  # fmt: skip
