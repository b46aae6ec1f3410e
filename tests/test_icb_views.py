"""The ICB era's views (issue 18): icb-budgets sums each ICB's allocations by service beside
the totals the workbooks report, audit --service walks one service's steps by their
labels, specialised-delegation sets out the delegated specialised budgets, and
national-position shows ICB allocations by service. A small store made from the
factories first, then the real events/; the expected values are worked out here from the
records imported (or, for the real data, from events/ and the cells in data/)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import REPOSITORY
from factories import allocation, figure, organisation, source, transfer, write_jsonl
from stores import view

from ledger.cli import main
from ledger.records.fields import SERVICES
from ledger.views.projections import ProjectionError

YEAR = "2025-26"
KNOWN = "2025-03-01"
REGIONS = {"QOQ": "Y63", "QHM": "Y63", "QE1": "Y62"}


def step(record_id: str, account: str, service: str, label: str, pence: int, **changes: Any):
    fields = {"account": account, "financial_year": YEAR, "service": service, "step": label,
              "amount": None, "amount_pence": pence, "as_at": KNOWN,
              "locator": f"sheet S cell {record_id}"}  # fmt: skip
    return allocation(record_id, **(fields | changes))


def reported(record_id: str, account: str, measure: str, service: str, pence: int):
    return figure(
        record_id, measure, account=account, financial_year=YEAR, service=service,
        amount_pence=pence, as_at=KNOWN, locator=f"sheet T cell {record_id}",
    )  # fmt: skip


STEPS = [
    step("qoq-s1", "QOQ", "specialised", "2024/25 Opening allocation (£k)", 10_000_000),
    step("qoq-s2", "QOQ", "specialised", "2024/25 Remove delegated orange acute (£k)", -1_000_000),
    step("qoq-s3", "QOQ", "specialised", "2024/25 SPA recategorisation (£k)", 500_000),
    step("qoq-s4", "QOQ", "specialised", "2024/25 Delegated MH baseline (£k)", 1_500_000),
    step("qoq-s5", "QOQ", "specialised", "2025/26 Physical health services growth", 300_000),
    step("qoq-s6", "QOQ", "specialised", "2025/26 Delegated MH growth", 45_000),
    step("qoq-c1", "QOQ", "core", "2024/25 Recurrent baseline (£k)", 50_000_000),
    step("qoq-c2", "QOQ", "core", "2025/26 base growth and convergence", 2_000_003),
    step("qhm-c1", "QHM", "core", "2024/25 Recurrent baseline (£k)", 30_000_000),
    step("qhm-p1", "QHM", "primary-medical-care", "2024/25 Opening baseline", 4_000_000),
    step("qe1-c1", "QE1", "core", "2024/25 Recurrent baseline (£k)", 20_000_000),
    # known a year later: not in the allocation known on KNOWN
    step("qe1-c2", "QE1", "core", "2025/26 In-year adjustment", 700_000, as_at="2026-03-01"),
    # an allocation of an earlier year: never in 2025-26's
    step("qoq-old", "QOQ", "core", "2023/24 Recurrent baseline", 1, financial_year="2024-25"),
]
FIGURES = [
    reported("qoq-s-total", "QOQ", "total-allocation", "specialised", 11_345_000),
    reported("qoq-c-total", "QOQ", "total-allocation", "core", 52_000_000),  # 3p of rounding
    reported("qhm-c-total", "QHM", "total-allocation", "core", 30_000_000),
    reported("y63-c-total", "Y63", "total-allocation", "core", 82_000_000),
    reported("eng-c-total", "icb-sector", "total-allocation", "core", 102_000_000),
    reported("qoq-ph", "QOQ", "physical-health-baseline", "specialised", 9_500_000),
    reported("qoq-drugs", "QOQ", "high-cost-drugs-baseline", "specialised", 2_000_000),
    reported("qoq-devices", "QOQ", "high-cost-devices-baseline", "specialised", 400_000),
    reported("qoq-phh", "QOQ", "physical-health-hcdd-baseline", "specialised", 11_900_000),
    reported("qoq-phmh", "QOQ", "physical-health-mh-baseline", "specialised", 11_000_000),
    reported(
        "qoq-phh-a", "QOQ", "physical-health-hcdd-recurrent-allocation", "specialised", 12_250_000
    ),  # fmt: skip
    reported("qoq-hcdd-a", "QOQ", "hcdd-allocation", "specialised", 2_450_000),
    reported("qoq-ph-a", "QOQ", "physical-health-recurrent-allocation", "specialised", 9_800_000),
    reported("qoq-mh-a", "QOQ", "delegated-mh-allocation", "specialised", 1_545_000),
]
TRANSFER = transfer(
    "spec-to-qhm", **{"from": "SPEC", "to": "QHM"}, financial_year=YEAR, service="specialised",
    amount="£7k", as_at=KNOWN, reason="a specialised budget handed to QHM",
)  # fmt: skip


def history() -> list[dict[str, Any]]:
    return [
        source(),
        organisation("icb-sector", name="All integrated care boards", type="sector"),
        organisation("SPEC", name="Specialised commissioning", type="budget"),
        organisation("Y63", name="North East and Yorkshire", type="region"),
        organisation("Y62", name="North West", type="region"),
        *(
            organisation(
                code,
                name=f"NHS {code} ICB",
                type="icb",
                parent="icb-sector",
                region=region,
                opened="2022-07-01",
                as_at="2022-07-01",
            )
            for code, region in REGIONS.items()
        ),  # fmt: skip
        *STEPS,
        *FIGURES,
        TRANSFER,
    ]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("icb")
    store, views = str(folder / "ledger.db"), str(folder / "views.db")

    def invoke(*args: str):
        return CliRunner().invoke(main, ["--store", store, "--views", views, *args])

    imported = invoke("import", str(write_jsonl(folder / "icb.jsonl", history())))
    assert imported.exit_code == 0, imported.output
    assert invoke("rebuild").exit_code == 0
    invoke.views = Path(views)  # type: ignore[attr-defined]
    return invoke


def expected(service: str | None = None, as_at: str = KNOWN) -> dict[str, int]:
    """Each ICB's allocation for YEAR from the records above (the transfer to QHM too)."""
    totals: dict[str, int] = defaultdict(int)
    for record in STEPS:
        wanted = service is None or record["service"] == service
        if wanted and record["financial_year"] == YEAR and record["as_at"] <= as_at:
            totals[record["account"]] += record["amount_pence"]
    if service in (None, "specialised"):
        totals["QHM"] += 700_000
    return dict(totals)


