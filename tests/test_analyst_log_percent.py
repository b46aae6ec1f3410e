"""`ledger log` shows a recorded percentage as the views do: to 12 decimal places,
trailing zeros dropped (4.369999999999985, a spreadsheet's binary noise, is 4.37%), in
its value, in what a correction put in force and in what an erratum set, in every
format; and audit's row for an erratum says so too. The record keeps its digits."""

from __future__ import annotations

import csv
import io
import json

import pytest
from factories import correction, figure, world, write_jsonl
from stores import published_ledger, succeeding
from test_analyst_percent_noise import recorded_percent
from test_errata_lifecycle import erratum

Y60_BASE_GROWTH = "icb25/icb-core-allocations-2025-26/H49"
Y60_CONVERGENCE = "icb25/icb-core-allocations-2025-26/I49"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return succeeding(published_ledger(tmp_path_factory.mktemp("log-percent")))


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(
        line for line in text.splitlines(keepends=True) if not line.startswith("head:")
    ))))  # fmt: skip


def test_log_shows_a_spreadsheet_percentage_as_the_views_do_in_every_format(ledger):
    assert recorded_percent(Y60_BASE_GROWTH) == "4.369999999999985"  # as recorded
    assert recorded_percent(Y60_CONVERGENCE) == "-0.09167321254099914"
    asked = ("log", "--account", "Y60", "--year", "2025-26", "--kind", "figure")
    by_id = {row["id"]: row for row in json.loads(ledger(*asked, "--format", "json").stdout)}
    assert by_id[Y60_BASE_GROWTH]["value"] == "4.37%"
    assert by_id[Y60_CONVERGENCE]["value"] == "-0.091673212541%"
    by_id = {row["id"]: row for row in csv_rows(ledger(*asked, "--format", "csv").stdout)}
    assert by_id[Y60_BASE_GROWTH]["value"] == "4.37%"
    table = ledger(*asked).stdout
    (line,) = [line for line in table.splitlines() if Y60_BASE_GROWTH + " " in line]
    assert " 4.37% " in line and "4.3699" not in table


def test_log_shows_each_percentage_as_the_audit_view_does(ledger):
    asked = ("log", "--account", "Y60", "--year", "2025-26", "--kind", "figure")
    logged = {
        row["id"]: row["value"]
        for row in json.loads(ledger(*asked, "--format", "json").stdout)
        if row["value"] and row["value"].endswith("%")
    }
    assert len(logged) >= 10
    for measure in (
        "distance-from-target-percent", "base-growth-percent", "convergence-percent",
        "recurrent-allocation-growth-percent",
    ):  # fmt: skip
        audit = ledger("view", "audit", "-p", "account", "Y60", "-p", "measure", measure,
                       "-p", "year", "2025-26", "--format", "json")  # fmt: skip
        rows = [row for row in json.loads(audit.stdout) if row["record_id"] in logged]
        assert rows, measure
        for row in rows:
            assert logged[row["record_id"]] == f"{row['percent']}%", row["record_id"]


def test_a_correction_and_an_erratum_of_a_percentage_are_shown_the_same_way(run, tmp_path):
    history = [
        *world(),
        figure("growth", "growth-percent", percent="4.369999999999985", as_at="2013-06-01"),
        figure("share", "share-percent", percent="2.5", as_at="2013-06-01"),
        correction("fix-growth", "growth", action="replace", percent="5.2799999999999944",
                   as_at="2013-07-01"),
        erratum("fix-share", "share", set={"percent": "1.0000000000000002"}),
    ]  # fmt: skip
    assert run("import", str(write_jsonl(tmp_path / "h.jsonl", history))).exit_code == 0
    result = run("log", "--format", "json")
    assert result.exit_code == 0, result.output
    by_id = {row["id"]: row for row in json.loads(result.stdout)}
    assert by_id["growth"]["value"] == "4.37%"
    assert by_id["growth"]["in_force"] == "replaced by fix-growth: 5.28%"
    assert by_id["fix-growth"]["value"] == "5.28%"
    assert by_id["fix-share"]["detail"] == "fixes share: percent 1"
    table = run("log").stdout
    assert "5.2799" not in table and "4.3699" not in table and "1.0000" not in table
    audit = run("audit", "ccg-sector", "share-percent", "--format", "json")
    assert audit.exit_code == 0, audit.output
    (noted,) = [row for row in json.loads(audit.stdout) if row["kind"] == "erratum"]
    assert noted["note"] == "erratum recorded 2026-01-05: percent 2.5 -> 1"
