"""A later forecast that does not say whether the deficit was planned keeps the earlier
forecast's classification, and says it was carried (issue 20, item 8)."""

from __future__ import annotations

import csv
import shutil
import sqlite3

import pytest
from click.testing import CliRunner
from conftest import REPOSITORY

from ledger.cli import main


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forecast-carry")
    result = CliRunner().invoke(
        main,
        ["--store", str(folder / "ledger.db"), "--views", str(folder / "views.db"),
         "import", str(REPOSITORY / "events")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return folder / "ledger.db"


@pytest.fixture
def ledger(imported, tmp_path):
    """A copy of the imported store of its own (the views are rebuilt from it)."""
    shutil.copy(imported, tmp_path / "ledger.db")
    views = tmp_path / "views.db"

    def invoke(*args):
        result = CliRunner().invoke(
            main, ["--store", str(tmp_path / "ledger.db"), "--views", str(views), *args]
        )
        assert result.exit_code == 0, result.output
        return result.output

    invoke.views = views
    return invoke


def rows(ledger):
    return list(
        csv.DictReader(
            ledger(
                "view", "deficit-forecasts", "-p", "year", "2013-14", "--format", "csv"
            ).splitlines()
        )
    )


def row_of(ledger, code):
    (found,) = [r for r in rows(ledger) if r["row"] == "itemised" and r["code"] == code]
    return found


def unplanned_itemised(ledger):
    (sector,) = [
        r for r in rows(ledger)
        if r["row"] == "reported count" and r["code"] == "ccg-sector" and r["status"] == "unplanned"
    ]  # fmt: skip
    return int(sector["itemised"])


def forecast(ledger, period, amount, *deficit):
    return ledger(
        "record", "forecast", "--account", "06H", "--year", "2013-14", "--period", period,
        "--amount", amount, "--as-at", "2014-02-15", "--source", "2ed371ee3bf9cfd1",
        "--locator", "para 10", *deficit,
    )  # fmt: skip


def recorded_forecast(ledger):
    """The id of 06H's forecast as the shipped events record it (read from the views)."""
    with sqlite3.connect(ledger.views) as connection:
        ((record_id, deficit),) = connection.execute(
            "SELECT record_id, deficit FROM postings WHERE measure = 'forecast' AND account = '06H'"
        ).fetchall()
    return record_id, deficit


def test_a_forecast_without_deficit_keeps_the_earlier_classification(ledger):
    before = row_of(ledger, "06H")
    earlier, said = recorded_forecast(ledger)
    assert before["status"] == said == "unplanned"
    counted = unplanned_itemised(ledger)

    forecast(ledger, "M9", "-£9.1m")
    after = row_of(ledger, "06H")
    assert after["period"] == "M9" and int(after["forecast_pence"]) == -910_000_000
    assert after["status"] == f"unplanned (carried from {earlier})"
    assert unplanned_itemised(ledger) == counted  # still counted as unplanned


def test_a_forecast_that_says_replaces_the_classification(ledger):
    counted = unplanned_itemised(ledger)
    forecast(ledger, "M9", "-£9.1m", "--deficit", "planned")
    assert row_of(ledger, "06H")["status"] == "planned"
    assert unplanned_itemised(ledger) == counted - 1
    # and a still later one that does not say carries the planned one on
    with sqlite3.connect(ledger.views) as connection:
        (planned,) = connection.execute(
            "SELECT record_id FROM postings WHERE account = '06H' AND period = 'M9'"
        ).fetchone()
    forecast(ledger, "M10", "-£9.5m")
    assert row_of(ledger, "06H")["status"] == f"planned (carried from {planned})"