def by_code(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in rows}


@pytest.mark.parametrize("service", [None, *SERVICES])
def test_icb_budgets_are_the_sum_of_each_services_allocations(ledger, service):
    given = {"year": YEAR, "as_at": KNOWN} | ({"service": service} if service else {})
    rows = by_code(view(ledger.views, "icb-budgets", **given))
    assert set(rows) == set(REGIONS)
    want = expected(service)
    assert {code: row["allocation_pence"] for code, row in rows.items()} == {
        code: want.get(code, 0) if want else None for code in REGIONS
    }  # a service with no allocation in the year shows none, not a zero
    assert all(row["service"] == (service or "all") for row in rows.values())
    assert {code: row["region"] for code, row in rows.items()} == REGIONS


def test_icb_budgets_count_steps_and_set_them_beside_the_reported_total(ledger):
    rows = by_code(view(ledger.views, "icb-budgets", year=YEAR, as_at=KNOWN, service="core"))
    assert rows["QOQ"]["steps"] == 2
    assert rows["QOQ"]["reported_total_pence"] == 52_000_000
    assert rows["QOQ"]["difference_pence"] == expected("core")["QOQ"] - 52_000_000 == 3
    assert rows["QHM"]["difference_pence"] == 0
    assert rows["QE1"]["reported_total_pence"] is None
    assert rows["QE1"]["not_reported"] == "core"
    every = by_code(view(ledger.views, "icb-budgets", year=YEAR, as_at=KNOWN))
    # all services: the totals reported (core and specialised for QOQ), and the
    # difference over those services only; QHM's primary medical care has no total
    assert every["QOQ"]["reported_total_pence"] == 52_000_000 + 11_345_000
    assert every["QOQ"]["steps"] == 8
    assert every["QHM"]["not_reported"] == "primary-medical-care, specialised"


def test_icb_budgets_know_only_what_was_known_by_as_at(ledger):
    later = by_code(view(ledger.views, "icb-budgets", year=YEAR, as_at="2026-03-31"))
    assert later["QE1"]["allocation_pence"] == expected(as_at="2026-03-31")["QE1"]
    assert later["QE1"]["allocation_pence"] - 700_000 == expected()["QE1"]
    with pytest.raises(ProjectionError, match=f"no allocations by service recorded for {YEAR}"):
        view(ledger.views, "icb-budgets", year=YEAR, as_at="2025-02-28")


