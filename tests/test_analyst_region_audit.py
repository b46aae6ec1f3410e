"""An area team or region is no budget of its own: its allocation is that of the CCGs and
ICBs placed under it on the year's 1 April (their parent is the sector). audit, diff and
chart add those up, restated as ccg-budgets restates them, so `audit Y55 allocation`
ends at the figure ccg-budgets gives the region. A measure that supersedes (a plan, a
forecast) is not added over them, and the audit says so and what to ask instead; a year
with none under it names the days it had some."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import REPOSITORY
from stores import published_ledger, succeeding

POUNDS_000 = 100_000  # pence in £1,000


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return succeeding(published_ledger(tmp_path_factory.mktemp("region-audit")))


def audited(ledger, account: str, year: str) -> list[dict]:
    result = ledger("audit", account, "allocation", "--year", year, "--format", "json")
    return [row for row in json.loads(result.stdout) if row["kind"] != "erratum"]


def budget(ledger, group: str, code: str, year: str) -> int:
    rows = json.loads(
        ledger(
            "view", "ccg-budgets", "-p", "year", year, "-p", "group", group, "--format", "json"
        ).stdout
    )
    (row,) = [row for row in rows if row["code"] == code]
    return int(row["allocation_pence"])


def allocations_2013(column: str, code: str) -> dict[str, int]:
    """The 2013-14 allocations in data/ of the CCGs whose area team or region was ``code``
    in April 2013."""
    with (REPOSITORY / "data" / "ccgs_2013.csv").open(encoding="utf-8") as lines:
        under = {row["ccg_ods_code"] for row in csv.DictReader(lines) if row[column] == code}
    path = REPOSITORY / "data" / "ccg_allocations_2013_14_to_2015_16.csv"
    with path.open(encoding="utf-8") as lines:
        return {
            row["ccg_ods_code"]: int(row["allocation_gbp_000"]) * POUNDS_000
            for row in csv.DictReader(lines)
            if row["financial_year"] == "2013-14" and row["ccg_ods_code"] in under
        }


@pytest.mark.parametrize(
    ("code", "column", "group"),
    [("Y55", "region_ods_code", "region"), ("Q56", "area_team_ods_code", "area_team")],
)
def test_a_region_or_area_team_adds_up_its_ccgs(ledger, code, column, group):
    rows = audited(ledger, code, "2013-14")
    published = allocations_2013(column, code)
    assert sorted(row["account"] for row in rows) == sorted(published)
    assert rows[-1]["after_pence"] == sum(published.values())
    assert rows[-1]["after_pence"] == budget(ledger, group, code, "2013-14")


def test_y55_in_2013_14_is_18_3bn_of_61_ccgs(ledger):
    rows = audited(ledger, "Y55", "2013-14")
    assert (len(rows), rows[-1]["after_pence"]) == (61, 18_252_726_000 * 100)


def test_a_later_year_adds_the_ccgs_under_the_region_then(ledger):
    rows = audited(ledger, "Y55", "2019-20")
    assert rows[-1]["after_pence"] == budget(ledger, "region", "Y55", "2019-20")


def test_diff_of_a_region_lists_its_ccgs_changes(ledger):
    result = ledger("diff", "Y55", "--from", "2013-12-01", "--to", "2014-01-01", "--format", "json")
    rows = json.loads(result.stdout)
    assert rows[-1]["after_pence"] == budget(ledger, "region", "Y55", "2014-15")


def test_the_figures_of_an_aggregate_by_parent_are_unchanged(ledger):
    rows = audited(ledger, "ccg-sector", "2013-14")
    assert (len(rows), rows[-1]["after_pence"]) == (211, 62_743_712_000 * 100)


def refused(ledger, *args: str) -> str:
    result = ledger.run("audit", *args)
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert "Traceback" not in result.output
    return result.stderr


def test_a_forecast_of_a_region_is_not_added_up_and_the_audit_says_what_to_ask(ledger):
    said = refused(ledger, "Y55", "forecast")
    assert said.startswith("Error: Y55 is a region: a forecast supersedes rather than adds up")
    assert "(audit 05Q forecast)" in said and "(audit Y55 allocation)" in said
    assert json.loads(ledger("audit", "05Q", "forecast", "--format", "json").stdout)


def test_a_year_without_ccgs_under_an_area_team_names_when_it_had_some(ledger):
    said = refused(ledger, "Q56", "allocation", "--year", "2016-17")
    assert said == (
        "Error: Q56 is an area team and no CCG or ICB was under it on 2016-04-01, the first "
        "day of 2016-17: CCGs and ICBs were under it from 2013-04-01 to 2015-03-31 "
        "(audit Q56 allocation --year 2013-14)\n"
    )


def test_a_region_asked_before_its_ccgs_figures_were_known_names_the_first_day(ledger):
    said = refused(ledger, "Y63", "allocation", "--year", "2025-26", "--as-at", "2020-01-01")
    first = json.loads(
        ledger(
            "query",
            "SELECT MIN(as_at) AS first FROM postings WHERE measure = 'allocation'"
            " AND financial_year = '2025-26' AND account IN (SELECT organisation"
            " FROM memberships WHERE region = 'Y63')",
            "--format",
            "json",
        ).stdout
    )[0]["first"]
    assert said.endswith(
        f"was known by 2020-01-01: the first record of it became known on {first}\n"
    )


def test_a_region_whose_ccgs_had_all_closed_says_so_and_where_their_figures_went(ledger):
    said = refused(ledger, "Y55", "allocation", "--year", "2023-24")
    assert "recorded for Y55: nothing" not in said
    assert said.startswith(
        "Error: Y55 is a region and no CCG or ICB was under it on 2023-04-01, the first day "
        "of 2023-24: the CCGs under it had all closed by then, 72 while under it, from "
        "2018-03-31 to 2022-06-30 (its last year with any: audit Y55 allocation --year "
        "2019-20); their figures are carried on to 17 ICBs, under Y60 and Y61 on 2023-04-01 "
        "(audit Y60 allocation --year 2023-24): QGH, QH8, "
    )
    assert said.endswith(" and 5 more\n")
    assert audited(ledger, "Y60", "2023-24")  # the audit it names answers


def test_an_area_team_whose_ccgs_closed_names_the_icbs_their_figures_went_to(ledger):
    said = refused(ledger, "Q76", "allocation", "--year", "2025-26")
    assert said.endswith(
        "the CCGs under it had all closed by then, 21 while under it, from 2019-03-31 to "
        "2022-06-30 (its last year with any: audit Q76 allocation --year 2019-20); their "
        "figures are carried on to 4 ICBs, under Y60 on 2025-04-01 (audit Y60 allocation "
        "--year 2025-26): QJ2, QNC, QOC, QT1\n"
    )
