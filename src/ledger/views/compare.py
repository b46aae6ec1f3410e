"""Comparing a views database with a fresh projection of the same store, table by table,
in SQL: the fresh file is opened with the other attached, and the rows of each table are
matched by the table's key. At a million events this takes a few seconds, where reading
both files' rows into Python to digest them took half a minute."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.store.files import TRACKING, reading_uri
from ledger.views.tables import TABLES, TABLES_BY_NAME

SCOPE = "position, known_by, recorded_by"  # what a projection was made to show


@dataclass(frozen=True)
class Difference:
    """A table whose rows are not the fresh projection's: how many rows differ (a row
    changed, one only here, or one only in the fresh projection each count once), and
    the key of the first, by the table's key order."""

    table: str
    rows: int
    first: dict[str, Any]


def differences(fresh: Path, views: Path) -> tuple[tuple[Any, ...], list[Difference]]:
    """What ``views`` was made to show (its SCOPE, as its tracking table says), and every
    table in which it differs from ``fresh``, read in one transaction of both files: the
    caller compares the scope with what ``fresh`` was made for."""
    connection = sqlite3.connect(reading_uri(fresh), uri=True)
    try:
        connection.execute("ATTACH DATABASE ? AS held", (reading_uri(views),))
        connection.execute("BEGIN")
        scope = connection.execute(f"SELECT {SCOPE} FROM held.{TRACKING}").fetchone()
        found = [_difference(connection, table) for table in TABLES]
        return tuple(scope), [difference for difference in found if difference is not None]
    finally:
        connection.close()


def _difference(connection: sqlite3.Connection, table: str) -> Difference | None:
    key, others = _key_and_others(table)
    name = TABLES_BY_NAME[table]
    on = " AND ".join(f"a.{column} IS b.{column}" for column in key)
    changed = " OR ".join(f"a.{column} IS NOT b.{column}" for column in others) or "0"
    columns = ", ".join(f"a.{column}" for column in key)
    # Rows of the views with no equal row in the fresh projection, then rows of the fresh
    # projection whose key the views do not have, each led by its key.
    rows = connection.execute(
        f"SELECT {columns} FROM held.{name} AS a LEFT JOIN main.{name} AS b ON {on} "
        f"WHERE b.rowid IS NULL OR {changed} "
        f"UNION ALL "
        f"SELECT {columns} FROM main.{name} AS a WHERE NOT EXISTS "
        f"(SELECT 1 FROM held.{name} AS b WHERE {on}) "
        f"ORDER BY {', '.join(str(at) for at in range(1, len(key) + 1))}"
    ).fetchall()
    if not rows:
        return None
    return Difference(table, len(rows), dict(zip(key, rows[0], strict=True)))


def _key_and_others(table: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The columns that tell a table's rows apart (its unique columns, else its primary
    key), and the rest, leaving out a row id SQLite assigns (posting_id), which depends on
    how the rows were paged in."""
    spec = TABLES[table]
    key = spec["unique"][0] if spec.get("unique") else spec["pk"]
    key = (key,) if isinstance(key, str) else tuple(key)
    others = tuple(
        column for column in spec["columns"] if column not in key and column != "posting_id"
    )
    return key, others
