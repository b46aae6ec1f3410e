"""NHS England's revenue limit (RDEL) beside the CCG sector: import the real events/, and
`national-position` gives every year's limit as the national budgets file has it (outturn
or plan, to the penny), the CCG sector's allocations as the allocation files total them,
and for 2014-15 the £97.3bn spending limit of report 2e2143a5dd6c4027 beside the
£97,098m outturn. The expected values are read from data/ here, not from events/."""

import csv
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from click.testing import CliRunner
from conftest import REPOSITORY
from stores import published_ledger, succeeding, view

from ledger.cli import main

DATA = REPOSITORY / "data"
BUDGETS = DATA / "nhs_england_and_dhsc_budgets_2013_14_to_2028_29.csv"
ALLOCATIONS = ("ccg_allocations_2013_14_to_2015_16.csv", "ccg_allocations_2016_17_to_2019_20.csv")
MILLION = 100_000_000  # pence
YEARS = [f"{year}-{(year + 1) % 100:02d}" for year in range(2013, 2029)]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A store and views database holding exactly the shipped history."""
    return succeeding(published_ledger(tmp_path_factory.mktemp("national")))


def national(published, **params):
    return {
        row["financial_year"]: row for row in view(published.views, "national-position", **params)
    }


def revenue_limits():
    """NHS England's RDEL by year from the CSV: (pence, status, CSV line)."""
    with BUDGETS.open(newline="", encoding="utf-8") as lines:
        return {
            row["financial_year"]: (
                int(Decimal(row["cash_gbp_m"]) * MILLION),
                row["status"],
                line,
            )
            for line, row in enumerate(csv.DictReader(lines), start=2)
            if row["budget"] == "nhse_rdel"
        }


def allocation_totals():
    """Each year's CCG allocations in pence, and how many CCGs have one, from data/."""
    totals, ccgs = defaultdict(int), Counter()
    for name in ALLOCATIONS:
        with (DATA / name).open(newline="", encoding="utf-8") as lines:
            for row in csv.DictReader(lines):
                totals[row["financial_year"]] += int(row["allocation_gbp_000"]) * 100_000
                ccgs[row["financial_year"]] += 1
    return totals, ccgs


def test_every_year_2013_14_to_2028_29_has_nhs_englands_revenue_limit_to_the_penny(published):
    expected = revenue_limits()
    assert sorted(expected) == YEARS
    rows = national(published)
    assert sorted(rows) == YEARS
    for year, (pence, status, line) in expected.items():
        row = rows[year]
        assert row["revenue_limit_pence"] == pence, year
        assert row["revenue_limit_status"] == {"outturn": "outturn", "planned": "plan"}[status]
        assert row["revenue_limit_source"] == f"data-national-budgets line {line}"


def test_outturns_to_2023_24_and_plans_from_2024_25(published):
    rows = national(published)
    statuses = [rows[year]["revenue_limit_status"] for year in YEARS]
    assert statuses == ["outturn"] * 11 + ["plan"] * 5
    assert rows["2013-14"]["revenue_limit_pence"] == 93_696 * MILLION
    assert rows["2024-25"]["revenue_limit_pence"] == 186_800 * MILLION


def test_2014_15_spending_limit_of_97_3bn_beside_the_97_098m_outturn(published):
    row = national(published, year="2014-15")["2014-15"]
    assert (row["spending_limit_pence"], row["revenue_limit_pence"]) == (
        97_300 * MILLION,
        97_098 * MILLION,
    )
    assert row["revenue_limit_status"] == "outturn"
    assert row["outturn_less_spending_limit_pence"] == -202 * MILLION
    assert row["spending_limit_source"] == "2e2143a5dd6c4027 para 3"
    # No other year has a spending limit recorded, so no other year compares with one.
    others = [r for year, r in national(published).items() if year != "2014-15"]
    assert {
        (r["spending_limit_pence"], r["outturn_less_spending_limit_pence"]) for r in others
    } == {(None, None)}


def test_system_position_shows_the_outturn_beside_the_spending_limit(published):
    rows = view(published.views, "system-position", year="2014-15")
    system = next(row for row in rows if row["code"] == "commissioning-system")
    assert (
        system["spending_limit_pence"],
        system["revenue_limit_pence"],
        system["revenue_limit_status"],
    ) == (97_300 * MILLION, 97_098 * MILLION, "outturn")
    assert {
        row["revenue_limit_pence"] for row in rows if row["code"] != "commissioning-system"
    } == {None}


def test_ccg_sector_totals_equal_the_allocation_files_totals(published):
    totals, ccgs = allocation_totals()
    assert sorted(totals) == YEARS[:7]
    rows = national(published)
    for year in YEARS[:7]:
        assert rows[year]["ccg_allocations_pence"] == totals[year], year
        assert rows[year]["ccgs_allocated"] == ccgs[year], year
    # No CCG allocations are in the data for 2020-21 to 2022-23; the ICBs' start in 2023-24.
    assert {rows[year]["ccg_allocations_pence"] for year in YEARS[7:10]} == {None}
    assert {rows[year]["ccgs_allocated"] for year in YEARS[10:13]} == {42}
    assert {rows[year]["ccg_allocations_pence"] for year in YEARS[13:]} == {None}
    # The README's 2014-15 total: £64,336,427k of a £97,098m limit.
    assert rows["2014-15"]["ccg_allocations_pence"] == 64_336_427_000 * 100
    assert rows["2014-15"]["ccg_share_percent"] == 66.26


def test_an_outturn_is_known_from_the_end_of_july_two_years_after_its_year_began(published):
    before = national(published, as_at="2016-07-30")
    assert before["2013-14"]["revenue_limit_status"] == "outturn"
    assert before["2014-15"]["revenue_limit_pence"] is None
    assert before["2014-15"]["spending_limit_pence"] == 97_300 * MILLION
    on = national(published, as_at="2016-07-31")
    assert on["2014-15"]["revenue_limit_pence"] == 97_098 * MILLION
    assert "2016-17" in on and on["2016-17"]["revenue_limit_pence"] is None


def test_plans_are_known_from_the_compilation_of_december_2025(published):
    before = national(published, as_at="2025-12-30")
    # the limits' outturns to 2023-24, and the ICB allocations of 2024-25 and 2025-26
    assert [year for year in YEARS if year in before] == YEARS[:13]
    after = national(published, as_at="2025-12-31")
    assert [year for year in YEARS if year in after] == YEARS


def test_national_position_in_a_table_and_a_bad_year_is_a_one_line_error(published, tmp_path):
    table = published("view", "national-position", "-p", "year", "2014-15").output
    assert "£97,300,000,000.00" in table and "£97,098,000,000.00" in table
    assert "outturn" in table
    result = CliRunner().invoke(
        main,
        ["--store", str(tmp_path / "none.db"), "view", "national-position", "-p", "year", "2014"],
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: parameter year: ")
    assert result.stderr.count("\n") == 1


def test_check_finds_nothing_wrong_in_the_published_record(published):
    assert "No failures" in published("check").output