def test_icb_budgets_grouped_by_region_and_england_add_up_the_icbs(ledger):
    icbs = view(ledger.views, "icb-budgets", year=YEAR, as_at=KNOWN, service="core")
    regions = by_code(
        view(ledger.views, "icb-budgets", year=YEAR, as_at=KNOWN, service="core", group="region")
    )
    assert set(regions) == {"Y62", "Y63"}
    for code, row in regions.items():
        members = [icb for icb in icbs if icb["region"] == code]
        assert row["icbs"] == len(members)
        assert row["allocation_pence"] == sum(icb["allocation_pence"] for icb in members)
    assert regions["Y63"]["name"] == "North East and Yorkshire"
    assert regions["Y63"]["sheet_total_pence"] == 82_000_000  # the sheet's own region row
    (england,) = view(
        ledger.views, "icb-budgets", year=YEAR, as_at=KNOWN, service="core", group="england"
    )
    assert england["code"] == "england" and england["icbs"] == len(REGIONS)
    assert england["allocation_pence"] == sum(expected("core").values())
    assert england["sheet_total_pence"] == 102_000_000
    icb_totals = [
        f for f in FIGURES if f["measure"] == "total-allocation" and f["account"] in REGIONS
    ]
    core_reported = sum(f["amount_pence"] for f in icb_totals if f["service"] == "core")
    assert england["sheet_difference_pence"] == core_reported - 102_000_000
    assert england["not_reported"] == "core (1 ICB)"  # QE1's core has no reported total


def test_audit_by_service_walks_the_steps_in_order_with_labels_and_cells(ledger):
    result = ledger(
        "audit", "QOQ", "allocation", "--year", YEAR, "--service", "specialised",
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    mine = [record for record in STEPS if record["id"].startswith("qoq-s")]
    assert [row["record"] for row in rows] == [record["id"] for record in mine]
    assert [row["note"] for row in rows] == [record["step"] for record in mine]
    assert [row["source"] for row in rows] == [
        f"{record['source']} {record['locator']}" for record in mine
    ]
    running = 0
    for row, record in zip(rows, mine, strict=True):
        running += record["amount_pence"]
        assert (row["change_pence"], row["after_pence"]) == (record["amount_pence"], running)
    assert rows[-1]["after_pence"] == 11_345_000  # the sheet's total-allocation


def test_audit_without_service_counts_every_service(ledger):
    result = ledger("audit", "QOQ", "allocation", "--year", YEAR, "--format", "json")
    rows = json.loads(result.stdout)
    assert len(rows) == 8
    assert rows[-1]["after_pence"] == expected()["QOQ"]


def test_a_service_that_is_not_one_is_a_one_line_error(ledger):
    refused = ledger("audit", "QOQ", "allocation", "--year", YEAR, "--service", "dental")
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"Error: --service 'dental' is not a service; the services are {', '.join(SERVICES)}\n"
    )
    for asked in (["icb-budgets"], ["audit", "-p", "account", "QOQ"]):
        bad = ledger("view", *asked, "-p", "service", "dental")
        assert bad.exit_code == 1
        assert bad.stderr.startswith("Error: parameter service: 'dental' is not one of ")
        assert bad.stderr.count("\n") == 1
        assert all(service in bad.stderr for service in SERVICES)


def test_audit_of_a_service_an_icb_has_none_of_says_which_it_has(ledger):
    refused = ledger("audit", "QHM", "allocation", "--year", YEAR, "--service", "pod")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: no allocation of the pod service recorded for QHM in 2025-26; "
        "services it has: core, primary-medical-care, specialised\n"
    )


def test_audit_of_a_service_before_it_was_known_says_when_it_became_known(ledger):
    """An auditor asks for QHM's core allocation as known a year before the workbooks:
    it has a core allocation, so the answer is when it became known, not that QHM has
    none of the core service while naming core among the services it has."""
    early = ledger("audit", "QHM", "allocation", "--year", YEAR, "--service", "core",
                   "--as-at", "2024-03-01")  # fmt: skip
    assert early.exit_code == 1
    assert early.stderr == (
        f"Error: nothing of QHM's allocation of the core service for {YEAR} was known by "
        f"2024-03-01: the first record of it became known on {KNOWN}\n"
    )


def test_the_views_show_each_postings_step(ledger):
    rows = view(ledger.views, "audit", account="QOQ", year=YEAR, service="core", as_at=KNOWN)
    assert [(row["record_id"], row["service"], row["step"]) for row in rows] == [
        (record["id"], "core", record["step"])
        for record in STEPS
        if record["id"] in ("qoq-c1", "qoq-c2")
    ]


