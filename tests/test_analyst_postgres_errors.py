"""A PostgreSQL store that cannot be opened says why in one line, at once where the server
answers: nothing listening on the port, no such database, no such role, authentication
refused; and, where nothing answers, that the server did not answer within the timeout.
A store that fails part-way through a command is named too.

The missing database and role are asked of the test server (tests/backends.py: skipped
when it is absent, failed under LEDGER_REQUIRE_POSTGRES=1). A closed port needs no server.
Password authentication is refused by a small stand-in server speaking the start of
PostgreSQL's protocol, since the test server trusts every local connection."""

from __future__ import annotations

import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from backends import POSTGRES_URL, require_postgres
from click.testing import CliRunner, Result
from eventsourcing.persistence import OperationalError
from factories import world, write_jsonl

from ledger.cli import main
from ledger.store.reading import LogReader
from ledger.store.settings import shown, store_environment

SERVER = urlsplit(POSTGRES_URL)
HOST, PORT = SERVER.hostname or "localhost", SERVER.port or 5432
ANSWERED_WITHIN = 2.0  # seconds, for a server (or a host) that answers
A_RECORD = "events/organisations/area-teams-2015.jsonl"
# A command that only reads the store, and one that writes to it (or makes it).
COMMANDS = [["log"], ["import", A_RECORD]]


def ledger(store: str, *args: str, env: dict[str, str] | None = None) -> tuple[Result, float]:
    started = time.monotonic()
    result = CliRunner().invoke(main, ["--store", store, *args], env=env)
    return result, time.monotonic() - started


def one_error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("Error: cannot open the store at ")
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    assert "couldn't get a connection" not in result.stderr
    return result.stderr


@pytest.fixture
def server() -> None:
    require_postgres()


@pytest.mark.parametrize("command", COMMANDS, ids=["reading", "writing"])
def test_a_database_the_server_does_not_have_is_named(server, command):
    database = f"ledger_absent_{uuid.uuid4().hex[:8]}"
    store = f"postgresql://{SERVER.username}@{HOST}:{PORT}/{database}"
    result, took = ledger(store, *command)
    said = one_error_line(result)
    assert said == (
        f"Error: cannot open the store at {store}: the server at {HOST} port {PORT} has no "
        f'database "{database}": create it (createdb {database}), or name one it has in the URL\n'
    )
    assert took < ANSWERED_WITHIN


@pytest.mark.parametrize("command", COMMANDS, ids=["reading", "writing"])
def test_a_role_the_server_does_not_have_is_named(server, command):
    role = f"ledger_nobody_{uuid.uuid4().hex[:8]}"
    store = f"postgresql://{role}@{HOST}:{PORT}{SERVER.path}"
    result, took = ledger(store, *command)
    said = one_error_line(result)
    assert said.endswith(
        f'the server at {HOST} port {PORT} has no role "{role}": name a user it has in the URL\n'
    )
    assert took < ANSWERED_WITHIN


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", COMMANDS, ids=["reading", "writing"])
def test_a_port_nothing_listens_on_is_said_to_refuse_the_connection(command):
    port = free_port()
    store = f"postgresql://analyst:s3cret@127.0.0.1:{port}/ledger"
    result, took = ledger(store, *command)
    said = one_error_line(result)
    assert said == (
        f"Error: cannot open the store at postgresql://analyst:***@127.0.0.1:{port}/ledger: "
        f"the host 127.0.0.1 refused the connection: nothing is listening on port {port} "
        "(is the PostgreSQL server running, and on that port?)\n"
    )
    assert took < ANSWERED_WITHIN


def test_the_store_named_by_ledger_store_is_told_the_same_way():
    port = free_port()
    store = f"postgresql://analyst:s3cret@127.0.0.1:{port}/ledger"
    started = time.monotonic()
    result = CliRunner().invoke(main, ["log"], env={"LEDGER_STORE": store})
    said = one_error_line(result)
    assert f"nothing is listening on port {port}" in said
    assert "s3cret" not in result.output
    assert time.monotonic() - started < ANSWERED_WITHIN


def test_a_host_name_that_cannot_be_found_is_said_so():
    result, took = ledger("postgresql://postgres@ledger-no-such-host.invalid/ledger", "log")
    said = one_error_line(result)
    assert said.endswith(": the host name ledger-no-such-host.invalid cannot be found\n")


# A stand-in server: it answers the client's SSL request with "no", asks for a password
# in clear text, reads it, and refuses it as PostgreSQL does (SQLSTATE 28P01).


def _message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!I", len(body) + 4) + body


