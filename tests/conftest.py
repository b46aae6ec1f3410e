from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from backends import BACKENDS, postgres_schema_url
from click.testing import CliRunner, Result

from ledger.cli import main

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty event store: a SQLite file, or a schema of its own on the PostgreSQL
    server, dropped after the test. Tests that take it run once on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.db")
    else:
        yield from postgres_schema_url()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> str:
    """A path for a new SQLite event store, for tests about the SQLite file itself."""
    return str(tmp_path / "ledger.db")


@pytest.fixture
def run(store: str, tmp_path: Path) -> Callable[..., Result]:
    """Run the ledger CLI against the test's store, as a user would type it, with its
    views in the test's folder (not a views.db in the folder the tests run from)."""
    views = str(tmp_path / "views.db")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(
            main, ["--store", store, "--views", views, *args], catch_exceptions=False
        )

    return invoke


@pytest.fixture
def postgres_store() -> Iterator[str]:
    """A new, empty store in a schema of its own on the PostgreSQL server."""
    yield from postgres_schema_url()
