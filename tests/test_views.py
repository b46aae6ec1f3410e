"""Each named view on a small history whose answers are known."""

import pytest
from factories import (
    allocation,
    baseline,
    correction,
    drawdown,
    figure,
    forecast,
    organisation,
    plan,
    qipp,
    transfer,
    world,
)
from stores import caught_up_view, new_store

from ledger.views.projections import ProjectionError

REGIONS_AND_TEAMS = [
    organisation("Y55", name="Midlands and East", type="region"),
    organisation("Y57", name="South", type="region"),
    organisation("Q56", name="East Anglia", type="area-team", region="Y55"),
    organisation("Q60", name="Shropshire and Staffordshire", type="area-team", region="Y55"),
    organisation("Q70", name="Wessex", type="area-team", region="Y57"),
]
CCGS = [
    organisation(
        "06H",
        name="Cambridgeshire and Peterborough",
        parent="ccg-sector",
        area_team="Q56",
        region="Y55",
    ),
    organisation(
        "05Q", name="South East Staffordshire", parent="ccg-sector", area_team="Q60", region="Y55"
    ),
    organisation("11A", name="West Hampshire", parent="ccg-sector", area_team="Q70", region="Y57"),
]


def place(tmp_path, *records):
    """A store holding the world, three CCGs in two regions, and ``records``; a record
    with the id of an earlier one takes its place."""
    by_id = {}
    for record in [*world(), *REGIONS_AND_TEAMS, *CCGS, *records]:
        by_id[record["id"]] = record
    return new_store(tmp_path / "ledger.db", list(by_id.values()))


def ask(tmp_path, ledger, name, **params):
    return caught_up_view(ledger, tmp_path / "views.db", name, **params)


def by_code(rows, *columns):
    return {row["code"]: tuple(row[column] for column in columns) for row in rows}


BUDGETS = [
    allocation("a-06H", as_at="2013-04-01"),
    allocation("a-05Q", account="05Q", amount="£300m", as_at="2013-04-01"),
    allocation("a-11A", account="11A", amount="£500m", as_at="2013-04-01"),
    transfer("t-05Q", as_at="2013-08-01"),  # £5m from 05Q to SPEC
    allocation("adj-06H", amount="-£1m", as_at="2013-10-10", effective="2013-10-01"),
    correction("fix-05Q", "t-05Q", action="replace", amount="£3m", as_at="2013-11-01"),
]


def test_ccg_budgets_add_transfers_and_corrections_known_by_the_date(tmp_path):
    ledger = place(tmp_path, *BUDGETS)
    september = ask(tmp_path, ledger, "ccg-budgets", year="2013-14", as_at="2013-09-30")
    assert by_code(september, "allocation_pence", "adjustments") == {
        "06H": (84_920_400_000, 0),
        "05Q": (29_500_000_000, 1),
        "11A": (50_000_000_000, 0),
    }
    later = ask(tmp_path, ledger, "ccg-budgets", year="2013-14", as_at="2013-12-31")
    assert by_code(later, "allocation_pence", "adjustments") == {
        "06H": (84_820_400_000, 1),
        "05Q": (29_700_000_000, 2),
        "11A": (50_000_000_000, 0),
    }


def test_ccg_budgets_roll_up_by_region_and_filter_by_area_team(tmp_path):
    ledger = place(tmp_path, *BUDGETS)
    regions = ask(
        tmp_path, ledger, "ccg-budgets", year="2013-14", as_at="2013-12-31", group="region"
    )
    assert [(r["code"], r["name"], r["ccgs"], r["allocation_pence"]) for r in regions] == [
        ("Y55", "Midlands and East", 2, 114_520_400_000),
        ("Y57", "South", 1, 50_000_000_000),
    ]
    team = ask(tmp_path, ledger, "ccg-budgets", year="2013-14", area_team="Q60")
    assert [row["code"] for row in team] == ["05Q"]
    england = ask(tmp_path, ledger, "ccg-budgets", year="2013-14", group="england")
    assert [(r["name"], r["ccgs"], r["allocation_pence"]) for r in england] == [
        ("England", 3, 164_520_400_000)
    ]


def test_baseline_is_the_budget_effective_and_known_at_its_dates(tmp_path):
    ledger = place(tmp_path, baseline(as_at="2013-11-06"), *BUDGETS)
    rows = ask(tmp_path, ledger, "baseline", as_at="2013-12-31")
    assert by_code(rows, "baseline_pence", "known_now_pence", "change_pence") == {
        "06H": (84_920_400_000, 84_920_400_000, 0),  # the October cut is after the baseline
        "05Q": (29_500_000_000, 29_700_000_000, 200_000_000),  # the transfer was corrected
        "11A": (50_000_000_000, 50_000_000_000, 0),
    }
    with pytest.raises(ProjectionError, match="no baseline september-2013 is recorded by"):
        ask(tmp_path, ledger, "baseline", as_at="2013-11-01")  # not yet named


