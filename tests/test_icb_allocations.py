"""NHS England's ICB allocation workbooks as events: import the real events/ and compare
what the views hold with the cells file in data/, read here on its own (the cells are
turned into pence and percentages again by this test's own code)."""

import csv
import json
import re
import sqlite3
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from click.testing import CliRunner
from conftest import REPOSITORY

from ledger.cli import main

CELLS = REPOSITORY / "data" / "icb_allocations_2023_24_to_2025_26_cells.csv"
SPECIALISED_BASELINE = "Specialised Baseline 2025-26"


def read_cells():
    with CELLS.open(newline="", encoding="utf-8") as lines:
        return list(csv.DictReader(lines))


def number(value):
    text = value.strip().replace(",", "")
    if text in ("-", ""):
        return Decimal(0)
    return Decimal(text.rstrip("%").strip()) / (100 if text.endswith("%") else 1)


def pence(value):
    """£k as whole pence, half to even."""
    return int((number(value) * 100_000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@pytest.fixture(scope="module")
def views(tmp_path_factory):
    folder = tmp_path_factory.mktemp("icb")
    store, path = str(folder / "ledger.db"), str(folder / "views.db")
    for args in (["import", str(REPOSITORY / "events")], ["check"]):
        result = CliRunner().invoke(main, ["--store", store, "--views", path, *args])
        assert result.exit_code == 0, result.output
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def posting(views, sheet, cell):
    rows = views.execute(
        "SELECT p.*, r.tolerance, r.complete FROM postings AS p "
        "LEFT JOIN reconciled_figures AS r ON r.figure_id = p.record_id "
        "WHERE p.locator = ? AND p.source LIKE 'data-icb-allocations-%' AND p.is_void = 0 "
        "AND p.valid_to IS NULL",
        (f"sheet {sheet} cell {cell}",),
    ).fetchall()
    return rows


def test_42_icbs_have_2023_24_allocations(views):
    accounts = [
        row[0]
        for row in views.execute(
            "SELECT DISTINCT p.account FROM postings AS p JOIN organisations AS o "
            "ON o.code = p.account WHERE p.kind = 'allocation' AND o.type = 'icb' "
            "AND p.financial_year = '2023-24'"
        )
    ]
    icbs = {row["icb_code"] for row in read_cells() if row["row_kind"] == "icb"}
    assert len(accounts) == 42 and set(accounts) == icbs


def test_every_sheet_s_icb_rows_add_up_to_its_total_row_within_the_stated_tolerance(views):
    """Per sheet and £k column: the ICB cells' pence summed, against the England cell (or
    each region's cell where the sheet has no England row), within the tolerance its
    figure states; where the figure says its ICB rows are not all its parts (NHS England's
    own regional rows), the cell is off their sum by more than that."""
    icb_sum = defaultdict(int)
    totals = []
    for row in read_cells():
        column = re.sub(r"[0-9]", "", row["cell"])
        key = (row["workbook"], row["sheet"], column)
        if row["row_kind"] == "icb":
            icb_sum[key + ("england",)] += pence(row["value"])
            icb_sum[key + (row["region_code"],)] += pence(row["value"])
        else:
            totals.append((key, row["region_code"] or "england", row))
    checked = defaultdict(int)
    for key, who, row in totals:
        # A cell can be two figures: the 2023/24 other primary care allocation also opens 2024/25.
        for figure in posting(views, row["sheet"], row["cell"]):
            if figure["tolerance"] is None:  # a percentage or £ per head: not a sum
                continue
            residual = figure["amount_pence"] - icb_sum[key + (who,)]
            assert figure["amount_pence"] == pence(row["value"])
            if figure["complete"] == 0:
                assert abs(residual) > figure["tolerance"], (row["sheet"], row["cell"])
            else:
                assert abs(residual) <= figure["tolerance"], (row["sheet"], row["cell"])
            checked[(row["workbook"], row["sheet"], who == "england")] += 1
    sheets = {(row["workbook"], row["sheet"]) for row in read_cells()}
    totalled = {(row["workbook"], row["sheet"]) for row in read_cells() if row["row_kind"] != "icb"}
    assert len(sheets) == 19 and len(sheets - totalled) == 1  # one sheet has no total row
    for workbook, sheet in totalled:
        assert checked[(workbook, sheet, True)] or checked[(workbook, sheet, False)] >= 7, sheet
    specialised = ("icb_allocations_2025_26.xlsx", SPECIALISED_BASELINE, True)
    assert checked[specialised] == 15  # every £k column


def test_england_specialised_physical_health_and_hcdd_allocation_for_2025_26(views):
    (cell,) = [
        row
        for row in read_cells()
        if row["sheet"] == "Specialised Allocations 2025-26"
        and row["row_kind"] == "england"
        and row["column_label"].startswith("2025/26 Physical health services + HCDD")
    ]
    (figure,) = posting(views, cell["sheet"], cell["cell"])
    assert figure["account"] == "icb-sector" and figure["service"] == "specialised"
    assert figure["amount_pence"] == pence(cell["value"]) == 20_724_410 * 100_000


def test_qoq_specialised_baseline_walks_from_the_opening_cell_to_the_adjusted_baseline(views):
    row_cells = {
        re.sub(r"[0-9]", "", row["cell"]): row
        for row in read_cells()
        if row["sheet"] == SPECIALISED_BASELINE and row["icb_code"] == "QOQ"
    }
    steps = views.execute(
        "SELECT * FROM postings WHERE account = 'QOQ' AND kind = 'allocation' "
        "AND financial_year = '2025-26' AND service = 'specialised' AND is_void = 0 "
        "AND locator LIKE ? ORDER BY position",
        (f"sheet {SPECIALISED_BASELINE} cell %",),
    ).fetchall()
    walked = [step["locator"].rsplit(" ", 1)[1] for step in steps]
    expected = [row_cells[column]["cell"] for column in "EFGHIJKLM"]
    assert walked[:9] == expected  # the opening cell, then every step F..M in order
    for step in steps[:9]:
        cell = row_cells[re.sub(r"[0-9]", "", step["locator"].rsplit(" ", 1)[1])]
        assert step["amount_pence"] == pence(cell["value"])
    (baseline,) = posting(views, SPECIALISED_BASELINE, row_cells["N"]["cell"])
    assert baseline["measure"] == "physical-health-baseline"
    walk = sum(step["amount_pence"] for step in steps[:9])
    assert abs(walk - pence(row_cells["N"]["value"])) <= baseline["tolerance"]
    # Half a penny a cell, and £500 for a cell showing whole £k (L3 is -145): the rule.
    cells = [row_cells[column]["value"] for column in "EFGHIJKLMN"]
    whole = sum(number(value) == number(value).to_integral_value() for value in cells)
    assert baseline["tolerance"] == -(-(len(cells) - whole) // 2) + whole * 50_000
    labels = [
        json.loads(line).get("step")
        for line in (REPOSITORY / "events" / "2025-26" / "icb-allocations.jsonl").open()
        if json.loads(line).get("locator", "").startswith(f"sheet {SPECIALISED_BASELINE} cell ")
        and json.loads(line).get("account") == "QOQ"
        and json.loads(line)["kind"] == "allocation"
    ]
    assert labels[:9] == [row_cells[column]["column_label"] for column in "EFGHIJKLM"]


def test_percentages_are_exact_decimals(views):
    cells = {(row["sheet"], row["cell"]): row["value"] for row in read_cells()}
    stored = 0
    for line in (REPOSITORY / "events").glob("*/icb-allocations.jsonl"):
        for text in line.read_text(encoding="utf-8").splitlines():
            record = json.loads(text)
            if "percent" not in record:
                continue
            assert isinstance(record["percent"], str) and "e" not in record["percent"].lower()
            sheet, cell = re.fullmatch(r"sheet (.+) cell (\w+)", record["locator"]).groups()
            assert Decimal(record["percent"]) == number(cells[(sheet, cell)]) * 100
            stored += 1
    assert stored > 1000
    (growth,) = posting(views, "Specialised Allocations 2025-26", "H54")
    assert growth["unit"] == "percent" and growth["percent"] == "5.2799999999999944"
