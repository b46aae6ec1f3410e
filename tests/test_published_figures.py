"""The published record tells the story the reports tell: import events/, ask a view or
an audit, and get the figure the report gives. Each test names its document and paragraph.

Documents: fcc92cbac3fa35c8 (QIPP at month 3, 2013-14), 7b52a89851598ea9 (the month-6
stocktake, 2013-14), 2ed371ee3bf9cfd1 (CCG deficits and specialised commissioning,
2013-14), 2e2143a5dd6c4027 (balancing the 2014-15 plans), ab7a2ab990458944 (removing the
provider deficit, 2018-19).
"""

import csv
import json

import pytest
from conftest import REPOSITORY
from stores import published_ledger, succeeding, view

MILLION = 100_000_000  # pence


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A store and views database holding exactly the shipped history."""
    return succeeding(published_ledger(tmp_path_factory.mktemp("published")))


def rows_of(published, view_name, **params):
    return view(published.views, view_name, **params)


def audit(published, account, measure, year):
    """The audit's rows of recorded changes, errata left out (test_errata_* below look
    at them)."""
    result = published("audit", account, measure, "--year", year, "--format", "json")
    return [row for row in json.loads(result.stdout) if row["kind"] != "erratum"]


def one(rows, **where):
    found = [row for row in rows if all(row[key] == value for key, value in where.items())]
    assert len(found) == 1, found
    return found[0]


# fcc92cbac3fa35c8: QIPP at the end of June 2013


def test_nhs_england_qipp_gap_of_48_1m_in_a_374m_plan_para_8(published):
    row = one(rows_of(published, "qipp", year="2013-14"), code="direct-commissioning")
    assert (row["plan_pence"], row["shortfall_pence"], row["shortfall_period"]) == (
        374 * MILLION,
        481 * MILLION // 10,
        "M3",
    )
    assert (row["shortfall_percent"], row["reported_shortfall_percent"]) == ("12.9", "12.9")


def test_primary_care_qipp_shortfall_of_22_5m_para_9(published):
    row = one(rows_of(published, "qipp", year="2013-14"), code="primary-care")
    assert (row["shortfall_pence"], row["reported_shortfall_percent"]) == (
        225 * MILLION // 10,
        "19",
    )


def test_ccgs_expected_a_71_5m_qipp_gap_at_the_end_of_june_para_14(published):
    row = one(rows_of(published, "qipp", year="2013-14", as_at="2013-09-30"), code="ccg-sector")
    assert (row["plan_pence"], row["shortfall_pence"], row["reported_shortfall_percent"]) == (
        1600 * MILLION,
        715 * MILLION // 10,
        "4",
    )


# 7b52a89851598ea9: the month-6 stocktake


def test_ccgs_forecasting_a_deficit_rose_from_nine_to_24_of_211_para_4(published):
    steps = audit(published, "ccg-sector", "ccgs-forecasting-deficit", "2013-14")
    assert [(step["after"], step["source"]) for step in steps[:2]] == [
        (9, "7b52a89851598ea9 para 4"),
        (24, "7b52a89851598ea9 para 4"),
    ]
    assert audit(published, "ccg-sector", "ccgs", "2013-14")[-1]["after"] == 211


def test_total_surplus_of_596m_after_using_303m_of_earlier_surplus_para_2(published):
    forecast = audit(published, "commissioning-system", "forecast", "2013-14")
    assert forecast[-1]["after_pence"] == 596 * MILLION
    drawn = one(rows_of(published, "drawdown", year="2013-14"), account="commissioning-system")
    assert drawn["drawdown_pence"] == 303 * MILLION


def test_ccgs_fall_short_of_their_1_6bn_qipp_target_by_176_8m_para_7(published):
    row = one(rows_of(published, "qipp", year="2013-14"), code="ccg-sector")
    assert (row["plan_pence"], row["shortfall_pence"], row["shortfall_period"]) == (
        1600 * MILLION,
        1768 * MILLION // 10,
        "M6",
    )


def test_direct_commissioning_317_8m_over_plan_and_a_93_2m_deficit_para_14(published):
    deficits = rows_of(published, "deficit-forecasts", year="2013-14")
    assert one(deficits, code="direct-commissioning")["forecast_pence"] == -932 * MILLION // 10
    overspend = audit(published, "direct-commissioning", "overspend-against-plan", "2013-14")
    assert overspend[-1]["after_pence"] == 3178 * MILLION // 10


def test_60m_of_contingency_planned_for_trust_support_moves_no_money_para_15(published):
    """NHS England was planning the release (an erratum of 2026-11-28 says so): it is a
    reported figure, and no budget view moves the money."""
    moved = rows_of(published, "specialised-net-change", year="2013-14", account="contingency")
    assert one(moved, counterparty="(total)")["net_pence"] == 0
    planned = audit(published, "contingency", "planned-release-to-trust-support", "2013-14")
    assert planned[-1]["after_pence"] == 60 * MILLION


def test_baseline_is_the_allocations_at_the_end_of_september_para_12(published):
    rows = rows_of(published, "baseline", name="september-2013")
    assert len(rows) == 211
    assert sum(row["baseline_pence"] for row in rows) == 62_743_712 * 1000 * 100


# 2ed371ee3bf9cfd1: CCG deficits, specialised rebasing and overspends


def test_24_ccgs_forecast_deficits_16_unplanned_and_8_planned_paras_2_and_3(published):
    rows = rows_of(published, "reconciliation", year="2013-14")
    total = one(rows, figure="2013-14-ccgs-deficit-m6")
    assert (total["reported_count"], total["components_count"], total["status"]) == (
        24,
        24,
        "reconciled",
    )


def test_unplanned_deficits_by_region_leave_the_midlands_and_east_uncounted_para_2(published):
    rows = rows_of(published, "reconciliation", year="2013-14")
    by_region = one(rows, figure="2013-14-ccgs-unplanned-deficit-m6")
    assert (
        by_region["reported_count"],
        by_region["components_count"],
        by_region["residual_count"],
    ) == (16, 6, 10)
    assert by_region["status"] == "parts not all itemised"
    counts = rows_of(published, "deficit-forecasts", year="2013-14")
    reported = {
        (r["code"], r["status"]): r["reported"] for r in counts if r["row"] == "reported count"
    }
    assert {
        key: reported[key]
        for key in [("Y57", "unplanned"), ("Y54", "unplanned"), ("Y56", "unplanned")]
    } == {
        ("Y57", "unplanned"): 3,
        ("Y54", "unplanned"): 2,
        ("Y56", "unplanned"): 1,
    }


def test_specialised_budget_of_12bn_grew_by_a_net_580m_not_itemised_para_9(published):
    rows = rows_of(published, "specialised-net-change", year="2013-14")
    assert one(rows, counterparty="(reported)")["net_pence"] == 580 * MILLION
    assert one(rows, counterparty="(not itemised)")["net_pence"] == 580 * MILLION
    # The £12bn is the report's rounded size of the budget, not an allocation (erratum).
    budget = audit(published, "specialised-commissioning", "budget-size", "2013-14")
    assert budget[-1]["after_pence"] == 12_000 * MILLION
    shown = published(
        "audit", "specialised-commissioning", "allocation", "--year", "2013-14", "--format", "json"
    )
    only = one(json.loads(shown.stdout), kind="erratum")  # no allocation: only its erratum
    assert "kind allocation -> figure" in only["note"]


def test_cambridgeshire_and_peterborough_unplanned_deficit_of_8_6m_para_10(published):
    row = one(rows_of(published, "deficit-forecasts", year="2013-14"), code="06H")
    assert (row["forecast_pence"], row["status"], row["source"], row["locator"]) == (
        -86 * MILLION // 10,
        "unplanned",
        "2ed371ee3bf9cfd1",
        "para 10",
    )


def test_south_east_staffordshire_unplanned_deficit_of_2_4m_para_11(published):
    row = one(rows_of(published, "deficit-forecasts", year="2013-14"), code="05Q")
    assert (row["forecast_pence"], row["status"]) == (-24 * MILLION // 10, "unplanned")
    cut = audit(published, "05Q", "allocation-cut-beyond-activity", "2013-14")
    assert cut[-1]["after_pence"] == 5 * MILLION


def test_specialised_commissioning_forecasts_a_217m_deficit_para_14(published):
    row = one(
        rows_of(published, "deficit-forecasts", year="2013-14"), code="specialised-commissioning"
    )
    assert row["forecast_pence"] == -217 * MILLION


def test_all_ten_area_teams_overspend_wessex_9_9_and_surrey_and_sussex_9_5_percent_para_15(
    published,
):
    assert (
        audit(
            published, "specialised-commissioning", "area-teams-forecasting-overspend", "2013-14"
        )[-1]["after"]
        == 10
    )
    assert (
        audit(published, "specialised-wessex", "forecast-overspend-percent", "2013-14")[-1]["after"]
        == "9.9"
    )
    assert (
        audit(published, "specialised-surrey-sussex", "forecast-overspend-percent", "2013-14")[-1][
            "after"
        ]
        == "9.5"
    )


# 2e2143a5dd6c4027: balancing the 2014-15 plans


def test_june_plans_overspent_the_97_3bn_limit_by_137m_para_3(published):
    row = one(
        rows_of(published, "system-position", year="2014-15", as_at="2014-07-15"),
        code="commissioning-system",
    )
    assert (row["spending_limit_pence"], row["plan_pence"]) == (97_300 * MILLION, -137 * MILLION)


def test_the_137m_overspend_and_its_65m_and_74m_drivers_leave_a_2m_residual_paras_3_and_4(
    published,
):
    row = one(
        rows_of(published, "reconciliation", year="2014-15"),
        figure="2014-15-planned-overspend-june",
    )
    assert (row["reported_pence"], row["components_pence"], row["residual_pence"]) == (
        137 * MILLION,
        139 * MILLION,
        -2 * MILLION,
    )
    assert row["status"] == "parts exceed the total by £2m"


def test_agreed_plans_break_even_paras_1_and_6(published):
    rows = rows_of(published, "system-position", year="2014-15", as_at="2014-07-31")
    plans = {row["code"]: row["plan_pence"] for row in rows if row["plan_pence"] is not None}
    assert plans == {
        "commissioning-system": 0,
        "ccg-sector": 0,
        "specialised-commissioning": 0,
        "specialised-london": 0,
    }


def test_london_specialised_plan_moved_from_a_65m_overspend_to_breakeven_paras_4_and_11(published):
    steps = audit(published, "specialised-london", "plan", "2014-15")
    assert [(step["after_pence"], step["source"]) for step in steps] == [
        (-65 * MILLION, "2e2143a5dd6c4027 para 4"),
        (0, "2e2143a5dd6c4027 para 11"),
    ]


def test_400m_drawdown_set_against_an_800m_potential_specialised_overspend_para_5(published):
    row = one(rows_of(published, "drawdown", year="2014-15"), account="commissioning-system")
    assert (row["against"], row["drawdown_pence"]) == ("specialised-commissioning", 400 * MILLION)
    potential = audit(published, "specialised-commissioning", "potential-overspend", "2014-15")
    assert potential[-1]["after_pence"] == 800 * MILLION


def test_quality_premium_maximum_270m_and_estimate_200m_paras_8_and_9(published):
    assert (
        audit(published, "quality-premium", "quality-premium-maximum", "2014-15")[-1]["after_pence"]
        == 270 * MILLION
    )
    estimate = audit(published, "quality-premium", "quality-premium-estimate", "2014-15")
    assert (estimate[-1]["after_pence"], estimate[-1]["as_at"]) == (200 * MILLION, "2013-12-18")


# ab7a2ab990458944: removing the 2018-19 provider deficit


def test_519m_provider_deficit_removed_by_265m_and_254m_paras_7_10_and_11(published):
    row = one(
        rows_of(published, "reconciliation", year="2018-19"), figure="2018-19-deficit-to-eliminate"
    )
    assert (row["reported_pence"], row["components_pence"], row["status"]) == (
        519 * MILLION,
        519 * MILLION,
        "reconciled",
    )
    assert (
        audit(published, "provider-sector", "plan", "2018-19")[-1]["after_pence"] == -519 * MILLION
    )


# The public data


def test_ccg_allocations_by_region_match_the_published_totals(published):
    regions = {
        row["code"]: row["allocation_pence"] // 100_000
        for row in rows_of(published, "ccg-budgets", year="2013-14", group="region")
    }
    assert regions == {"Y54": 19_379_212, "Y55": 18_252_726, "Y56": 9_721_467, "Y57": 15_390_307}
    # From April 2015 the Midlands and East were four area teams (Q76-Q79), not eight.
    teams = rows_of(published, "ccg-budgets", year="2015-16", group="area_team", region="Y55")
    assert [team["code"] for team in teams] == ["Q76", "Q77", "Q78", "Q79"]
    assert sum(team["allocation_pence"] for team in teams) // 100_000 == _region_in_ods_2016("Y55")


def _region_in_ods_2016(region):
    """2015-16 allocations (£000) of the CCGs the February 2016 ODS extract puts in a
    region, 00F, 00G and 00H counted in Newcastle Gateshead's (13T)."""
    with (REPOSITORY / "data" / "ods_ccg_and_hub_records_2016_02.csv").open() as lines:
        regions = {
            row["org_ods_code"]: row["national_grouping_ods_code"] for row in csv.DictReader(lines)
        }
    with (REPOSITORY / "data" / "ccg_allocations_2013_14_to_2015_16.csv").open() as lines:
        return sum(
            int(row["allocation_gbp_000"])
            for row in csv.DictReader(lines)
            if row["financial_year"] == "2015-16"
            and regions[
                "13T" if row["ccg_ods_code"] in ("00F", "00G", "00H") else row["ccg_ods_code"]
            ]
            == region
        )