def test_specialised_delegation_sets_out_baselines_growth_and_allocation(ledger):
    rows = by_code(view(ledger.views, "specialised-delegation", as_at=KNOWN))
    qoq = rows["QOQ"]
    assert qoq["physical_health_baseline_pence"] == 9_500_000
    assert qoq["high_cost_drugs_baseline_pence"] + qoq["high_cost_devices_baseline_pence"] == (
        qoq["physical_health_hcdd_baseline_pence"] - qoq["physical_health_baseline_pence"]
    )
    # the delegated MH baseline, where no figure gives it, is physical+MH less physical
    assert qoq["delegated_mh_baseline_pence"] == 11_000_000 - 9_500_000
    assert qoq["growth_pence"] == (9_800_000 - 9_500_000) + (1_545_000 - 1_500_000)
    assert qoq["physical_health_hcdd_allocation_pence"] == 12_250_000
    assert qoq["specialised_allocation_pence"] == expected("specialised")["QOQ"]
    assert qoq["reported_total_pence"] == qoq["specialised_allocation_pence"]
    assert qoq["transferred_from_pence"] == 0
    assert qoq["nhs_england_side"].startswith("ICB side only")
    assert rows["QHM"]["nhs_england_side"] == "all recorded as transfers from SPEC"
    (england,) = view(ledger.views, "specialised-delegation", as_at=KNOWN, group="england")
    assert england["moved_to_icbs_pence"] == sum(expected("specialised").values())
    assert england["transferred_from_pence"] == 700_000
    assert "the rest ICB side only (no counterparty named)" in england["nhs_england_side"]


def test_national_position_shows_icb_allocations_by_service(ledger):
    (row,) = view(ledger.views, "national-position", year=YEAR, as_at=KNOWN)
    for service in SERVICES:
        want = sum(expected(service).values())
        assert row[f"{service.replace('-', '_')}_pence"] == (want or None), service
    assert row["ccg_allocations_pence"] == sum(expected().values())


# --- the real events/ ------------------------------------------------------------------

ICB_FILES = sorted(REPOSITORY.glob("events/*/icb-allocations.jsonl"))
CELLS = REPOSITORY / "data" / "icb_allocations_2023_24_to_2025_26_cells.csv"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("icb-published")
    store, views = str(folder / "ledger.db"), str(folder / "views.db")

    def invoke(*args: str):
        return CliRunner().invoke(main, ["--store", store, "--views", views, *args])

    imported = invoke("import", str(REPOSITORY / "events"))
    assert imported.exit_code == 0, imported.output
    assert invoke("rebuild").exit_code == 0
    invoke.views = Path(views)  # type: ignore[attr-defined]
    return invoke


def shipped_records() -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in ICB_FILES
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def shipped_allocations() -> dict[tuple[str, str, str], int]:
    """(year, ICB, service) -> pence: the allocation records of the ICB files, with the
    corrections among them applied (the files hold no transfers and no errata fix them)."""
    records = shipped_records()
    amounts = {r["id"]: r for r in records if r["kind"] == "allocation"}
    live = {record_id: record["amount_pence"] for record_id, record in amounts.items()}
    for record in records:
        if record["kind"] == "correction" and record["corrects"] in amounts:
            live[record["corrects"]] = (
                0 if record["action"] == "reverse" else record["amount_pence"]
            )
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    for record_id, record in amounts.items():
        totals[record["financial_year"], record["account"], record["service"]] += live[record_id]
    return dict(totals)


def test_the_real_data_holds_the_icb_allocations():
    assert [path.parent.name for path in ICB_FILES] == ["2023-24", "2024-25", "2025-26"]
    assert {r["kind"] for r in shipped_records()} >= {"allocation", "figure", "correction"}


def test_there_are_42_icbs_in_2023_24_each_with_allocations(published):
    rows = view(published.views, "icb-budgets", year="2023-24")
    assert len(rows) == 42
    assert all(row["allocation_pence"] > 0 and row["steps"] > 0 for row in rows)
    assert len({row["region"] for row in rows}) == 7


