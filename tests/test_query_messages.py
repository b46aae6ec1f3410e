"""What `ledger query` says: a statement the views database refuses is named as the user
wrote it (VACUUM is not an ATTACH, though SQLite asks to attach a file to run it), and
nothing is written or made; a text's control characters are shown so that none looks
like the characters its escape is written with."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
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


# Texts that looked the same in a table or CSV before: each control character beside the
# characters its escape is written with.
LOOK_ALIKES = {
    "newline": "a\nb",
    "backslash_n": "a\\nb",
    "esc": "\x1b[31m",
    "backslash_x1b": "\\x1b[31m",
    "path": "C:\\ledger",
}
LOOK_ALIKES_SQL = "SELECT " + ", ".join(
    "'"
    + value.replace("\n", "' || char(10) || '").replace("\x1b", "' || char(27) || '")
    + f"' AS {name}"
    for name, value in LOOK_ALIKES.items()
)


def test_a_control_character_and_the_characters_of_its_escape_look_different(ledger):
    """A real newline shows as \\n and the two characters backslash-n as \\\\n, in a table
    and in CSV: a backslash is doubled, so each reads back to the text it was."""
    [exact] = json.loads(ledger("query", LOOK_ALIKES_SQL, "--format", "json").stdout)
    assert exact == LOOK_ALIKES
    table = ledger("query", LOOK_ALIKES_SQL).stdout.splitlines()
    assert table[2].split() == ["a\\nb", "a\\\\nb", "\\x1b[31m", "\\\\x1b[31m", "C:\\\\ledger"]
    [row] = csv.DictReader(io.StringIO(ledger("query", LOOK_ALIKES_SQL, "--format", "csv").stdout))
    assert len(set(row.values())) == len(LOOK_ALIKES)
    assert {name: cell.encode().decode("unicode_escape") for name, cell in row.items()} == (
        LOOK_ALIKES
    )


@pytest.mark.parametrize("sql", ["", "   ", "\n\t", "/* nothing */", ";", " ; ;", "-- x\n"])
@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_sql_holding_no_statement_is_refused_rather_than_answered_with_no_rows(ledger, sql, fmt):
    result = ledger("query", "--format", fmt, "--", sql)
    assert (result.exit_code, result.stdout) == (2, "")
    assert "Invalid value for SQL: it holds no statement, only space or comments" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_select_of_no_rows_is_still_answered(ledger):
    result = ledger("query", "SELECT code FROM organisations WHERE code = 'none such'")
    assert (result.exit_code, result.stdout.strip()) == (0, "(no rows)")
