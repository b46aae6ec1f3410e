"""Building real stores and views databases for tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from factories import allocation, world, write_jsonl

from ledger.cli import main
from ledger.records.located import Located
from ledger.records.models import parse_record
from ledger.views.projections import bind, load_projections, run
from ledger.views.refresh import caught_up
from ledger.writing.ledger import Batch, Ledger

REPOSITORY = Path(__file__).resolve().parent.parent
PROJECTIONS = load_projections([REPOSITORY / "projections"])


def published_ledger(folder: Path) -> Callable[..., Result]:
    """The published record (events/) imported into a store in ``folder`` and its views
    built: a function running ``ledger`` commands on them, which gives the CliRunner
    result; ``.views`` is the views database's path."""
    store, views = str(folder / "ledger.db"), folder / "views.db"

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, ["--store", store, "--views", str(views), *args])

    for command in (("import", str(REPOSITORY / "events")), ("rebuild",)):
        result = invoke(*command)
        assert result.exit_code == 0, result.output
    invoke.views = views  # type: ignore[attr-defined]
    return invoke


def ledger_on(folder: Path, store: str = "ledger.db", views: str = "views.db") -> Any:
    """A function running ``ledger`` commands on a store and views database of their own in
    ``folder`` (an exception is raised, not caught); ``.store`` is the store's path."""
    common = ["--store", str(folder / store), "--views", str(folder / views)]

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, [*common, *args], catch_exceptions=False)

    invoke.store = common[1]  # type: ignore[attr-defined]
    return invoke


def world_store(folder: Path) -> str:
    """A SQLite store in ``folder`` holding the world the factories name and one
    allocation (06H's): its path."""
    invoke = ledger_on(folder)
    history = write_jsonl(folder / "world.jsonl", [*world(), allocation()])
    assert invoke("import", str(history)).exit_code == 0
    return str(invoke.store)


def plant(store: str, *records: dict[str, Any]) -> None:
    """Write records straight into the store, past the checks import makes."""
    with Ledger(store) as planting:
        planting.append(Batch(new=[Located("planted", parse_record(r)) for r in records]))


def succeeding(invoke: Callable[..., Result]) -> Callable[..., Result]:
    """``invoke`` failing the test when a command does not succeed (``.run`` is
    ``invoke`` itself, for a command expected to fail)."""

    def run(*args: str) -> Result:
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        return result

    run.views = invoke.views  # type: ignore[attr-defined]
    run.run = invoke  # type: ignore[attr-defined]
    return run


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
