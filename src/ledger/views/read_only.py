"""Reading the views database and nothing else: the authorizer ``ledger query`` and
``ledger serve`` put on their connections, what it says of a statement it refused, and
``view_error``, by which a view's SQL stops with a message for the user."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence

from ledger.views.later_parts import LaterParts

# What a read-only statement may do; anything else (writing, ATTACH, a PRAGMA other than
# those that describe tables, temporary tables, loading extensions) is refused.
_ALLOWED_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}
_DENIED_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}
_READING_PRAGMAS = {
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "collation_list", "function_list",
}  # fmt: skip
# Pragmas that only read a number or a list when given no value (Datasette asks them).
_ASKING_PRAGMAS = {"schema_version", "data_version", "database_list"}
_SCHEMA_TABLES = {"sqlite_master", "sqlite_temp_master", "sqlite_schema", "sqlite_temp_schema"}
# What each action refused is called in SQL: the statement, then the name it acts on.
_WORDS = {
    getattr(sqlite3, f"SQLITE_{name}"): name.replace("_", " ").replace("VTABLE", "VIRTUAL TABLE")
    for kind in ("INDEX", "TABLE", "TEMP_INDEX", "TEMP_TABLE", "TEMP_TRIGGER", "TEMP_VIEW",
                 "TRIGGER", "VIEW", "VTABLE")
    for name in (f"CREATE_{kind}", f"DROP_{kind}")
} | {
    sqlite3.SQLITE_INSERT: "INSERT INTO", sqlite3.SQLITE_UPDATE: "UPDATE",
    sqlite3.SQLITE_DELETE: "DELETE FROM", sqlite3.SQLITE_DETACH: "DETACH",
    sqlite3.SQLITE_REINDEX: "REINDEX", sqlite3.SQLITE_ANALYZE: "ANALYZE",
}  # fmt: skip
_SAVEPOINTS = {"BEGIN": "SAVEPOINT", "RELEASE": "RELEASE", "ROLLBACK": "ROLLBACK TO"}
# CREATE TABLE, VIEW or INDEX and DROP first ask to write the schema table, and SQLite
# asks nothing more of a statement refused there: it is named by what it would write.
_SCHEMA_CHANGES = {
    (sqlite3.SQLITE_INSERT, "main"): "CREATE TABLE, VIEW or INDEX",
    (sqlite3.SQLITE_INSERT, "temp"): "CREATE TEMP TABLE or VIEW",
    (sqlite3.SQLITE_DELETE, "main"): "DROP TABLE, VIEW or INDEX",
    (sqlite3.SQLITE_DELETE, "temp"): "DROP TABLE or VIEW",
}
_SCHEMA_CHANGE = "changing the schema"
# VACUUM is asked of nothing as it is prepared; as it runs, it asks to ATTACH a file.
_VACUUM = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*vacuum\b", re.IGNORECASE | re.DOTALL)
_PRAGMA_HINT = "a pragma may only describe a table here, e.g. PRAGMA table_info(postings)"


def view_errors(connection: sqlite3.Connection, notes: list[str] | None = None) -> list[str]:
    """Give a view's SQL ``view_error(message)``: NULL when the message is NULL, else it
    stops the statement, and the message (kept in the list returned) is what the user
    sees, e.g. for parameters that make no sense together. And ``view_note(message)``,
    always NULL: a message that does not stop the view, kept in ``notes`` (once each)
    for the user to see beside the answer, e.g. that nothing was known by its as_at; and
    the aggregate ``later_parts`` that words such a note for a year known only in part."""
    raised: list[str] = []
    # The message is said once, by the caller; SQLite is not to print it as a traceback
    # too (a library loaded in the same process may have asked it to).
    sqlite3.enable_callback_tracebacks(False)

    def view_error(message: object) -> None:
        if message is not None:
            raised.append(str(message))
            raise ValueError(message)

    def view_note(message: object) -> None:
        if message is not None and notes is not None and str(message) not in notes:
            notes.append(str(message))

    connection.create_function("view_error", 1, view_error, deterministic=True)
    connection.create_function("view_note", 1, view_note, deterministic=True)
    # typeshed knows only aggregates of one argument and an int result
    connection.create_aggregate("later_parts", 6, LaterParts)  # type: ignore[arg-type]
    return raised


def read_only(connection: sqlite3.Connection, refused: list[str]) -> None:
    """Make ``connection`` refuse anything but reading (``ledger query``'s authorizer,
    also set by ``ledger serve`` on Datasette's connections); what it refused is
    appended to ``refused``, as ``refusal`` reads it. Set again, it replaces itself."""
    connection.set_authorizer(None)
    connection.execute("PRAGMA query_only = ON")
    started = [""]  # the statement SQLite last began to run

    def trace(statement: str) -> None:
        started[0] = statement

    def authorise(
        action: int, arg1: str | None, arg2: str | None, database: str | None, _: object
    ) -> int:
        if _allowed(action, arg1, arg2):
            return sqlite3.SQLITE_OK
        running = started[0] if action == sqlite3.SQLITE_ATTACH else ""
        started[0] = ""
        refused.append(_statement(action, arg1, arg2, database, running))
        return sqlite3.SQLITE_DENY

    connection.set_trace_callback(trace)
    connection.set_authorizer(authorise)


def _allowed(action: int, arg1: str | None, arg2: str | None) -> bool:
    if action == sqlite3.SQLITE_FUNCTION:
        return (arg2 or "").lower() not in _DENIED_FUNCTIONS
    if action == sqlite3.SQLITE_PRAGMA:
        return arg1 in _READING_PRAGMAS or (arg1 in _ASKING_PRAGMAS and arg2 is None)
    return action in _ALLOWED_ACTIONS


def _statement(
    action: int, arg1: str | None, arg2: str | None, database: str | None, running: str
) -> str:
    """What SQL calls the action refused, with the name it acts on: ``DELETE FROM
    postings``, ``VACUUM``, ``PRAGMA user_version = 3``, ``the function readfile()``."""
    name, other = _shown(arg1), _shown(arg2)
    if action == sqlite3.SQLITE_FUNCTION:
        return f"the function {other}()"
    if action == sqlite3.SQLITE_ATTACH:
        if _VACUUM.match(running):
            return f"VACUUM INTO '{name}'" if name else "VACUUM"
        return f"ATTACH '{name}'"
    if action in (sqlite3.SQLITE_INSERT, sqlite3.SQLITE_DELETE) and arg1 in _SCHEMA_TABLES:
        return _SCHEMA_CHANGES.get((action, database or ""), _SCHEMA_CHANGE)
    if arg1 in _SCHEMA_TABLES:
        return _SCHEMA_CHANGE
    if action == sqlite3.SQLITE_PRAGMA:
        return f"PRAGMA {name}" if arg2 is None else f"PRAGMA {name} = {other}"
    if action == sqlite3.SQLITE_TRANSACTION:
        return name  # BEGIN, COMMIT or ROLLBACK
    if action == sqlite3.SQLITE_SAVEPOINT:
        return f"{_SAVEPOINTS.get(name, name)} {other}"
    if action == sqlite3.SQLITE_ALTER_TABLE:
        return f"ALTER TABLE {other}"
    if action in (sqlite3.SQLITE_REINDEX, sqlite3.SQLITE_ANALYZE):
        return _WORDS[action]
    words = _WORDS.get(action, f"the statement (SQLite's action {action})")
    return f"{words} {name}".rstrip()


def _shown(text: str | None, most: int = 60) -> str:
    """A name or value from a statement as a message may print it: escaped where it
    does not print, and cut when long."""
    shown = text or ""
    if not shown.isprintable():
        shown = shown.encode("unicode_escape").decode()
    return shown if len(shown) <= most else f"{shown[: most - 3]}..."


def refusal(refused: Sequence[str]) -> str:
    """The error for a statement the authorizer refused, naming what it refused (once
    each); the write to the schema table that a CREATE or DROP starts with is named
    only when nothing more is known."""
    named = list(dict.fromkeys(refused))
    schema = {_SCHEMA_CHANGE, *_SCHEMA_CHANGES.values()}
    named = [what for what in named if what not in schema] or named
    verb = "is" if len(named) == 1 else "are"
    said = f"the views database is read-only here: {' and '.join(named)} {verb} not allowed"
    if any(what.startswith("PRAGMA ") for what in named):
        said += f" ({_PRAGMA_HINT})"
    return said
