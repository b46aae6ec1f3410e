"""The two stores the ledger runs on, for tests parametrised by backend.

The PostgreSQL server is the one named by LEDGER_TEST_POSTGRES (default: the local
server, database ``test``). Each test gets a schema of its own, dropped afterwards.
When the server cannot be reached the PostgreSQL tests are skipped with the reason,
unless LEDGER_REQUIRE_POSTGRES=1 (as CI sets), when they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest

BACKENDS = ["sqlite", "postgresql"]
POSTGRES_URL = os.environ.get("LEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@cache
def postgres_unreachable() -> str | None:
    """Why the test server cannot be used, or None when it can."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return f"no PostgreSQL server at {POSTGRES_URL} ({str(error).strip()})"
    return None


def require_postgres() -> None:
    """Skip the test when the server is unreachable, or fail it when CI requires one."""
    reason = postgres_unreachable()
    if reason is None:
        return
    if os.environ.get("LEDGER_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"LEDGER_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def postgres_schema_url() -> Iterator[str]:
    """A store URL naming a new schema on the test server; the schema is dropped after."""
    import psycopg
    from psycopg.sql import SQL, Identifier

    require_postgres()
    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    yield f"{POSTGRES_URL}?schema={schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '10s'")
        conn.execute(SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(schema)))


def store_sql(
    store: str, statement: str, params: tuple[object, ...] = ()
) -> list[tuple[object, ...]]:
    """Run SQL on a store's own tables, behind the ledger's back, as someone tampering with
    it would; return any rows. Write ``{events}`` for the events table (stored_events in
    SQLite, ledger_events in PostgreSQL), ``{position}`` for the column holding an
    event's position (rowid, notification_id) and ``?`` for parameters."""
    if not store.startswith("postgresql://"):
        import sqlite3

        with sqlite3.connect(store) as db:
            return db.execute(
                statement.format(events="stored_events", position="rowid"), params
            ).fetchall()
    import psycopg
    from psycopg.sql import SQL, Identifier

    server, schema = store.split("?schema=")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(SQL("SET search_path TO {0}").format(Identifier(schema)))
        cursor = conn.execute(
            statement.format(events="ledger_events", position="notification_id").replace("?", "%s"),
            params,
        )
        return cursor.fetchall() if cursor.description else []


@contextmanager
def write_lock_held(store: str) -> Iterator[None]:
    """Another writer in the middle of its transaction, holding the store's write lock."""
    if not store.startswith("postgresql://"):
        import sqlite3

        writer = sqlite3.connect(store, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        return
    import psycopg
    from psycopg.sql import SQL, Identifier

    server, schema = store.split("?schema=")
    with psycopg.connect(server) as conn, conn.transaction(force_rollback=True):
        conn.execute(
            SQL("LOCK TABLE {0}.ledger_events IN EXCLUSIVE MODE").format(Identifier(schema))
        )
        yield


def checks_run(store: str) -> int:
    """How many checks ``ledger check`` runs on a store: a SQLite store's file is checked
    too (SQLite's integrity check), which a server's store has no equal of."""
    return 16 if store.startswith("postgresql://") else 17
