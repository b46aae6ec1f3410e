"""A figure that supersedes and is recorded per service (an ICB-era base-growth percent,
one for each service's sheet) is a figure per service: audit without --service steps
each service's rows from that service's value, not one service's into another's, names
the service on each row and says on stderr that --service picks one; diff and chart,
which take one figure, refuse it (noticed in issue 21)."""

from __future__ import annotations

import json

import pytest
from stores import published_ledger

SHEETS = "icb25/{}/H54"
CORE = SHEETS.format("icb-core-allocations-2025-26")
SPECIALISED = SHEETS.format("specialised-allocations-2025-26")
PMC = SHEETS.format("pmc-allocation-2025-26")
POD = "icb25/pod-allocation-2025-26/F61"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("audit-services"))


def steps(ledger, *args: str) -> list[tuple]:
    result = ledger("audit", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return [
        (row["record"], row["before"], row["change"], row["after"], row["note"])
        for row in json.loads(result.stdout)
    ]


def test_each_service_steps_from_its_own_value_not_another_services(ledger):
    assert steps(ledger, "icb-sector", "base-growth-percent", "--year", "2025-26") == [
        (CORE, None, "4.37", "4.37", "core service"),
        (SPECIALISED, None, "5.28", "5.28", "specialised service"),
        (PMC, None, "3.09", "3.09", "primary-medical-care service"),
        (POD, None, "3.47", "3.47", "pod service"),
    ]


def test_the_audit_says_the_figure_is_per_service_and_how_to_pick_one(ledger):
    result = ledger("audit", "icb-sector", "base-growth-percent", "--year", "2025-26")
    assert result.exit_code == 0, result.output
    assert "stepped" not in result.stdout
    assert result.stderr.strip() == (
        "(icb-sector's base-growth-percent for 2025-26 is recorded per service (core, pod, "
        "primary-medical-care, specialised), each a figure of its own: --service picks one)"
    )


def test_an_icbs_figure_per_service_is_kept_apart_too(ledger):
    rows = steps(ledger, "QOQ", "distance-from-target-percent", "--year", "2025-26")
    assert [(before, note) for _, before, _, _, note in rows] == [
        (None, "core service"),
        (None, "specialised service"),
        (None, "primary-medical-care service"),
    ]
    assert rows[0][3] == "1.262364866582"  # core's own figure, not specialised's


def test_one_service_audits_as_before_with_no_note(ledger):
    result = ledger("audit", "icb-sector", "base-growth-percent", "--service", "pod")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(
        ledger(
            "audit", "icb-sector", "base-growth-percent", "--service", "pod", "--format", "json"
        ).stdout
    )
    assert (row["record"], row["before"], row["after"], row["note"]) == (POD, None, "3.47", "")
    assert result.stderr == ""


def test_allocations_of_several_services_still_add_up_to_one_figure(ledger):
    result = ledger("audit", "QOQ", "allocation", "--year", "2025-26", "--format", "json")
    rows = json.loads(result.stdout)
    assert len({row["note"].split(";")[0] for row in rows}) > 1
    assert all(row["before_pence"] is not None for row in rows)
    assert rows[-1]["after_pence"] == sum(row["change_pence"] for row in rows)
    assert "per service" not in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("diff", "icb-sector", "--measure", "base-growth-percent", "--from", "2025-01-01",
         "--to", "2025-12-01"),
        ("chart", "icb-sector", "base-growth-percent", "-o", "growth.png"),
    ],
)  # fmt: skip
def test_diff_and_chart_refuse_a_figure_per_service(ledger, command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = ledger(*command)
    assert result.exit_code == 1
    assert "is recorded per service (core, pod, primary-medical-care, specialised)" in (
        result.output
    )
    assert "audit icb-sector base-growth-percent --service core" in result.output
    assert not (tmp_path / "growth.png").exists()
