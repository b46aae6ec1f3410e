"""Reading a SQLite store whose bytes may be damaged. SQLite hands text back as it finds
it, and Python stops a whole read at text that is not UTF-8 ("Could not decode to UTF-8
column ..."). Rows are read as usual first; only a read that stops there is done again,
with such text read as DamagedText, so that the ledger can name the row it is in. A file
SQLite itself finds damaged ("database disk image is malformed") is told apart too."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import OperationalError, PersistenceError
from eventsourcing.sqlite import SQLiteDatastore

TextFactory = Callable[[bytes], Any]
IS_DAMAGED = "is damaged (its bytes are not UTF-8 text)"


class DamagedText(bytes):
    """Text the store holds that is not UTF-8: the bytes it holds instead."""


class UndecodedText(Exception):
    """A read stopped at text that is not UTF-8."""


class DamagedRow(Exception):
    """A row of the store whose text is damaged (said without the store's name, which the
    event store adds)."""


def text_or_damaged(data: bytes) -> str | DamagedText:
    try:
        return data.decode()
    except UnicodeDecodeError:
        return DamagedText(data)


def read_rows(
    datastore: SQLiteDatastore, statement: str, params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """The rows of a read-only statement as plain tuples, any damaged text as DamagedText."""
    try:
        return plain_rows(datastore, statement, params)
    except UndecodedText:
        return marked_rows(datastore, statement, params)


def plain_rows(
    datastore: SQLiteDatastore, statement: str, params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """The rows as plain tuples; UndecodedText if a text is not UTF-8."""
    try:
        return _rows(datastore, statement, params, str)
    except OperationalError as error:
        if "Could not decode to UTF-8" in str(error):
            raise UndecodedText(str(error)) from error
        raise


def marked_rows(
    datastore: SQLiteDatastore, statement: str, params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """The rows as plain tuples, each text that is not UTF-8 read as DamagedText."""
    return _rows(datastore, statement, params, text_or_damaged)


def _rows(
    datastore: SQLiteDatastore, statement: str, params: Sequence[Any], text: TextFactory
) -> list[tuple[Any, ...]]:
    with datastore.transaction(commit=False) as c:
        cursor = c.sqlite_cursor
        cursor.row_factory = None
        connection = cursor.connection  # pooled: its text factory is put back after
        connection.text_factory = text
        try:
            cursor.execute(statement, params)
            return cursor.fetchall()
        finally:
            connection.text_factory = str


def is_damaged_file(error: BaseException) -> bool:
    """Whether the library's error is SQLite's word that the file is damaged, or not a
    database at all."""
    cause = error.__cause__ if isinstance(error, PersistenceError) else None
    code = int(getattr(cause, "sqlite_errorcode", 0)) & 0xFF
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