def test_baseline_asked_before_its_known_date_counts_nothing_known_later(tmp_path):
    """An auditor asks for the September baseline as at 5 November, before its known date
    (18 December): the allocations published on 18 December were not known then, as a
    replay of that day shows, so they are not in the baseline either."""
    ledger = place(
        tmp_path,
        baseline(as_at="2013-11-01", known="2013-12-18"),
        allocation("a-06H", as_at="2013-04-01"),
        allocation("a-05Q", account="05Q", amount="£300m", as_at="2013-12-18"),
    )
    rows = ask(tmp_path, ledger, "baseline", as_at="2013-11-05")
    assert by_code(rows, "baseline_pence", "known_now_pence", "change_pence") == {
        "06H": (84_920_400_000, 84_920_400_000, 0),
        "05Q": (0, 0, 0),  # published on 18 December
        "11A": (0, 0, 0),
    }
    later = ask(tmp_path, ledger, "baseline", as_at="2013-12-31")
    assert by_code(later, "baseline_pence")["05Q"] == (30_000_000_000,)


def test_specialised_net_change_by_counterparty_against_the_reported_figure(tmp_path):
    ledger = place(
        tmp_path,
        organisation("SPEC-L", name="Specialised, London", type="budget", parent="SPEC"),
        transfer("t-06H", **{"from": "06H"}, amount="£7m"),
        transfer("t-05Q"),
        transfer("t-back", **{"from": "SPEC", "to": "11A"}, amount="£1m"),
        transfer("t-inside", **{"from": "SPEC", "to": "SPEC-L"}, amount="£9m"),
        figure("net-reported", "net-transfers-in", account="SPEC", amount="£580m"),
    )
    rows = ask(tmp_path, ledger, "specialised-net-change", year="2013-14", account="SPEC")
    assert [(r["counterparty"], r["in_pence"], r["out_pence"], r["net_pence"]) for r in rows] == [
        ("06H", 700_000_000, 0, 700_000_000),
        ("05Q", 500_000_000, 0, 500_000_000),
        ("11A", 0, 100_000_000, -100_000_000),
        ("(total)", 1_200_000_000, 100_000_000, 1_100_000_000),
        ("(reported)", None, None, 58_000_000_000),
        ("(not itemised)", None, None, 56_900_000_000),
    ]
    assert rows[4]["source"] == "board-paper-2013-11 table 1"


def test_specialised_net_change_defaults_to_the_latest_year_of_transfers_alone(tmp_path):
    """With transfers recorded and no net change reported, the view shows the latest year
    with transfers, rather than no year at all."""
    ledger = place(tmp_path, transfer("t-06H", **{"from": "06H"}, amount="£7m"), transfer("t-05Q"))
    rows = ask(tmp_path, ledger, "specialised-net-change", account="SPEC")
    assert [(r["counterparty"], r["transfers"], r["net_pence"]) for r in rows] == [
        ("06H", 1, 700_000_000),
        ("05Q", 1, 500_000_000),
        ("(total)", 2, 1_200_000_000),
    ]


def test_deficit_forecasts_planned_unplanned_and_reported_counts(tmp_path):
    ledger = place(
        tmp_path,
        forecast("f-06H-m3", period="M3", amount="-£2m", as_at="2013-07-20"),
        forecast("f-06H-m6", period="M6", amount="-£8.6m", as_at="2013-10-20"),
        plan("p-06H", amount="£0", as_at="2013-04-01"),
        forecast("f-05Q", account="05Q", amount="-£2.4m", deficit="unplanned", as_at="2013-10-20"),
        forecast("f-11A", account="11A", amount="-£1m", as_at="2013-10-20"),
        plan("p-11A", account="11A", amount="-£1m", as_at="2013-04-01"),
        forecast("f-SPEC", account="SPEC", amount="£3m", as_at="2013-10-20"),
        figure("n-all", "ccgs-forecasting-deficit", count=24, period="M6", as_at="2013-11-06"),
        figure(
            "n-unplanned",
            "ccgs-forecasting-unplanned-deficit",
            count=16,
            period="M6",
            as_at="2013-11-06",
        ),
        figure(
            "n-south",
            "ccgs-forecasting-unplanned-deficit",
            account="Y57",
            count=3,
            period="M6",
            as_at="2013-11-06",
        ),
    )
    rows = ask(tmp_path, ledger, "deficit-forecasts", year="2013-14", as_at="2013-12-31")
    itemised = [
        (r["code"], r["period"], r["forecast_pence"], r["status"])
        for r in rows
        if r["row"] == "itemised"
    ]
    assert itemised == [
        ("06H", "M6", -860_000_000, "unplanned"),
        ("05Q", "M6", -240_000_000, "unplanned"),
        ("11A", "M6", -100_000_000, "planned"),
    ]
    counts = [
        (r["code"], r["status"], r["reported"], r["itemised"])
        for r in rows
        if r["row"] == "reported count"
    ]
    assert sorted(counts) == [
        ("Y57", "unplanned", 3, 0),
        ("ccg-sector", "any", 24, 3),
        ("ccg-sector", "unplanned", 16, 2),
    ]
    before = ask(tmp_path, ledger, "deficit-forecasts", year="2013-14", as_at="2013-08-01")
    assert [(r["code"], r["forecast_pence"]) for r in before] == [("06H", -200_000_000)]


