"""Reaching a PostgreSQL store's server before the library's connection pool is started.

The pool retries a failed connection until its timeout runs out and then says only that
it "couldn't get a connection". One connection tried first says at once why it failed
where the server answers: nothing listening on the port, no such database, no such role,
or authentication refused; and, where nothing answers, that the server could not be
reached within the timeout. psycopg does not carry the SQLSTATE of an error the server
sends while a connection starts, so the reason is read from the message (the server's
own words are kept when they are in another language)."""

from __future__ import annotations

import re

from ledger.store.errors import StoreError
from ledger.store.settings import shown

# What the server or libpq says, in English, and what the ledger says of it.
_NO_DATABASE = re.compile(r'database "(?P<name>[^"]*)" does not exist')  # 3D000
_NO_ROLE = re.compile(r'role "(?P<name>[^"]*)" does not exist')  # 28000
_AUTHENTICATION = re.compile(r"authentication failed for user|no pg_hba\.conf entry")  # 28P01/28000
_NO_PASSWORD = re.compile(r"no password supplied")
_REFUSED = re.compile(r"Connection refused")
_UNKNOWN_HOST = re.compile(r"failed to resolve host|could not translate host name")
_ATTEMPT_PREFIX = re.compile(
    r'^(connection failed: )?connection to server at "[^"]*", port \d+ failed: '
)


def reach_server(store: str, env: dict[str, str]) -> None:
    """Connect once to the server the store's settings name (``store_environment``) and
    close the connection; a StoreError in one line saying why when it cannot be done."""
    import psycopg  # only a server's store needs it

    host, port, user = env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_USER"]
    dbname, timeout = env["POSTGRES_DBNAME"], env["POSTGRES_CONNECT_TIMEOUT"]
    try:
        psycopg.connect(
            dbname=dbname,
            host=host,
            port=port,
            user=user,
            password=env["POSTGRES_PASSWORD"],
            connect_timeout=timeout,
        ).close()
    except psycopg.errors.ConnectionTimeout:
        raise _cannot_reach(
            store, f"the server at {host} port {port} did not answer within {timeout} seconds"
        ) from None
    except psycopg.OperationalError as error:
        raise _cannot_reach(store, _why(str(error), host, port, user)) from None


def _cannot_reach(store: str, why: str) -> StoreError:
    return StoreError(f"cannot open the store at {shown(store)}: {why}")


def _why(message: str, host: str, port: str, user: str) -> str:
    """Why the connection failed, from psycopg's message about it, in one line."""
    server = f"the server at {host} port {port}"
    if found := _NO_DATABASE.search(message):
        return (
            f'{server} has no database "{found["name"]}": create it '
            f"(createdb {found['name']}), or name one it has in the URL"
        )
    if found := _NO_ROLE.search(message):
        return f'{server} has no role "{found["name"]}": name a user it has in the URL'
    if _NO_PASSWORD.search(message):
        return (
            f'{server} asks for a password for user "{user}" and the URL gives none: '
            f"write it as postgresql://{user}:PASSWORD@..."
        )
    if _AUTHENTICATION.search(message):
        return (
            f'{server} refused user "{user}": authentication failed ({_said(message)}); '
            "check the user and password in the URL"
        )
    if _REFUSED.search(message):
        return (
            f"the host {host} refused the connection: nothing is listening on port {port} "
            "(is the PostgreSQL server running, and on that port?)"
        )
    if _UNKNOWN_HOST.search(message):
        return f"the host name {host} cannot be found"
    return f"{server} could not be reached: {_said(message)}"


def _said(message: str) -> str:
    """The first line of what was said, without psycopg's and libpq's prefixes."""
    first = message.strip().splitlines()[0] if message.strip() else "no reason given"
    first = _ATTEMPT_PREFIX.sub("", first.strip())
    return re.sub(r"^(FATAL|ERROR):\s+", "", first)