@pytest.mark.parametrize("year", ["2023-24", "2024-25", "2025-26"])
def test_real_icb_budgets_by_service_are_the_sum_of_the_allocation_records(published, year):
    shipped = shipped_allocations()
    services = sorted({service for (y, _, service) in shipped if y == year})
    assert services
    for service in services:
        rows = view(published.views, "icb-budgets", year=year, service=service)
        assert {row["code"]: row["allocation_pence"] for row in rows} == {
            icb: pence for (y, icb, s), pence in shipped.items() if y == year and s == service
        }, service
        (england,) = view(
            published.views, "icb-budgets", year=year, service=service, group="england"
        )
        assert england["allocation_pence"] == sum(row["allocation_pence"] for row in rows)
    every = view(published.views, "icb-budgets", year=year, group="region")
    assert sum(row["allocation_pence"] for row in every) == sum(
        pence for (y, _, _), pence in shipped.items() if y == year
    )


def test_real_icb_budgets_agree_with_the_reported_totals_within_their_tolerance(published):
    tolerances = {
        (r["account"], r["financial_year"], r["service"]): r.get("tolerance_pence", 0)
        for r in shipped_records()
        if r["kind"] == "figure" and r["measure"] == "total-allocation"
    }
    checked = 0
    for year in ("2023-24", "2024-25", "2025-26"):
        for service in SERVICES:
            for row in view(published.views, "icb-budgets", year=year, service=service):
                if row["reported_total_pence"] is not None:
                    tolerance = tolerances[row["code"], year, service]
                    assert abs(row["difference_pence"]) <= tolerance, (row, tolerance)
                    checked += 1
    assert checked >= 42 * 8


def test_real_audit_of_a_specialised_baseline_walks_every_step_with_its_cell(published):
    result = published(
        "audit", "QOQ", "allocation", "--year", "2025-26", "--service", "specialised",
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    steps = [
        r for r in shipped_records()
        if r["kind"] == "allocation" and r["account"] == "QOQ"
        and r["service"] == "specialised" and r["financial_year"] == "2025-26"
    ]  # fmt: skip
    assert [row["record"] for row in rows] == [r["id"] for r in steps]
    assert [row["note"] for row in rows] == [r["step"] for r in steps]
    assert rows[0]["note"] == "2024/25 Opening allocation (£k)"
    assert rows[0]["source"].endswith("sheet Specialised Baseline 2025-26 cell E3")
    notes = [row["note"] for row in rows]
    for label in ("Remove delegated orange acute", "SPA recategorisation"):
        assert any(label in note for note in notes), label
    total = next(
        r for r in shipped_records()
        if r["kind"] == "figure" and r["measure"] == "total-allocation"
        and r["account"] == "QOQ" and r.get("service") == "specialised"
    )  # fmt: skip
    assert abs(rows[-1]["after_pence"] - total["amount_pence"]) <= total["tolerance_pence"]


def cell_pence(sheet: str, cell: str) -> int:
    with CELLS.open(newline="", encoding="utf-8") as lines:
        (row,) = [r for r in csv.DictReader(lines) if (r["sheet"], r["cell"]) == (sheet, cell)]
    return int(Decimal(row["value"]) * 100_000)


def test_specialised_delegation_shows_the_england_physical_health_and_hcdd_allocation(published):
    (england,) = view(published.views, "specialised-delegation", group="england")
    england_cell = cell_pence("Specialised Allocations 2025-26", "J54")
    assert england_cell == 20_724_410 * 100_000  # £20,724,410k, as the issue gives it
    assert england["physical_health_hcdd_allocation_pence"] == england_cell
    assert england["icbs"] == 42
    assert england["transferred_from_pence"] == 0
    assert england["nhs_england_side"].startswith("ICB side only")
    assert england["moved_to_icbs_pence"] == sum(
        pence for (y, _, s), pence in shipped_allocations().items()
        if (y, s) == ("2025-26", "specialised")
    )  # fmt: skip
    regions = view(published.views, "specialised-delegation", group="region")
    assert len(regions) == 7
    for column in ("physical_health_baseline_pence", "delegated_mh_baseline_pence",
                   "growth_pence", "specialised_allocation_pence"):  # fmt: skip
        assert sum(row[column] for row in regions) == england[column], column


def test_real_national_position_sets_icb_services_beside_the_revenue_limit(published):
    shipped = shipped_allocations()
    for year in ("2023-24", "2024-25", "2025-26"):
        (row,) = view(published.views, "national-position", year=year)
        assert row["revenue_limit_pence"] is not None
        for service in SERVICES:
            want = sum(p for (y, _, s), p in shipped.items() if (y, s) == (year, service))
            assert row[f"{service.replace('-', '_')}_pence"] == (want or None), (year, service)
