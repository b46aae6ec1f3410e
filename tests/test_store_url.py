"""Choosing the store: a SQLite path or a PostgreSQL URL, and the errors a user can meet."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from backends import POSTGRES_URL, require_postgres
from click.testing import CliRunner, Result
from psycopg.sql import SQL, Identifier

from ledger.cli import main
from ledger.store.settings import store_environment


def ledger(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_a_url_with_an_option_the_ledger_does_not_know_is_refused():
    result = ledger("--store", "postgresql://postgres@127.0.0.1:5432/test?sslmode=disable", "log")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the store URL postgresql://postgres@127.0.0.1:5432/test?... "
        "has sslmode: only schema= is understood\n"
    )


# A script writes postgresql://.../$DB?schema=$TEAM: with a variable unset, the store
# was the server's postgres database, or its public schema, where another team's store
# may be, and an import recorded there. (Port 1, where nothing listens: were the URL
# taken as before, the command would fail there rather than write.)
UNSAID = {
    "/test?schema=": "postgresql://postgres@127.0.0.1:1/test?schema= gives an empty "
    "schema: name it (schema=NAME), or leave ?schema= out to use public",
    "/test?schema": "postgresql://postgres@127.0.0.1:1/test?... gives an empty schema: "
    "name it (schema=NAME), or leave ?schema= out to use public",
    "/test?schema=team&schema=": "postgresql://postgres@127.0.0.1:1/test?... gives "
    "schema= 2 times: give it once",
    "/?schema=team": "postgresql://postgres@127.0.0.1:1/?schema=team names no database: "
    "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]",
    "": "postgresql://postgres@127.0.0.1:1 names no database: "
    "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]",
}


@pytest.mark.parametrize("command", [["import", "events/"], ["log"]], ids=" ".join)
@pytest.mark.parametrize("rest", UNSAID)
def test_a_url_with_an_empty_database_or_schema_is_refused_not_taken_for_the_default(rest, command):
    result = ledger("--store", f"postgresql://postgres@127.0.0.1:1{rest}", *command)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: the store URL {UNSAID[rest]}\n"


def test_a_server_that_cannot_be_reached_is_named_without_its_password():
    result = ledger("--store", "postgresql://analyst:s3cret@127.0.0.1:1/ledger", "log")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: cannot open the store at postgresql://analyst:***@127.0.0.1:1/ledger: "
    )
    assert "s3cret" not in result.output


@pytest.mark.parametrize(
    "value", ["soon", "0", "-5", "1.5", "86401", "99999999999999999999", "9" * 5000]
)
def test_the_lock_timeout_must_be_a_whole_number_of_seconds_up_to_a_day(
    value, tmp_path, monkeypatch
):
    """A value too large for the databases' 32-bit milliseconds (99999999999999999999)
    came out as next to no wait: an import behind another writer was told the store was
    busy after a second."""
    monkeypatch.setenv("LEDGER_LOCK_TIMEOUT", value)
    result = ledger("--store", str(tmp_path / "ledger.db"), "import", "events/")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: LEDGER_LOCK_TIMEOUT must be a whole number of seconds from 1 to 86,400 "
        f"(a day), got {value!r}\n"
    )
    assert not (tmp_path / "ledger.db").exists()


@pytest.mark.parametrize("value", ["1", "86400", "0030"])
def test_a_lock_timeout_up_to_a_day_is_the_wait_each_store_is_given(value, monkeypatch):
    monkeypatch.setenv("LEDGER_LOCK_TIMEOUT", value)
    on_file = store_environment("ledger.db")["SQLITE_LOCK_TIMEOUT"]
    on_server = store_environment("postgresql://analyst@db.example/ledger")["POSTGRES_LOCK_TIMEOUT"]
    assert int(on_file) == int(on_server) == int(value)


def test_reading_a_schema_that_holds_no_ledger_says_how_to_make_one_and_makes_nothing(
    postgres_store,
):
    result = ledger("--store", postgres_store, "log")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no ledger store at {postgres_store} "
        f"(create one with: ledger --store {postgres_store} import events/)\n"
    )
    schema = postgres_store.rsplit("schema=", 1)[1]
    with psycopg.connect(POSTGRES_URL) as connection:
        found = connection.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = %s", [schema]
        ).fetchone()
    assert found == (0,)


def test_a_url_names_server_database_user_and_schema_defaulting_to_public():
    environment = store_environment("postgresql://analyst@db.example:6543/ledger")
    assert (
        environment["POSTGRES_HOST"],
        environment["POSTGRES_PORT"],
        environment["POSTGRES_DBNAME"],
        environment["POSTGRES_USER"],
        environment["POSTGRES_SCHEMA"],
    ) == ("db.example", "6543", "ledger", "analyst", "public")


@pytest.mark.parametrize("command", [["import", "events/"], ["log"], ["check"]], ids=" ".join)
def test_a_schema_with_capital_letters_is_refused_before_anything_is_made(command, tmp_path):
    """schema=Hunt_Up passed the check of its name, then the import made the schema, its
    tables, a type and a function, and failed (Composite type 'stored_event_uuid' not
    found), and every later run failed the same way."""
    require_postgres()
    schema = f"test_dmg_Hunt_Up_{uuid.uuid4().hex[:8]}"
    store = f"{POSTGRES_URL}?schema={schema}"
    try:
        result = ledger("--store", store, "--views", str(tmp_path / "views.db"), *command)
        assert result.exit_code == 1
        assert result.stderr == (
            f"Error: the store URL's schema {schema!r} has capital letters, which PostgreSQL "
            "keeps in some of the store's statements and not in others: write it in lower "
            f"case, schema={schema.lower()}\n"
        )
        with psycopg.connect(POSTGRES_URL) as connection:
            made = connection.execute(
                "SELECT nspname FROM pg_namespace WHERE lower(nspname) = lower(%s)", [schema]
            ).fetchall()
        assert made == []
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            for name in (schema, schema.lower()):
                connection.execute(
                    SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(name))
                )
