"""A percentage read from a spreadsheet is a binary fraction whose last digits are noise:
England's specialised base growth for 2025-26 is the cell 0.052799999999999944, recorded
as 5.2799999999999944, and the sheet prints 5.28%. The views that show a recorded
percentage (specialised-delegation, qipp, audit and what audit, diff and chart make of
it) show it to 12 decimal places, trailing zeros dropped, in tables, CSV and JSON alike;
the digits the sheet computed stay."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from conftest import REPOSITORY
from stores import published_ledger, succeeding

SHEET = "icb25/specialised-allocations-2025-26/"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return succeeding(published_ledger(tmp_path_factory.mktemp("percent-noise")))


def recorded_percent(record_id: str) -> str:
    """The percentage a record of events/ holds, as written there."""
    for path in sorted((REPOSITORY / "events").rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("id") == record_id:
                return str(record["percent"])
    raise AssertionError(f"{record_id} is not in events/")


def shown(percent: str) -> str:
    """A percentage to 12 decimal places, trailing zeros dropped."""
    return format(Decimal(percent).quantize(Decimal("1e-12")).normalize(), "f")


def test_england_base_growth_is_5_28_in_every_format(ledger):
    england = recorded_percent(SHEET + "H54")
    assert england == "5.2799999999999944"  # the noise, as recorded
    args = ("view", "specialised-delegation", "-p", "group", "england")
    (row,) = json.loads(ledger(*args, "--format", "json").stdout)
    assert row["base_growth_percent"] == "5.28"
    assert row["convergence_percent"] == shown(recorded_percent(SHEET + "I54"))
    (line,) = csv.DictReader(io.StringIO(ledger(*args, "--format", "csv").stdout))
    assert line["base_growth_percent"] == "5.28"
    table = ledger(*args).stdout
    assert " 5.28 " in table and "5.2799" not in table


def test_no_percentage_of_the_specialised_view_carries_float_noise(ledger):
    for group in ("icb", "region", "england"):
        rows = json.loads(
            ledger(
                "view", "specialised-delegation", "-p", "group", group, "--format", "json"
            ).stdout
        )
        for row in rows:
            for column in ("base_growth_percent", "convergence_percent"):
                value = row[column]
                assert value == shown(value), (group, row["code"], column, value)
    # an ICB's own percentage keeps the digits the sheet computed
    (qoq,) = [
        row
        for row in json.loads(ledger("view", "specialised-delegation", "--format", "json").stdout)
        if row["code"] == "QOQ"
    ]
    assert qoq["base_growth_percent"] == shown(recorded_percent(SHEET + "H3"))
    assert qoq["base_growth_percent"].startswith("5.570197719")


def test_audit_of_a_percentage_shows_the_figures_the_sheets_print(ledger):
    rows = json.loads(
        ledger(
            "audit", "icb-sector", "base-growth-percent", "--year", "2025-26", "--format", "json"
        ).stdout
    )
    by_record = {row["record"]: row for row in rows if row["kind"] == "figure"}
    specialised = by_record[SHEET + "H54"]
    # each service's percentage is a figure of its own: it steps from nothing, not from
    # another service's
    assert (specialised["before"], specialised["after"], specialised["change"]) == (
        None,
        "5.28",
        "5.28",
    )
    core = by_record["icb25/icb-core-allocations-2025-26/H54"]
    assert (core["after"], core["change"]) == ("4.37", "4.37")
    assert recorded_percent("icb25/icb-core-allocations-2025-26/H54") == "4.369999999999985"


def test_a_reported_percentage_that_had_no_noise_is_shown_as_recorded(ledger):
    rows = json.loads(ledger("view", "qipp", "-p", "year", "2013-14", "--format", "json").stdout)
    reported = {row["code"]: row["reported_shortfall_percent"] for row in rows}
    assert reported["direct-commissioning"] == "12.9"
    assert reported["public-health"] == "38"
