"""An analyst compares CCG budgets across the waves of mergers: import the published
record, ask ccg-budgets for a year (on its own or a later year's boundaries), and compare
with what data/ says. Counts and totals are worked out here from the CSV files
independently of the generator and the views."""

import csv
from collections import defaultdict
from decimal import Decimal

import pytest
from conftest import REPOSITORY
from stores import published_ledger, view

DATA = REPOSITORY / "data"
ALLOCATION_YEARS = ["2013-14", "2014-15", "2015-16", "2016-17", "2017-18", "2018-19", "2019-20"]
LATER_YEARS = ["2020-21", "2021-22", "2022-23", "2023-24"]
HUB = "COMMISSIONING HUB"


def _csv(name):
    with (DATA / name).open(newline="", encoding="utf-8") as lines:
        return list(csv.DictReader(lines))


def data_totals_pence():
    """Each year's England total from the allocation files (£ thousands)."""
    totals = defaultdict(int)
    for name in (
        "ccg_allocations_2013_14_to_2015_16.csv",
        "ccg_allocations_2016_17_to_2019_20.csv",
    ):
        for row in _csv(name):
            totals[row["financial_year"]] += int(row["allocation_gbp_000"]) * 100_000
    return totals


def ccgs_open_on(day):
    """CCGs open on a day by the ODS records of every CCG (hubs and the sub-ICB reporting
    entities of 2024 left out)."""
    return {
        row["org_ods_code"]
        for row in _csv("ods_ccg_and_sub_icb_records_2025.csv")
        if HUB not in row["org_current_name"]
        and "REPORTING ENTITY" not in row["org_current_name"]
        and row["open_date"] <= day
        and (not row["close_date"] or row["close_date"] >= day)
    }


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("lineage"))


def budgets(published, **params):
    return {row["code"]: row for row in view(published.views, "ccg-budgets", **params)}


def england(published, **params):
    return budgets(published, group="england", **params)["england"]


@pytest.mark.parametrize("year", ALLOCATION_YEARS + LATER_YEARS)
def test_a_year_counts_the_ccgs_open_on_its_first_of_april(published, year):
    # a year without allocations is an error, so those years' organisations are asked for
    # as the boundaries of the last year of CCG allocations
    allocated = year in ALLOCATION_YEARS or year >= "2023-24"
    rows = (
        budgets(published, year=year)
        if allocated
        else budgets(published, year=ALLOCATION_YEARS[-1], boundaries=year)
    )
    if year <= "2022-23":
        assert set(rows) == ccgs_open_on(f"{year[:4]}-04-01")
    else:  # the ICBs of July 2022
        icbs = {
            row["icb22_code"] for row in _csv("ccg_2021_to_icb_2022_by_registered_patients.csv")
        }
        assert set(rows) == icbs and len(icbs) == 42


def test_the_published_counts_of_ccgs():
    counts = [len(ccgs_open_on(f"{year[:4]}-04-01")) for year in ALLOCATION_YEARS]
    assert counts == [211, 211, 209, 209, 207, 195, 191]


@pytest.mark.parametrize("year", ALLOCATION_YEARS)
def test_the_england_total_is_the_datas(published, year):
    assert england(published, year=year)["allocation_pence"] == data_totals_pence()[year]


def test_the_totals_data_readme_publishes():
    totals = data_totals_pence()
    assert [totals[year] // 100_000 for year in ALLOCATION_YEARS[3:]] == [
        70_541_332,
        72_051_316,
        74_194_479,
        78_372_981,
    ]


@pytest.mark.parametrize("year", ALLOCATION_YEARS)
def test_restating_onto_any_later_boundaries_keeps_the_total_to_the_penny(published, year):
    total = data_totals_pence()[year]
    for boundaries in [later for later in ALLOCATION_YEARS + LATER_YEARS if later >= year]:
        rows = budgets(published, year=year, boundaries=boundaries)
        assert sum(row["allocation_pence"] for row in rows.values()) == total, boundaries
        assert set(rows) <= ccgs_open_on(f"{boundaries[:4]}-04-01") | {
            row["icb22_code"] for row in _csv("ccg_2021_to_icb_2022_by_registered_patients.csv")
        }


def test_newcastle_gateshead_sits_in_its_2015_area_team_with_its_predecessors_carried(published):
    rows = budgets(published, year="2015-16")
    row = rows["13T"]
    predecessors = sum(
        int(line["allocation_gbp_000"]) * 100_000
        for line in _csv("ccg_allocations_2013_14_to_2015_16.csv")
        if line["financial_year"] == "2015-16" and line["ccg_ods_code"] in ("00F", "00G", "00H")
    )
    assert (row["area_team"], row["region"]) == ("Q74", "Y54")
    assert (row["allocation_pence"], row["carried_pence"]) == (predecessors, predecessors)
    assert (row["carried_from"], row["adjustments"]) == ("00F, 00G, 00H", 0)
    assert not {"00F", "00G", "00H"} & set(rows)