def test_system_position_against_the_spending_limit(tmp_path):
    year = {"financial_year": "2014-15"}
    ledger = place(
        tmp_path,
        organisation("system", name="The commissioning system", type="sector"),
        organisation("ccg-sector", type="sector", parent="system"),
        figure(
            "limit",
            "spending-limit",
            account="system",
            amount="£97.3bn",
            as_at="2013-12-18",
            **year,
        ),
        plan("p-system-june", account="system", amount="-£137m", as_at="2014-06-30", **year),
        plan("p-system-july", account="system", amount="£0", as_at="2014-07-25", **year),
        plan("p-06H", amount="-£2m", as_at="2014-06-30", **year),
        plan("p-05Q", account="05Q", amount="£1m", as_at="2014-06-30", **year),
        forecast("f-05Q", account="05Q", amount="£1.5m", as_at="2014-10-01", **year),
    )
    columns = (
        "depth",
        "spending_limit_pence",
        "plan_pence",
        "planned_spend_pence",
        "members_with_plan",
        "members_plan_pence",
        "members_with_forecast",
    )
    july = ask(
        tmp_path, ledger, "system-position", year="2014-15", as_at="2014-07-01", system="system"
    )
    assert by_code(july, *columns) == {
        "system": (0, 9_730_000_000_000, -13_700_000_000, 9_743_700_000_000, 0, None, 0),
        "ccg-sector": (1, None, None, None, 2, -100_000_000, 0),
    }
    october = ask(
        tmp_path, ledger, "system-position", year="2014-15", as_at="2014-10-31", system="system"
    )
    assert by_code(october, "plan_pence", "members_with_forecast", "members_forecast_pence") == {
        "system": (0, 0, None),
        "ccg-sector": (None, 1, 150_000_000),
    }


def test_drawdown_sums_by_organisation_and_what_it_offsets(tmp_path):
    ledger = place(
        tmp_path,
        drawdown(
            "d1", account="ccg-sector", against="SPEC", amount="£300m", reason="offset overspend"
        ),
        drawdown(
            "d2", account="ccg-sector", against="SPEC", amount="£100m", reason="offset overspend"
        ),
        drawdown("d3", amount="£2m"),
    )
    rows = ask(tmp_path, ledger, "drawdown", year="2013-14")
    assert [(r["account"], r["against"], r["drawdowns"], r["drawdown_pence"]) for r in rows] == [
        ("ccg-sector", "SPEC", 2, 40_000_000_000),
        ("06H", None, 1, 200_000_000),
        ("(total)", None, 3, 40_200_000_000),
    ]


def test_qipp_plan_and_latest_shortfall(tmp_path):
    ledger = place(
        tmp_path,
        qipp("q-plan", "plan", "£1.6bn", as_at="2013-08-30"),
        qipp("q-m3", "shortfall", "£71.5m", period="M3", as_at="2013-08-30"),
        qipp("q-m6", "shortfall", "£176.8m", period="M6", as_at="2013-11-06"),
        figure("q-m3-pc", "qipp-shortfall-percent", percent="4", period="M3", as_at="2013-08-30"),
    )
    rows = ask(tmp_path, ledger, "qipp", year="2013-14", as_at="2013-12-31")
    assert [
        (
            r["code"],
            r["plan_pence"],
            r["shortfall_pence"],
            r["shortfall_period"],
            r["shortfall_percent"],
            r["reported_shortfall_percent"],
        )
        for r in rows
    ] == [("ccg-sector", 160_000_000_000, 17_680_000_000, "M6", "11.1", None)]
    august = ask(tmp_path, ledger, "qipp", year="2013-14", as_at="2013-09-01")
    assert (
        august[0]["shortfall_pence"],
        august[0]["shortfall_percent"],
        august[0]["reported_shortfall_percent"],
    ) == (7_150_000_000, "4.5", "4")


def test_a_corrected_forecast_counts_as_corrected_and_a_reversed_one_gives_way(tmp_path):
    ledger = place(
        tmp_path,
        forecast("f-06H-m5", period="M5", amount="-£3m", as_at="2013-09-20"),
        forecast("f-06H-m6", period="M6", amount="-£8.6m", as_at="2013-10-20"),
        correction("fix-m6", "f-06H-m6", action="replace", amount="-£8.4m", as_at="2013-11-01"),
        correction("drop-m6", "f-06H-m6", as_at="2013-12-01"),
    )

    def deficit_at(day):
        rows = ask(tmp_path, ledger, "deficit-forecasts", year="2013-14", as_at=day)
        return [(r["code"], r["period"], r["forecast_pence"]) for r in rows]

    assert deficit_at("2013-10-31") == [("06H", "M6", -860_000_000)]
    assert deficit_at("2013-11-15") == [("06H", "M6", -840_000_000)]
    assert deficit_at("2013-12-15") == [("06H", "M5", -300_000_000)]
