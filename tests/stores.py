"""Building real stores and views databases for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger.records.located import Located
from ledger.records.models import parse_record
from ledger.views.projections import bind, load_projections, run
from ledger.views.refresh import caught_up
from ledger.writing.ledger import Ledger

PROJECTIONS = load_projections([Path(__file__).resolve().parent.parent / "projections"])


def append(ledger: Ledger, records: list[dict[str, Any]]) -> list[int]:
    """Append records through the application, failing the test on any problem."""
    batch = ledger.prepare(
        [Located(f"test:{n}", parse_record(r)) for n, r in enumerate(records, 1)]
    )
    assert batch.problems == [], [str(problem) for problem in batch.problems]
    return ledger.append(batch)


def new_store(path: Path, records: list[dict[str, Any]]) -> Ledger:
    ledger = Ledger(str(path))
    append(ledger, records)
    return ledger


def view(views_path: Path, view_name: str, **params: str) -> list[dict[str, Any]]:
    """A named view's rows from a views database, as `ledger view` runs it."""
    projection = PROJECTIONS[view_name]
    return run(views_path, projection.sql, bind(projection, params))


def caught_up_view(
    ledger: Ledger, views_path: Path, view_name: str, **params: str
) -> list[dict[str, Any]]:
    caught_up(ledger, views_path).close()
    return view(views_path, view_name, **params)
