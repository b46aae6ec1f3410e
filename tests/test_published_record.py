"""The shipped history in events/ imports cleanly and agrees with the public data in data/."""

import csv
import json
from collections import defaultdict

from conftest import REPOSITORY

from ledger.data.published_data import main as published_data


def test_the_generated_files_in_events_match_the_data_they_come_from():
    assert (
        published_data(
            ["--data", str(REPOSITORY / "data"), "--events", str(REPOSITORY / "events"), "--check"]
        )
        == 0
    )


def test_the_shipped_history_imports_into_a_new_store(run):
    result = run("import", str(REPOSITORY / "events"))
    assert result.exit_code == 0, result.output
    assert run("import", str(REPOSITORY / "events")).output.startswith("Recorded 0 new records")


def test_the_ledger_knows_the_211_ccgs_of_2013_with_area_team_and_region(run):
    run("import", str(REPOSITORY / "events"))
    rows = [json.loads(line) for line in run("export").stdout.splitlines()]
    ccgs = {
        row["id"]: row for row in rows if row["kind"] == "organisation" and row["type"] == "ccg"
    }
    of_2013 = {code: row for code, row in ccgs.items() if row["opened"] == "2013-04-01"}
    assert len(of_2013) == 211
    successors = {row["organisation"] for row in rows if row["kind"] == "merger"}
    assert set(ccgs) - set(of_2013) <= successors  # the rest were formed by mergers
    assert ccgs["06H"]["area_team"] == "Q56" and ccgs["06H"]["region"] == "Y55"
    by_region = defaultdict(int)
    for row in of_2013.values():
        by_region[row["region"]] += 1
    assert dict(by_region) == {"Y54": 68, "Y55": 61, "Y56": 32, "Y57": 50}


def test_allocation_totals_match_the_data_file(run):
    run("import", str(REPOSITORY / "events"))
    exported = [json.loads(line) for line in run("export").stdout.splitlines()]
    ledger_totals = defaultdict(int)
    for row in exported:
        if row["kind"] == "allocation" and row["source"] == "data-ccg-allocations":
            ledger_totals[row["financial_year"]] += row["amount_pence"]
    with (REPOSITORY / "data" / "ccg_allocations_2013_14_to_2015_16.csv").open() as lines:
        file_totals = defaultdict(int)
        for row in csv.DictReader(lines):
            file_totals[row["financial_year"]] += int(row["allocation_gbp_000"]) * 1000 * 100
    assert dict(ledger_totals) == dict(file_totals)
    # The totals the data's publisher states, in £ thousands:
    assert ledger_totals["2013-14"] == 62_743_712 * 1000 * 100
    assert ledger_totals["2014-15"] == 64_336_427 * 1000 * 100
    assert ledger_totals["2015-16"] == 66_787_000 * 1000 * 100