def test_newcastle_gateshead_carries_its_three_predecessors_in_2015_16(published):
    row = one(rows_of(published, "ccg-budgets", year="2015-16", region="Y54"), code="13T")
    assert (row["allocation_pence"] // 100_000, row["carried_pence"] // 100_000) == (
        296_161 + 181_014 + 187_436,
        296_161 + 181_014 + 187_436,
    )
    assert (row["carried_from"], row["adjustments"], row["area_team"]) == (
        "00F, 00G, 00H",
        0,
        "Q74",
    )


def test_the_published_record_passes_every_check(published):
    assert published("check").output.splitlines()[-1].startswith("No failures in 17 checks")


# The published record's errata (issue 17)


def test_errata_the_2013_14_allocations_became_known_when_published_para_10(published):
    """The allocations are about 30 September 2013 but were published on 18 December."""
    october = published.run(
        "view", "ccg-budgets", "-p", "year", "2013-14", "-p", "as_at", "2013-10-31"
    )
    assert october.exit_code == 1
    assert "no allocations recorded for 2013-14 known by 2013-10-31" in october.stderr
    as_at_december = rows_of(
        published, "ccg-budgets", year="2013-14", group="england", as_at="2013-12-31"
    )
    assert as_at_december[0]["allocation_pence"] == 62_743_712 * 1000 * 100
    before_errata = published.run(
        "view", "ccg-budgets", "-p", "year", "2013-14", "-p", "group", "england",
        "-p", "as_at", "2013-10-31", "-p", "recorded_by", "2026-11-27", "--format", "json",
    )  # fmt: skip
    assert json.loads(before_errata.stdout)[0]["allocation_pence"] == 62_743_712 * 1000 * 100
    shown = published("audit", "06H", "allocation", "--year", "2013-14", "--format", "json")
    erratum = one(json.loads(shown.stdout), kind="erratum")
    assert "as_at 2013-09-30 -> 2013-12-18" in erratum["note"]
    assert erratum["source"] == "7b52a89851598ea9 para 10"


def test_errata_the_staffordshire_count_is_on_its_health_economy_para_2(published):
    rows = rows_of(published, "deficit-forecasts", year="2013-14")
    assert one(rows, code="staffordshire-health-economy")["reported"] == 4
    assert not [row for row in rows if row["code"] == "Q60"]
