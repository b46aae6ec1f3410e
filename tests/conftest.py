from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A path for a new SQLite event store."""
    return str(tmp_path / "ledger.db")


@pytest.fixture
def run(store: str) -> Callable[..., Result]:
    """Run the ledger CLI against the test's store, as a user would type it."""

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, ["--store", store, *args], catch_exceptions=False)

    return invoke
