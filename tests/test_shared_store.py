"""One store shared by a team, each analyst with a local views database: the same views
wherever they are built, and a store that moves between SQLite and PostgreSQL intact."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from factories import allocation, source, transfer, write_jsonl

from ledger.cli import main
from ledger.views.projections import load_projections

REPOSITORY = Path(__file__).resolve().parent.parent
VIEW_NAMES = sorted(load_projections([REPOSITORY / "projections"]))


def ledger(store: str, views: Path | None, *args: str) -> Result:
    options = ["--store", store] + (["--views", str(views)] if views else [])
    result = CliRunner().invoke(main, [*options, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def every_view(store: str, views: Path) -> dict[str, str]:
    """Each named view's answer with its default parameters, as JSON."""
    answers = {}
    for name in VIEW_NAMES:
        params = ["-p", "account", "06H"] if name == "audit" else []
        answers[name] = ledger(store, views, "view", name, *params, "--format", "json").output
    return answers


def tables(views: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a views database, in a stable order."""
    with sqlite3.connect(views) as db:
        names = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: sorted(_rows(db, name), key=repr) for name in names}


def _rows(db: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    """A table's rows without the row ids SQLite assigns to postings, which depend on how
    the events were paged in (a correction's versions are written after its page)."""
    cursor = db.execute(f'SELECT * FROM "{table}"')
    keep = [i for i, column in enumerate(cursor.description) if column[0] != "posting_id"]
    return [tuple(row[i] for i in keep) for row in cursor.fetchall()]


def more_records(folder: Path) -> str:
    """Records another analyst adds after the shipped history."""
    records = [
        source(),
        allocation("team-alloc-06H", amount="£1.5m", as_at="2013-10-15"),
        transfer("team-transfer-05Q", to="specialised-commissioning", as_at="2013-11-20"),
    ]
    return str(write_jsonl(folder / "more.jsonl", records))


def test_two_analysts_views_caught_up_at_different_times_agree_row_for_row(store, tmp_path):
    alice, bob = tmp_path / "alice-views.db", tmp_path / "bob-views.db"
    ledger(store, None, "import", str(REPOSITORY / "events"))
    alice_before = every_view(store, alice)  # Alice catches up on the shipped history
    ledger(store, None, "import", more_records(tmp_path))
    bob_sees = every_view(store, bob)  # Bob's first look comes after the new records
    alice_sees = every_view(store, alice)  # Alice catches up on just the new records

    assert alice_sees == bob_sees
    assert alice_sees["specialised-net-change"] != alice_before["specialised-net-change"]
    assert tables(alice) == tables(bob)
    rebuilt = tmp_path / "rebuilt-views.db"
    ledger(store, rebuilt, "rebuild")
    assert tables(rebuilt) == tables(alice)


def test_a_store_moved_to_postgresql_and_back_keeps_every_record_and_view(
    sqlite_store, postgres_store, tmp_path
):
    ledger(sqlite_store, None, "import", str(REPOSITORY / "events"), more_records(tmp_path))
    exported = ledger(sqlite_store, None, "export").stdout
    (tmp_path / "export.jsonl").write_text(exported)

    ledger(postgres_store, None, "import", str(tmp_path / "export.jsonl"))
    assert ledger(postgres_store, None, "export").stdout == exported
    assert every_view(postgres_store, tmp_path / "pg-views.db") == every_view(
        sqlite_store, tmp_path / "sqlite-views.db"
    )
    assert tables(tmp_path / "pg-views.db") == tables(tmp_path / "sqlite-views.db")

    back = str(tmp_path / "back.db")
    ledger(back, None, "import", str(tmp_path / "export.jsonl"))
    assert ledger(back, None, "export").stdout == exported
    assert every_view(back, tmp_path / "back-views.db") == every_view(
        sqlite_store, tmp_path / "sqlite-views.db"
    )