def test_a_successor_does_not_appear_before_it_opened(published):
    rows = budgets(published, year="2014-15")
    assert "13T" not in rows and len(rows) == 211
    area_teams = budgets(published, year="2014-15", group="area_team")
    assert area_teams["Q49"]["ccgs"] == 8


def test_the_2015_area_teams_group_2015_16(published):
    area_teams = budgets(published, year="2015-16", group="area_team")
    assert "Q49" not in area_teams and "(not recorded)" not in {
        row["name"] for row in area_teams.values()
    }
    assert area_teams["Q74"]["ccgs"] == 11


def test_an_allocation_published_before_its_ccg_merged_is_carried(published):
    for year, successor, predecessors in (
        ("2017-18", "14L", "00W, 01M, 01N"),
        ("2019-20", "15N", "99P, 99Q"),
    ):
        row = budgets(published, year=year)[successor]
        assert row["carried_from"] == predecessors
        assert row["carried_pence"] == row["allocation_pence"] > 0


def test_a_split_ccg_is_apportioned_by_registered_patients_and_marked(published):
    """Black Country and West Birmingham CCG (D2P2L) went to two ICBs in July 2022."""
    before = budgets(published, year="2019-20", boundaries="2021-22")["D2P2L"]["allocation_pence"]
    shares = {
        row["icb22_code"]: int(row["gp_registered_patients"])
        for row in _csv("ccg_2021_to_icb_2022_by_registered_patients.csv")
        if row["ccg21_code"] == "D2P2L"
    }
    after = budgets(published, year="2019-20", boundaries="2023-24")
    parts = {icb: after[icb]["apportioned_pence"] for icb in shares}
    assert sum(parts.values()) == before
    carried = budgets(published, year="2019-20", boundaries="2021-22")["D2P2L"]["carried_from"]
    for icb, patients in shares.items():
        exact = Decimal(before) * patients / sum(shares.values())
        # each predecessor's figure is cut on its own: at most a penny from each
        assert abs(parts[icb] - exact) < len(carried.split(", "))
        assert after[icb]["apportioned"].startswith("D2P2L ")
        assert f"{patients:,} of {sum(shares.values()):,}" in after[icb]["apportioned"]
        assert "data-ccg-to-icb-2022" in after[icb]["apportioned"]


def test_compare_gives_the_change_on_one_set_of_boundaries(published):
    row = budgets(published, year="2019-20", compare="2013-14")["15N"]
    totals = england(published, year="2019-20", compare="2013-14")
    assert row["boundaries"] == "2019-20"
    assert row["change_pence"] == row["allocation_pence"] - row["compare_pence"]
    assert (
        row["compare_pence"]
        == budgets(published, year="2013-14", boundaries="2019-20")["15N"]["allocation_pence"]
    )
    totals_data = data_totals_pence()
    assert (totals["allocation_pence"], totals["compare_pence"]) == (
        totals_data["2019-20"],
        totals_data["2013-14"],
    )
    assert totals["change_percent"] == round(
        100 * (totals_data["2019-20"] - totals_data["2013-14"]) / totals_data["2013-14"], 2
    )


@pytest.mark.parametrize(
    "asked",
    [("-p", "year", "2013-14", "-p", "compare", "2013-14"), ("-p", "compare", "2025-26")],
    ids=["given", "the-default-year"],
)
def test_a_year_compared_with_itself_is_refused_not_shown_as_a_change(published, asked):
    """Compared with itself, each row once showed nothing to compare and the whole
    allocation as the change."""
    result = published("view", "ccg-budgets", *asked)
    year = asked[-1]
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.strip().splitlines() == [
        f"Error: parameter compare: {year} is the year shown; compare it with another year"
    ]


def test_boundaries_before_the_year_are_refused_in_one_line(published):
    result = published(
        "view", "ccg-budgets", "-p", "year", "2019-20", "-p", "boundaries", "2013-14"
    )
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: parameter boundaries: 2013-14 is before 2019-20; figures are restated onto "
        "a later year's organisations (mergers are not undone)"
    ]


def test_the_view_as_known_before_the_mergers_keeps_the_old_organisations(published):
    """On 1 March 2017 the 2017 merger was not yet known: 2017-18 (its allocations not yet
    issued either) lists the CCGs known then, without 14L."""
    rows = budgets(published, year="2016-17", boundaries="2017-18", as_at="2017-03-01")
    assert "14L" not in rows and {"00W", "01M", "01N"} <= set(rows)
