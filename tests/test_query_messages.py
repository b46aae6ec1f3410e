"""What `ledger query` and `ledger view` say: a statement the views database refuses is
named as the user wrote it (VACUUM is not an ATTACH, though SQLite asks to attach a file
to run it), and nothing is written or made."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3

import pytest
from stores import published_ledger

from ledger.views.projections import open_read_only


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("query-messages"))


PRAGMA_HINT = " (a pragma may only describe a table here, e.g. PRAGMA table_info(postings))"
# Each statement that writes, or could, and what the refusal calls it.
REFUSED = [
    ("VACUUM", "VACUUM"),
    ("/* tidy */ vacuum main", "VACUUM"),
    ("VACUUM INTO 'copy.db'", "VACUUM INTO 'copy.db'"),
    ("REINDEX", "REINDEX"),
    ("REINDEX postings", "REINDEX"),
    ("ANALYZE", "ANALYZE"),
    ("ANALYZE postings", "ANALYZE"),
    ("ATTACH DATABASE 'other.db' AS other", "ATTACH 'other.db'"),
    ("DETACH main", "DETACH main"),
    ("CREATE TABLE t (x)", "CREATE TABLE, VIEW or INDEX"),
    ("CREATE VIEW v AS SELECT 1", "CREATE TABLE, VIEW or INDEX"),
    ("CREATE INDEX i ON postings (account)", "CREATE TABLE, VIEW or INDEX"),
    ("CREATE VIRTUAL TABLE f USING fts5(x)", "CREATE TABLE, VIEW or INDEX"),
    ("CREATE TEMP TABLE t (x)", "CREATE TEMP TABLE or VIEW"),
    ("CREATE TEMPORARY VIEW v AS SELECT 1", "CREATE TEMP TABLE or VIEW"),
    ("CREATE TABLE temp.t (x)", "CREATE TEMP TABLE or VIEW"),
    ("CREATE TRIGGER t AFTER INSERT ON sources BEGIN SELECT 1; END", "CREATE TRIGGER t"),
    ("CREATE TEMP TRIGGER t AFTER INSERT ON sources BEGIN SELECT 1; END", "CREATE TEMP TRIGGER t"),
    ("DROP TABLE postings", "DROP TABLE, VIEW or INDEX"),
    ("DROP INDEX idx_postings_figures", "DROP TABLE, VIEW or INDEX"),
    ("ALTER TABLE postings RENAME TO p", "ALTER TABLE postings"),
    ("ALTER TABLE postings ADD COLUMN x", "ALTER TABLE postings"),
    ("INSERT INTO sources (id) VALUES ('mine')", "INSERT INTO sources"),
    ("REPLACE INTO sources (id) VALUES ('mine')", "INSERT INTO sources"),
    ("UPDATE postings SET amount_pence = 0", "UPDATE postings"),
    ("DELETE FROM postings", "DELETE FROM postings"),
    ("WITH x AS (SELECT 1) DELETE FROM postings", "DELETE FROM postings"),
    ("PRAGMA journal_mode = DELETE", "PRAGMA journal_mode = DELETE"),
    ("PRAGMA user_version = 3", "PRAGMA user_version = 3"),
    ("PRAGMA foreign_keys", "PRAGMA foreign_keys"),
    ("BEGIN", "BEGIN"),
    ("COMMIT", "COMMIT"),
    ("ROLLBACK", "ROLLBACK"),
    ("SAVEPOINT before", "SAVEPOINT before"),
    ("RELEASE before", "RELEASE before"),
    ("ROLLBACK TO before", "ROLLBACK TO before"),
    ("SELECT load_extension('evil')", "the function load_extension()"),
]


def test_each_statement_the_views_database_refuses_is_named(ledger, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = hashlib.sha256(ledger.views.read_bytes()).hexdigest()
    said = {sql: ledger("query", sql) for sql, _ in REFUSED}
    assert {sql: (result.exit_code, result.stderr) for sql, result in said.items()} == {
        sql: (1, f"Error: the views database is read-only here: {named} is not allowed{hint}\n")
        for sql, named in REFUSED
        for hint in [PRAGMA_HINT if sql.startswith("PRAGMA") else ""]
    }
    assert hashlib.sha256(ledger.views.read_bytes()).hexdigest() == before
    assert list(tmp_path.iterdir()) == []  # neither copy.db nor other.db


def test_a_vacuum_after_another_statement_and_an_attach_after_a_vacuum_keep_their_names(
    ledger,
):
    """The views' connection tells VACUUM by the statement it is running: not by the one
    before it."""
    refused: list[str] = []
    connection = open_read_only(ledger.views, refused)
    for sql in ("SELECT 1", "VACUUM", "ATTACH 'other.db' AS other", "SELECT 2", "VACUUM"):
        with contextlib.suppress(sqlite3.DatabaseError):  # each refused but the SELECTs
            connection.execute(sql)
    connection.close()
    assert refused == ["VACUUM", "ATTACH 'other.db'", "VACUUM"]
