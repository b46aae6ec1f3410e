"""icb-budgets for a service the year's workbooks do not give shows no allocation rather
than £0.00 for every ICB, and says which services the year has (noticed in issue 21).

The 2023-24 workbook has no pharmacy, optometry and dental (pod) sheet, though ICBs held
those budgets that year: the view said each ICB's 2023-24 pod allocation was £0.00. As
at 1 January 2024 only the running-cost allowances of 2025-26 were known, and it said
England's 2025-26 core allocation was £0.00.
"""

from __future__ import annotations

import json

import pytest
from stores import published_ledger


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("icb-missing-service"))


def asked(ledger, *params):
    result = ledger("view", "icb-budgets", *params, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr.strip()


def test_a_service_the_year_does_not_have_shows_no_allocation_and_says_so(ledger):
    rows, note = asked(ledger, "-p", "year", "2023-24", "-p", "service", "pod")
    assert len(rows) == 42
    assert {(r["allocation_pence"], r["steps"]) for r in rows} == {(None, 0)}
    assert note == (
        "(no pod allocations are recorded for 2023-24, so none is shown; the services "
        "recorded: core, other-primary-care, primary-medical-care, running-costs)"
    )


def test_a_service_not_yet_known_by_as_at_says_when_it_became_known(ledger):
    rows, note = asked(
        ledger, "-p", "year", "2025-26", "-p", "service", "core", "-p", "as_at", "2024-01-01",
        "-p", "group", "england",
    )  # fmt: skip
    assert [(r["code"], r["icbs"], r["allocation_pence"]) for r in rows] == [("england", 42, None)]
    assert note == (
        "(no core allocations are recorded for 2025-26 known by 2024-01-01, so none is shown; "
        "the services recorded: running-costs; the first core allocation became known on "
        "2025-03-17)"
    )


def test_a_service_the_year_has_still_adds_up(ledger):
    rows, note = asked(
        ledger, "-p", "year", "2025-26", "-p", "service", "core", "-p", "group", "england"
    )
    assert [(r["icbs"], r["allocation_pence"], r["steps"]) for r in rows] == [
        (42, 12_434_577_858_139, 959)
    ]
    assert note == ""
    everything, note = asked(ledger, "-p", "year", "2023-24", "-p", "group", "england")
    assert everything[0]["allocation_pence"] == 12_224_764_998_868 and note == ""
