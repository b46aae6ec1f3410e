"""Where a store is: a SQLite file, or a PostgreSQL server's URL, turned into the settings
the eventsourcing library opens it with; and a store as it may be printed, never with
its password."""

from __future__ import annotations

import os
import re
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from ledger.store.errors import StoreError
from ledger.store.files import read_only_uri, writable_uri

# A store that looks like a URL: a scheme, then ``//`` or ``@`` somewhere after it.
_URL_LIKE = re.compile(r"\s*(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):(?P<rest>.*)", re.DOTALL)
SERVER_SCHEMES = ("postgresql", "postgres")
URL_FORM = "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]"
# A schema's name goes into the library's SQL as it is: only a name that needs no quoting.
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def _url_parts(store: str) -> tuple[str, str] | None:
    """The scheme (lower case) and the rest of a store that looks like a URL, or None."""
    found = _URL_LIKE.fullmatch(store)
    if found is None or ("//" not in found["rest"] and "@" not in found["rest"]):
        return None
    return found["scheme"].lower(), found["rest"]


def is_database_url(store: str) -> bool:
    """Whether the store is given as a URL, not a file (store_environment refuses a URL
    that is not a PostgreSQL server's)."""
    return _url_parts(store) is not None


def store_environment(store: str, *, reading: bool = False) -> dict[str, str]:
    """The eventsourcing settings for a store: a SQLite file path, or a PostgreSQL URL
    postgresql://user[:password]@host[:port]/database[?schema=name]. A writer waits up to
    LEDGER_LOCK_TIMEOUT seconds (default 30) for another to finish. A file is opened only
    to read when ``reading``."""
    refuse_empty(store)
    wait = lock_timeout()
    common = {"TRANSCODER_TOPIC": "ledger.store.transcoder:OrjsonTranscoder"}
    if not is_database_url(store):
        return common | {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "APPLICATION_RECORDER_TOPIC": "ledger.store.recorders:ChainedSQLiteApplicationRecorder",
            # Always a URI of the path, so that no file name is read as SQLite options.
            "SQLITE_DBNAME": read_only_uri(store) if reading else writable_uri(store),
            "SQLITE_LOCK_TIMEOUT": wait,
        }
    url = _server_url(store)
    schema = _schema(store, url)
    return common | {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": (
            "ledger.store.postgres_recorder:ChainedPostgresApplicationRecorder"
        ),
        "POSTGRES_DBNAME": _database(store, url),
        "POSTGRES_HOST": url.hostname or "localhost",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_LOCK_TIMEOUT": wait,
        # An import holds its transaction open while it checks the next chunk.
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "120",
    }


def _schema(store: str, url: SplitResult) -> str:
    """The schema a server's URL names, public if it names none. An empty or repeated
    schema= is refused, not taken for public (where another team's store may be)."""
    query = parse_qs(url.query, keep_blank_values=True)
    if set(query) - {"schema"}:
        unknown = ", ".join(sorted(set(query) - {"schema"}))
        raise StoreError(f"the store URL {shown(store)} has {unknown}: only schema= is understood")
    given = query.get("schema", ["public"])
    if len(given) > 1:
        raise StoreError(
            f"the store URL {shown(store)} gives schema= {len(given)} times: give it once"
        )
    schema = given[0]
    if not schema:
        raise StoreError(
            f"the store URL {shown(store)} gives an empty schema: name it (schema=NAME), "
            "or leave ?schema= out to use public"
        )
    if not _PLAIN_NAME.fullmatch(schema):
        raise StoreError(
            f"the store URL's schema {schema!r} is not a plain name: letters, digits and _, "
            "not starting with a digit, up to 63 characters"
        )
    if schema != schema.lower():
        # The library quotes the name in most of its statements, where PostgreSQL keeps
        # its capitals, but not where it looks its own type up, where they are folded
        # away: the store's tables were made, and then the type was not found.
        raise StoreError(
            f"the store URL's schema {schema!r} has capital letters, which PostgreSQL "
            f"keeps in some of the store's statements and not in others: write it in lower "
            f"case, schema={schema.lower()}"
        )
    return schema


def _database(store: str, url: SplitResult) -> str:
    """The database a server's URL names; a URL naming none is refused rather than
    taken for the server's postgres database."""
    database = url.path.lstrip("/")
    if not database:
        raise StoreError(f"the store URL {shown(store)} names no database: {URL_FORM}")
    return database


def failed_part_way(
    store: str, error: Exception, again: str = "run the command again"
) -> StoreError:
    """A store that failed part-way through a command (a server stopped or restarted
    while it was read), said with the store's name and what to do (``again``)."""
    said = " ".join(str(error).split())
    return StoreError(f"the store at {shown(store)} failed part-way ({said}); {again}")


def refuse_empty(store: str) -> None:
    if not store.strip():
        raise StoreError(
            "the store given (--store or LEDGER_STORE) is empty: give a file path, "
            f"or a PostgreSQL server's URL, {URL_FORM}"
        )


def _server_url(store: str) -> SplitResult:
    """A PostgreSQL URL taken apart; any other URL, or one whose host or port cannot be
    read, is refused (saying why, never with its password)."""
    scheme, rest = _url_parts(store) or ("", "")
    if scheme not in SERVER_SCHEMES or not rest.startswith("//"):
        raise StoreError(
            f"the store {shown(store)} is not a URL the ledger can use: give a file path, "
            f"or a PostgreSQL server's URL, {URL_FORM}"
        )
    try:
        url = urlsplit(store.strip())
        port = url.port
    except ValueError as error:
        bracket = "IPv6" in str(error)
        why = "an IPv6 host is written in brackets, [::1]" if bracket else _BAD_PORT
        raise StoreError(f"the store URL {shown(store)} cannot be read: {why}") from None
    if port is not None and not 1 <= port <= 65535:
        raise StoreError(f"the store URL {shown(store)} cannot be read: {_BAD_PORT}")
    return url


_BAD_PORT = (
    "its port is not a number from 1 to 65535 (a / or @ in a password is written %2F or %40)"
)


# The longest a writer may be told to wait: both databases keep the wait in milliseconds
# in a 32-bit integer (24 days), and a larger number came out as next to no wait.
LONGEST_LOCK_WAIT = 86_400


def lock_timeout() -> str:
    value = os.environ.get("LEDGER_LOCK_TIMEOUT", "30")
    # The digits 0-9 (int() reads others), and not thousands of them (int() refuses).
    if not (re.fullmatch("0*[0-9]{1,9}", value) and 1 <= int(value) <= LONGEST_LOCK_WAIT):
        raise StoreError(
            "LEDGER_LOCK_TIMEOUT must be a whole number of seconds from 1 to "
            f"{LONGEST_LOCK_WAIT:,} (a day), got {value!r}"
        )
    return value


def shown(store: str) -> str:
    """A store as it may be printed: a server's URL without its password or options, and
    of any other URL only its scheme (what it holds cannot be told from a password)."""
    parts = _url_parts(store)
    if parts is None:
        return store
    scheme, rest = parts
    if scheme not in SERVER_SCHEMES or not rest.startswith("//"):
        return f"{scheme}:..."
    prefix = store[: len(store) - len(rest)] + "//"
    userinfo, at, place = rest[2:].rpartition("@")  # a password may hold an @
    if at:
        user, colon, _ = userinfo.partition(":")
        userinfo = f"{user}{':***' if colon else ''}@"
    place, mark, options = place.partition("?")
    if mark and not re.fullmatch(r"schema=[^&#]*", options):
        options = "..."  # options other than the schema are named, never shown
    return f"{prefix}{userinfo}{place}{mark}{options}"