def _refuse_password(conn: socket.socket, seen: list[bytes]) -> None:
    with conn:
        length = struct.unpack("!I", conn.recv(4))[0]
        request = conn.recv(length - 4)
        if struct.unpack("!I", request[:4])[0] == 80877103:  # SSLRequest
            conn.sendall(b"N")
            length = struct.unpack("!I", conn.recv(4))[0]
            conn.recv(length - 4)  # the startup message
        conn.sendall(_message(b"R", struct.pack("!I", 3)))  # a clear-text password, please
        kind = conn.recv(1)
        if not kind:
            return  # the client had no password to give
        length = struct.unpack("!I", conn.recv(4))[0]
        seen.append(conn.recv(length - 4).rstrip(b"\0"))
        fields = [
            b"SFATAL",
            b"VFATAL",
            b"C28P01",
            b'Mpassword authentication failed for user "analyst"',
        ]
        conn.sendall(_message(b"E", b"\0".join(fields) + b"\0\0"))


@pytest.fixture
def asks_for_a_password() -> Iterator[tuple[int, list[bytes]]]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(10)
    seen: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            _refuse_password(conn, seen)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], seen
    listener.close()
    thread.join(5)


@pytest.mark.parametrize("command", COMMANDS, ids=["reading", "writing"])
def test_a_password_the_server_refuses_is_said_to_fail_authentication(asks_for_a_password, command):
    port, seen = asks_for_a_password
    store = f"postgresql://analyst:s3cret@127.0.0.1:{port}/ledger"
    result, took = ledger(store, *command)
    said = one_error_line(result)
    assert said == (
        f"Error: cannot open the store at postgresql://analyst:***@127.0.0.1:{port}/ledger: "
        f'the server at 127.0.0.1 port {port} refused user "analyst": authentication failed '
        '(password authentication failed for user "analyst"); '
        "check the user and password in the URL\n"
    )
    assert seen == [b"s3cret"]  # the password was given to the server, and never shown
    assert "s3cret" not in result.output
    assert took < ANSWERED_WITHIN


def test_a_url_without_the_password_the_server_asks_for_is_said_so(asks_for_a_password, tmp_path):
    port, seen = asks_for_a_password
    store = f"postgresql://analyst@127.0.0.1:{port}/ledger"
    nowhere = str(tmp_path / "no-pgpass")  # no password from the environment either
    result, took = ledger(store, "log", env={"PGPASSWORD": None, "PGPASSFILE": nowhere})  # type: ignore[dict-item]
    said = one_error_line(result)
    assert said.endswith(
        f'the server at 127.0.0.1 port {port} asks for a password for user "analyst" '
        "and the URL gives none: write it as postgresql://analyst:PASSWORD@...\n"
    )
    assert seen == []
    assert took < ANSWERED_WITHIN


def test_a_server_that_never_answers_is_given_up_on_after_the_timeout():
    timeout = store_environment("postgresql://postgres@127.0.0.1/ledger")[
        "POSTGRES_CONNECT_TIMEOUT"
    ]
    with socket.socket() as silent:  # accepts connections (the kernel does), says nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        result, took = ledger(f"postgresql://postgres@127.0.0.1:{port}/ledger", "log")
    said = one_error_line(result)
    assert said.endswith(
        f"the server at 127.0.0.1 port {port} did not answer within {timeout} seconds\n"
    )
    assert int(timeout) - 0.5 < took < int(timeout) + 3


# -- a server that stops while a command reads --------------------------------------------

STOPPED = "terminating connection due to administrator command\nSSL connection has been closed"


@pytest.mark.parametrize("command", [["log"], ["view", "ccg-budgets"], ["check"]], ids=" ".join)
def test_a_store_that_fails_part_way_through_a_read_is_named(store, tmp_path, monkeypatch, command):
    """An operator restarts the team's server while analysts read: check, view and log
    said only "Error: terminating connection due to administrator command", not which
    store went away nor that the command may be run again. A file says the same."""
    views = str(tmp_path / "views.db")
    records = write_jsonl(tmp_path / "world.jsonl", world())
    assert CliRunner().invoke(main, ["--store", store, "import", str(records)]).exit_code == 0

    def server_gone(self, *args):
        raise OperationalError(STOPPED)

    monkeypatch.setattr(LogReader, "records_after", server_gone)
    result = CliRunner().invoke(main, ["--store", store, "--views", views, *command])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the store at {shown(store)} failed part-way (terminating connection due to "
        "administrator command SSL connection has been closed); run the command again\n"
    )
