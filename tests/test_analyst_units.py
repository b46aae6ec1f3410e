"""Issue 20, item 4: --units pounds|k|m|bn on the commands that print rows, and
--format xlsx -o FILE, a spreadsheet with a header row and typed cells."""

import csv
import io
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from conftest import REPOSITORY
from processes import run_ledger

from ledger.cli import main
from ledger.cli.output import format_money

REGIONS = ["view", "ccg-budgets", "-p", "year", "2013-14", "-p", "group", "region"]


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    folder = tmp_path_factory.mktemp("units")
    store, views = str(folder / "ledger.db"), str(folder / "views.db")
    result = CliRunner().invoke(
        main, ["--store", store, "--views", views, "import", str(REPOSITORY / "events")]
    )
    assert result.exit_code == 0, result.output
    return folder, store, views


@pytest.fixture(scope="module")
def ledger(paths):
    _, store, views = paths

    def invoke(*args):
        return CliRunner().invoke(main, ["--store", store, "--views", views, *args])

    return invoke


@pytest.fixture(scope="module")
def regions(ledger):
    """The 2013-14 allocations by region, in pence, as JSON gives them."""
    result = ledger(*REGIONS, "--format", "json")
    assert result.exit_code == 0, result.output
    return {row["code"]: row["allocation_pence"] for row in json.loads(result.stdout)}


@pytest.mark.parametrize(
    ("units", "north"),
    [(None, "£19,379,212,000.00"), ("pounds", "£19,379,212,000.00"), ("k", "£19,379,212k"),
     ("m", "£19,379.2m"), ("bn", "£19.38bn")],
)  # fmt: skip
def test_a_table_prints_money_in_the_units_asked(ledger, regions, units, north):
    assert regions["Y54"] == 1_937_921_200_000  # North of England, the figure
    result = ledger(*REGIONS, *(["--units", units] if units else []))
    assert result.exit_code == 0, result.output
    for pence in regions.values():
        assert format_money(pence, units or "pounds") in result.stdout
    north_line = next(line for line in result.stdout.splitlines() if line.startswith("Y54 "))
    assert f"  {north}  " in north_line


def test_csv_is_integer_pence_unless_units_are_given(ledger, regions):
    plain = list(csv.DictReader(io.StringIO(ledger(*REGIONS, "--format", "csv").stdout)))
    assert {row["code"]: int(row["allocation_pence"]) for row in plain} == regions
    result = ledger(*REGIONS, "--format", "csv", "--units", "k")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "allocation_pence" not in rows[0]
    assert {row["code"]: Decimal(row["allocation_pounds_k"]) for row in rows} == {
        code: Decimal(pence) / 100_000 for code, pence in regions.items()
    }
    millions = list(
        csv.DictReader(io.StringIO(ledger(*REGIONS, "--format", "csv", "--units", "m").stdout))
    )
    assert millions[0]["allocation_pounds_m"] == "19379.212"


def test_json_is_always_pence(ledger):
    result = ledger(*REGIONS, "--format", "json", "--units", "m")
    assert result.exit_code == 2
    assert (
        result.stderr.splitlines()[-1]
        == "Error: --units does not apply to json, which is always integer pence"
    )


def test_units_on_audit_and_log(ledger):
    audit = ledger("audit", "06H", "allocation", "--year", "2013-14", "--units", "k")
    assert audit.exit_code == 0, audit.output
    assert "£849,204k" in audit.stdout
    log = ledger(
        "log", "--account", "06H", "--year", "2013-14", "--kind", "allocation", "--units", "m"
    )
    assert "£849.2m" in log.stdout


def test_format_money_rounds_half_away_from_zero():
    assert format_money(-250_000_000, "m") == "-£2.5m"
    assert format_money(-4_999, "k") == "£0k"  # no sign on a figure shown as zero
    assert format_money(-50_000, "k") == "-£1k"
    assert format_money(149_999_999, "bn") == "£0.00bn"
    assert format_money(12_345, "pounds") == "£123.45"


def test_xlsx_is_a_spreadsheet_with_a_header_and_numbers(paths, regions):
    openpyxl = pytest.importorskip("openpyxl")
    folder, store, views = paths
    target = folder / "regions.xlsx"
    done = run_ledger(
        "--store",
        store,
        "--views",
        views,
        *REGIONS,
        "--format",
        "xlsx",
        "--units",
        "m",
        "-o",
        str(target),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    sheet = openpyxl.load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:6] == ("code", "name", "area_team", "region", "ccgs", "allocation (£m)")
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == set(regions)
    money = header.index("allocation (£m)")
    for code, pence in regions.items():
        value = by_code[code][money]
        assert isinstance(value, float)
        assert value == pytest.approx(pence / 100_000_000)
    assert isinstance(by_code["Y54"][header.index("ccgs")], int)
    cell = sheet.cell(row=2, column=money + 1)
    assert cell.data_type == "n"
    assert cell.number_format == "#,##0.0"


def test_xlsx_keeps_text_as_text(paths):
    openpyxl = pytest.importorskip("openpyxl")
    folder, store, views = paths
    target = folder / "text.xlsx"
    done = run_ledger(
        "--store",
        store,
        "--views",
        views,
        "query",
        "SELECT '=1+1' AS f, 5 AS n",
        "--format",
        "xlsx",
        "-o",
        str(target),
    )
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(target).active
    assert sheet["A2"].value == "=1+1"
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 5


def test_xlsx_needs_a_file_and_never_replaces_the_store(paths):
    folder, store, views = paths
    no_file = run_ledger("--store", store, "--views", views, *REGIONS, "--format", "xlsx")
    assert no_file.returncode == 2
    assert (
        no_file.stderr.splitlines()[-1]
        == "Error: --format xlsx writes a file: give -o FILE (e.g. -o rows.xlsx)"
    )
    over_store = run_ledger(
        "--store", store, "--views", views, *REGIONS, "--format", "xlsx", "-o", store, "--force"
    )
    assert over_store.returncode == 1
    assert over_store.stderr.startswith("Error: ")
    assert len(over_store.stderr.splitlines()) == 1
    assert "Traceback" not in over_store.stderr


def test_o_writes_csv_to_a_file_in_place_of_the_old_one(paths, regions):
    folder, store, views = paths
    target = folder / "regions.csv"
    first = run_ledger(
        "--store", store, "--views", views, *REGIONS, "--format", "csv", "-o", str(target)
    )
    assert first.returncode == 0, first.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert {row["code"]: int(row["allocation_pence"]) for row in rows} == regions
    target.write_text("mine\n", encoding="utf-8")
    again = run_ledger(
        "--store", store, "--views", views, *REGIONS, "--format", "csv", "-o", str(target)
    )
    assert again.returncode == 0, again.stderr
    assert target.read_text(encoding="utf-8").startswith("code,name,")


def test_help_says_what_the_options_do(ledger):
    text = ledger("view", "--help").stdout
    assert "--units [pounds|k|m|bn]" in text
    assert "xlsx writes a spreadsheet" in text
