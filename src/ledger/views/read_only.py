"""Reading the views database and nothing else: the authorizer ``ledger query`` and
``ledger serve`` put on their connections, and ``view_error``, by which a view's SQL stops
with a message for the user."""

from __future__ import annotations

import sqlite3

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
_ACTION_NAMES = {
    getattr(sqlite3, f"SQLITE_{name}"): name.lower().replace("_", " ")
    for name in (
        "CREATE_INDEX",
        "CREATE_TABLE",
        "CREATE_TEMP_INDEX",
        "CREATE_TEMP_TABLE",
        "CREATE_TEMP_TRIGGER",
        "CREATE_TEMP_VIEW",
        "CREATE_TRIGGER",
        "CREATE_VIEW",
        "DELETE",
        "DROP_INDEX",
        "DROP_TABLE",
        "DROP_TEMP_INDEX",
        "DROP_TEMP_TABLE",
        "DROP_TEMP_TRIGGER",
        "DROP_TEMP_VIEW",
        "DROP_TRIGGER",
        "DROP_VIEW",
        "INSERT",
        "PRAGMA",
        "TRANSACTION",
        "UPDATE",
        "ATTACH",
        "DETACH",
        "ALTER_TABLE",
        "REINDEX",
        "ANALYZE",
        "CREATE_VTABLE",
        "DROP_VTABLE",
        "SAVEPOINT",
    )  # fmt: skip
}


def view_errors(connection: sqlite3.Connection) -> list[str]:
    """Give a view's SQL ``view_error(message)``: NULL when the message is NULL, else it
    stops the statement, and the message (kept in the list returned) is what the user
    sees, e.g. for parameters that make no sense together."""
    raised: list[str] = []
    # The message is said once, by the caller; SQLite is not to print it as a traceback
    # too (a library loaded in the same process may have asked it to).
    sqlite3.enable_callback_tracebacks(False)

    def view_error(message: object) -> None:
        if message is not None:
            raised.append(str(message))
            raise ValueError(message)

    connection.create_function("view_error", 1, view_error, deterministic=True)
    return raised


def read_only(connection: sqlite3.Connection, refused: list[str]) -> None:
    """Make ``connection`` refuse anything but reading (``ledger query``'s authorizer,
    also set by ``ledger serve`` on Datasette's connections); what it refused is
    appended to ``refused``."""
    connection.execute("PRAGMA query_only = ON")

    def authorise(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _DENIED_FUNCTIONS:
            refused.append(f"the function {arg2}()")
            return sqlite3.SQLITE_DENY
        if action in _ALLOWED_ACTIONS:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA and arg1 in _READING_PRAGMAS:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA and arg1 in _ASKING_PRAGMAS and arg2 is None:
            return sqlite3.SQLITE_OK
        if arg1 in _SCHEMA_TABLES:
            refused.append("changing the schema")
        else:
            refused.append(_ACTION_NAMES.get(action, str(action)))
        return sqlite3.SQLITE_DENY

    connection.set_authorizer(authorise)
