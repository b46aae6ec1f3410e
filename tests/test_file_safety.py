"""Files a user names: the store is never written by a command that reads it, a views
path or output file never replaces the store (nor, unasked, another database), a store
URL never repeats its password, and a broken, full or read-only file is one line that
says what happened and what to do (issue 14)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from backends import POSTGRES_URL, require_postgres
from click.testing import CliRunner, Result
from factories import allocation, forecast, world, write_jsonl
from filesystems import fill, read_only, small_disk
from processes import ledger_process

from ledger.cli import main

PASSWORD = "s3cret"


def ledger(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def ledger_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The ledger as a separate process, run in ``folder`` as a user in a shell would."""
    return subprocess.run(
        [sys.executable, "-m", "ledger.cli", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A SQLite store holding the test world and one allocation."""
    path = tmp_path / "ledger.db"
    records = write_jsonl(tmp_path / "records.jsonl", [*world(), allocation()])
    imported = ledger("--store", str(path), "import", str(records))
    assert imported.exit_code == 0, imported.output
    return path


def main_files(folder: Path) -> list[str]:
    """The names in a folder but SQLite's side files (a reader of a WAL database may leave
    them, empty of changes)."""
    return [p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm"))]


def views_of(store: Path, views: Path) -> Path:
    """A views database built from the store."""
    built = ledger("--store", str(store), "--views", str(views), "rebuild")
    assert built.exit_code == 0, built.output
    return views


# 1. A views path that is the store, or a file that is not a views database -------------

VIEWS_COMMANDS = {
    "view": ["view", "ccg-budgets"],
    "query": ["query", "SELECT 1"],
    "audit": ["audit", "06H", "allocation"],
    "diff": ["diff", "06H", "--from", "2013-04-01", "--to", "2014-03-31"],
    "chart": ["chart", "06H", "allocation", "-o", "chart.png"],
    "rebuild": ["rebuild"],
    "rebuild --force": ["rebuild", "--force"],
}


@pytest.mark.parametrize("command", VIEWS_COMMANDS.values(), ids=VIEWS_COMMANDS.keys())
@pytest.mark.parametrize("spelling", ["same", "dot", "symlink", "hard link", "side file"])
def test_a_views_path_that_is_the_store_is_refused_and_the_store_kept(
    store, tmp_path, monkeypatch, command, spelling
):
    monkeypatch.chdir(tmp_path)
    views = {
        "same": "ledger.db",
        "dot": "./ledger.db",
        "symlink": "link.db",
        "hard link": "hard.db",
        "side file": "ledger.db-wal",
    }[spelling]
    os.symlink("ledger.db", "link.db")
    os.link("ledger.db", "hard.db")
    before = fingerprint(store)
    result = ledger("--store", "ledger.db", "--views", views, *command)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {Path(views)} is the ledger's store, not a views database; "
        "give another --views path\n"
    )
    assert fingerprint(store) == before
    assert ledger("--store", "ledger.db", "log").exit_code == 0


def test_check_with_the_store_as_views_fails_and_keeps_the_store(store, tmp_path):
    before = fingerprint(store)
    result = ledger("--store", str(store), "--views", str(store), "check", "--format", "csv")
    assert result.exit_code == 1
    assert (
        f"the views could not be built: {store} is the ledger's store, not a views database; "
        "give another --views path"
    ) in result.stdout
    assert fingerprint(store) == before


@pytest.mark.parametrize("spelling", ["ledger.db", "./ledger.db", "link.db"])
def test_replay_into_the_store_is_refused_in_a_real_process(store, tmp_path, spelling):
    os.symlink("ledger.db", tmp_path / "link.db")
    before = fingerprint(store)
    result = ledger_in(tmp_path, "--store", "ledger.db", "replay", "--views", spelling)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: {Path(spelling)} is the ledger's store, not a views database; "
        "give another --views path\n"
    )
    assert fingerprint(store) == before
    check = ledger_in(tmp_path, "--store", "ledger.db", "--views", "v.db", "check")
    assert check.returncode == 0, check.stderr


def other_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """Files that are not views databases, and why the ledger says so."""
    text = folder / "notes.txt"
    text.write_text("my notes\n")
    mine = folder / "mine.db"
    with contextlib.closing(sqlite3.connect(mine)) as db, db:
        db.execute("CREATE TABLE notes (text)")
    return {
        "text": (text, " (file is not a database)"),
        "sqlite": (mine, ""),
    }


@pytest.mark.parametrize("kind", ["text", "sqlite"])
@pytest.mark.parametrize(
    "command", [["view", "ccg-budgets"], ["rebuild"], ["query", "SELECT 1"]], ids=" ".join
)
def test_a_file_that_is_not_a_views_database_is_refused_and_left_untouched(
    store, tmp_path, kind, command
):
    path, why = other_files(tmp_path)[kind]
    before = fingerprint(path)
    result = ledger("--store", str(store), "--views", str(path), *command)
    assert result.exit_code == 1
    replacing = (
        "add --force to replace it"
        if command == ["rebuild"]
        else ("replace it with: rebuild --force")
    )
    assert result.stderr == (
        f"Error: {path} is not a ledger views database{why}; give another --views path, "
        f"or {replacing}\n"
    )
    assert fingerprint(path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(path.name)) == [path.name]


@pytest.mark.parametrize(
    "command",
    [
        ["view", "ccg-budgets"], ["query", "SELECT 1"], ["rebuild"], ["rebuild", "--force"],
        ["replay"], ["replay", "--force"], ["replay", "--force", "--as-at", "2014-01-01"],
    ],
    ids=" ".join,
)  # fmt: skip
def test_another_ledger_store_given_as_views_is_named_and_never_replaced(store, tmp_path, command):
    """A copy of the store, or a colleague's, given as --views: before, it was called
    "not a views database" with a hint to replace it by rebuild --force, which did."""
    other = tmp_path / "other.db"
    shutil.copy(store, other)
    before = fingerprint(other)
    result = ledger("--store", str(store), "--views", str(other), *command)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {other} is a ledger event store, not a views database; a store is never "
        "replaced by views, even with --force: give another --views path\n"
    )
    assert fingerprint(other) == before


@pytest.mark.parametrize(
    "command",
    [["export", "-o"], ["demo", "generate", "--events", "5", "-o"], ["query", "SELECT 1", "-o"]],
    ids=" ".join,
)
def test_an_output_file_never_replaces_another_ledger_store_even_forced(store, tmp_path, command):
    other = tmp_path / "other.db"
    shutil.copy(store, other)
    before = fingerprint(other)
    result = ledger("--store", str(store), "--views", str(tmp_path / "views.db"),
                    *command, str(other), "--force")  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {other} is a ledger event store: an output file never replaces one, even "
        "with --force; give another file name\n"
    )
    assert fingerprint(other) == before


def test_replay_refuses_another_file_and_replaces_it_only_when_forced(store, tmp_path):
    path, _ = other_files(tmp_path)["text"]
    refused = ledger("--store", str(store), "replay", "--views", str(path))
    assert refused.exit_code == 1
    assert path.read_text() == "my notes\n"
    forced = ledger("--store", str(store), "replay", "--views", str(path), "--force")
    assert forced.exit_code == 0, forced.output
    assert forced.stdout.startswith(f"Replayed 6 events into {path}: ")
    assert ledger("--store", str(store), "--views", str(path), "view", "ccg-budgets").exit_code == 0


def test_rebuild_replaces_a_views_database(store, tmp_path):
    views = views_of(store, tmp_path / "views.db")
    again = ledger("--store", str(store), "--views", str(views), "rebuild")
    assert again.exit_code == 0
    assert again.stdout == (f"Replayed 6 events into {views}: 1 posting, 4 organisations.\n")


# 2. Output files --------------------------------------------------------------------------

OUTPUTS = {
    "export": ["export", "-o"],
    "demo generate": ["demo", "generate", "--events", "5", "-o"],
}


@pytest.mark.parametrize("command", OUTPUTS.values(), ids=OUTPUTS.keys())
@pytest.mark.parametrize("spelling", ["ledger.db", "./ledger.db", "link.db", "ledger.db-wal"])
@pytest.mark.parametrize("force", [[], ["--force"]], ids=["", "forced"])
def test_an_output_file_never_replaces_the_store(
    store, tmp_path, monkeypatch, command, spelling, force
):
    monkeypatch.chdir(tmp_path)
    os.symlink("ledger.db", "link.db")
    before = fingerprint(store)
    result = ledger("--store", "ledger.db", *command, spelling, *force)
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"Error: {spelling} is the ledger's store: an output file never replaces it\n"
    )
    assert fingerprint(store) == before
    assert [name for name in os.listdir(tmp_path) if name.endswith(".partial")] == []


def test_a_chart_never_replaces_the_store(tmp_path):
    store = tmp_path / "ledger.png"  # a store may have any name
    records = write_jsonl(tmp_path / "records.jsonl", [*world(), allocation()])
    assert ledger("--store", str(store), "import", str(records)).exit_code == 0
    before = fingerprint(store)
    result = ledger(
        "--store", str(store), "--views", str(tmp_path / "views.db"),
        "chart", "06H", "allocation", "-o", str(store), "--force",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {store} is the ledger's store: an output file never replaces it\n"
    )
    assert fingerprint(store) == before


def test_an_output_file_replaces_another_sqlite_database_only_when_forced(store, tmp_path):
    views = views_of(store, tmp_path / "views.db")
    before = fingerprint(views)
    refused = ledger("--store", str(store), "export", "-o", str(views))
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"Error: {views} is a SQLite database (a ledger views database?); "
        "give another file name, or add --force to replace it\n"
    )
    assert fingerprint(views) == before
    forced = ledger("--store", str(store), "export", "-o", str(views), "--force")
    assert forced.exit_code == 0, forced.output
    assert views.read_text(encoding="utf-8").count("\n") == 6


def test_an_output_file_that_fails_part_way_leaves_the_earlier_file(store, tmp_path):
    from ledger.store.files import output_file

    path = tmp_path / "out.jsonl"
    path.write_text("an earlier file\n")

    with (
        pytest.raises(OSError, match="the store went away"),
        output_file(str(path), store=str(store), force=False) as lines,
    ):
        lines.write('{"id": "first"}\n')
        raise OSError("the store went away")
    assert path.read_text() == "an earlier file\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("out", ".out"))) == [
        "out.jsonl"
    ]
    with output_file(str(path), store=str(store), force=False) as lines:
        lines.write('{"id": "a"}\n')
    assert path.read_text() == '{"id": "a"}\n'
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing/chart.png", "cannot write {path}: there is no folder {folder}"),
        ("chart.txt", "cannot write {path}: a chart is a PNG; give a file name ending in .png"),
        ("chart", "cannot write {path}: a chart is a PNG; give a file name ending in .png"),
        ("folder.png", "cannot write {path}: it is a folder"),
    ],
)
def test_chart_output_that_cannot_be_a_png_file_is_one_error(store, tmp_path, name, message):
    (tmp_path / "folder.png").mkdir()
    path = tmp_path / name
    result = ledger(
        "--store", str(store), "--views", str(tmp_path / "views.db"),
        "chart", "06H", "allocation", "-o", str(path),
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == f"Error: {message.format(path=path, folder=path.parent)}\n"


@pytest.mark.parametrize("command", OUTPUTS.values(), ids=OUTPUTS.keys())
def test_an_output_file_in_a_missing_folder_is_one_error(store, tmp_path, command):
    path = tmp_path / "missing" / "out.jsonl"
    result = ledger(
        "--store", str(store), "--views", str(tmp_path / "views.db"), *command, str(path)
    )
    assert result.exit_code == 1
    assert result.stderr.endswith(f"Error: cannot write {path}: there is no folder {path.parent}\n")


# 10. Store URLs never repeat a password ---------------------------------------------------

REFUSED_URLS = {
    f"postgresql+psycopg://u:{PASSWORD}@127.0.0.1/db": "postgresql+psycopg:...",
    f"mysql://u:{PASSWORD}@127.0.0.1/db": "mysql:...",
    f"mysql:{PASSWORD}@host": "mysql:...",
    f"postgres:{PASSWORD}@host": "postgres:...",
    f"http://u:{PASSWORD}@example.org/": "http:...",
    "file://localhost/ledger.db": "file:...",
}
BAD_PORT = "its port is not a number from 1 to 65535 (a / or @ in a password is written %2F or %40)"
UNREADABLE_URLS = {
    f"postgresql://u:{PASSWORD}@127.0.0.1:99999/db": ("127.0.0.1:99999/db", BAD_PORT),
    f"postgresql://u:{PASSWORD}@127.0.0.1:0/db": ("127.0.0.1:0/db", BAD_PORT),
    "postgresql://u:s3/cret@127.0.0.1/db": ("127.0.0.1/db", BAD_PORT),
    f"postgresql://u:{PASSWORD}@[::1/db": (
        "[::1/db",
        "an IPv6 host is written in brackets, [::1]",
    ),
}
COMMANDS = [["log"], ["import", "records.jsonl"], ["view", "ccg-budgets"], ["check"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("url", REFUSED_URLS)
def test_a_url_the_ledger_cannot_use_is_refused_without_its_password(
    tmp_path, monkeypatch, url, command
):
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "records.jsonl", world())
    result = ledger("--store", url, "--views", "views.db", *command)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the store {REFUSED_URLS[url]} is not a URL the ledger can use: give a file "
        "path, or a PostgreSQL server's URL, "
        "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]\n"
    )
    assert PASSWORD not in result.output and "cret" not in result.output
    assert sorted(os.listdir(tmp_path)) == ["records.jsonl"]  # no file made of its name


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("schema", ["h1;drop", 'h1"x', "1abc", "a b", "x" * 64, "naïve"], ids=repr)
def test_a_schema_name_that_is_not_plain_is_refused_before_any_sql(
    tmp_path, monkeypatch, schema, command
):
    """The schema's name goes into the library's SQL as it is: 'h1;drop' reached the
    server as SQL, and came back as its syntax error."""
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "records.jsonl", world())
    url = f"postgresql://u:{PASSWORD}@127.0.0.1:1/db?schema={quote(schema)}"
    result = ledger("--store", url, "--views", "views.db", *command)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the store URL's schema {schema!r} is not a plain name: letters, digits and "
        "_, not starting with a digit, up to 63 characters\n"
    )
    assert PASSWORD not in result.output
    assert sorted(os.listdir(tmp_path)) == ["records.jsonl"]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("url", UNREADABLE_URLS)
def test_a_server_url_that_cannot_be_read_is_refused_without_its_password(
    tmp_path, monkeypatch, url, command
):
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "records.jsonl", world())
    result = ledger("--store", url, "--views", "views.db", *command)
    place, why = UNREADABLE_URLS[url]
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the store URL postgresql://u:***@{place} cannot be read: {why}\n"
    )
    assert "cret" not in result.output
    assert sorted(os.listdir(tmp_path)) == ["records.jsonl"]


def server_spelling(spelling: str) -> str:
    """The test server's URL with a password, in a spelling a user might type."""
    require_postgres()
    url = urlsplit(POSTGRES_URL)
    netloc = f"{url.username or 'postgres'}:{PASSWORD}@{url.hostname}:{url.port or 5432}"
    base = f"{netloc}{url.path}?schema=no_ledger_here"
    return {
        "capitals": f"PostgreSQL://{base}",
        "short scheme": f"postgres://{base}",
        "leading space": f" postgresql://{base}",
        "other option": f"postgresql://{base}&password={PASSWORD}",
    }[spelling]


@pytest.mark.parametrize("spelling", ["capitals", "short scheme", "leading space"])
def test_a_server_url_in_another_spelling_is_used_and_never_shows_its_password(tmp_path, spelling):
    url = server_spelling(spelling)
    result = ledger("--store", url, "log")
    masked = url.replace(f":{PASSWORD}@", ":***@")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no ledger store at {masked} (create one with: ledger --store {masked} "
        "import events/)\n"
    )
    assert PASSWORD not in result.output


def test_a_password_given_as_a_url_option_is_not_shown_either():
    url = server_spelling("other option")
    result = ledger("--store", url, "log")
    assert result.exit_code == 1
    assert result.stderr.endswith("?... has password: only schema= is understood\n")
    assert PASSWORD not in result.output


# 13. Errors, not tracebacks: damaged views, stores that are not stores --------------------


def damage(views: Path, how: str) -> None:
    if how == "truncated":
        with views.open("r+b") as file:
            file.truncate(views.stat().st_size // 4)
    elif how == "garbage":
        views.write_bytes(bytes(range(256)) * 64)
    elif how == "corrupted pages":
        with views.open("r+b") as file:
            file.seek(4096 * 2)
            file.write(b"\xff" * 4096 * (views.stat().st_size // 4096 - 3))
    elif how == "empty tracking table":
        with contextlib.closing(sqlite3.connect(views)) as db, db:
            db.execute("DELETE FROM ledger_tracking")
    elif how == "dropped table":
        with contextlib.closing(sqlite3.connect(views)) as db, db:
            db.execute("DROP TABLE allocation_days")


@pytest.mark.parametrize(
    "how", ["truncated", "corrupted pages", "empty tracking table", "dropped table"]
)
@pytest.mark.parametrize("command", [["view", "ccg-budgets"], ["query", "SELECT * FROM postings"]])
def test_a_damaged_views_database_says_to_rebuild_and_rebuild_mends_it(
    store, tmp_path, how, command
):
    views = views_of(store, tmp_path / "views.db")
    expected = ledger("--store", str(store), "--views", str(views), *command).stdout
    damage(views, how)
    result = ledger("--store", str(store), "--views", str(views), *command)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: the views database {views} is damaged (")
    assert result.stderr.endswith(
        f"); it holds nothing the store does not, so make it again: "
        f"ledger --views {views} rebuild\n"
    )
    assert result.stderr.count("\n") == 1
    assert ledger("--store", str(store), "--views", str(views), "rebuild").exit_code == 0
    mended = ledger("--store", str(store), "--views", str(views), *command)
    assert (mended.exit_code, mended.stdout) == (0, expected)


def test_a_views_file_overwritten_with_garbage_can_be_replaced_when_forced(store, tmp_path):
    views = views_of(store, tmp_path / "views.db")
    damage(views, "garbage")
    result = ledger("--store", str(store), "--views", str(views), "view", "ccg-budgets")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {views} is not a ledger views database (file is not a database); give "
        "another --views path, or replace it with: rebuild --force\n"
    )
    assert ledger("--store", str(store), "--views", str(views), "rebuild").exit_code == 1
    forced = ledger("--store", str(store), "--views", str(views), "rebuild", "--force")
    assert forced.exit_code == 0, forced.output
    assert (
        ledger("--store", str(store), "--views", str(views), "view", "ccg-budgets").exit_code == 0
    )


@pytest.mark.parametrize(
    "command",
    [["view", "ccg-budgets"], ["rebuild"], ["audit", "06H", "allocation"], ["query", "SELECT 1"]],
    ids=" ".join,
)
@pytest.mark.parametrize("where", ["a folder", "a missing folder"])
def test_a_views_path_that_cannot_be_a_file_is_one_error(store, tmp_path, command, where):
    (tmp_path / "folder").mkdir()
    views = tmp_path / ("folder" if where == "a folder" else "missing/views.db")
    result = ledger("--store", str(store), "--views", str(views), *command)
    why = "it is a folder" if where == "a folder" else f"there is no folder {views.parent}"
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot use {views} as the views database: {why}; give another --views path\n"
    )
    assert sorted(main_files(tmp_path)) == ["folder", "ledger.db", "records.jsonl"]


EMPTY_VIEWS = "the views path given (--views or LEDGER_VIEWS) is empty: give a file"


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["--views", "", "view", "ccg-budgets"], EMPTY_VIEWS),
        (["replay", "--views", ""], EMPTY_VIEWS),
        (["export", "-o", ""], "the output file's name is empty: give a file"),
        (["chart", "06H", "allocation", "-o", ""], "the output file's name is empty: give a file"),
    ],
    ids=["view", "replay", "export", "chart"],
)  # fmt: skip
def test_an_empty_views_path_or_output_name_is_one_error(store, tmp_path, command, message):
    result = ledger("--store", str(store), "--views", str(tmp_path / "views.db"), *command)
    assert (result.exit_code, result.stderr) == (1, f"Error: {message}\n")


@pytest.mark.parametrize(
    "command",
    [["view", "ccg-budgets"], ["rebuild"], ["replay"], ["query", "SELECT 1"], ["orgs", "06H"]],
    ids=" ".join,
)
def test_a_views_path_that_is_a_server_url_is_refused_without_its_password(
    store, tmp_path, monkeypatch, command
):
    """An analyst gives the team's server as --views too: the message repeated the
    password (in a path, postgresql:/ana:s3cret@...), and where folders of those names
    happened to be, a views database was made in them."""
    url = "postgresql://ana:s3cret@db.example:5432/team"
    folder = tmp_path / "postgresql:" / "ana:s3cret@db.example:5432"
    folder.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    result = ledger("--store", str(store), "--views", url, *command)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: the views database is a SQLite file, not a server: "
        "postgresql://ana:***@db.example:5432/team is a URL (--views or LEDGER_VIEWS); "
        "give a file path\n"
    )
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    "command",
    [["export"], ["log", "--format", "csv"], ["chart", "06H", "allocation"]],
    ids=" ".join,
)
def test_an_output_file_that_is_a_server_url_is_refused_without_its_password(
    store, tmp_path, monkeypatch, command
):
    """To move the store to the team's server, an analyst tries export -o URL: the
    message repeated the password (cannot write postgresql://ana:s3cret@...)."""
    monkeypatch.chdir(tmp_path)
    url = "postgresql://ana:s3cret@db.example:5432/team"
    result = ledger("--store", str(store), "--views", "views.db", *command, "-o", url)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: postgresql://ana:***@db.example:5432/team is a URL, not a file name: -o "
        "writes a file (a store moves to a server by importing its export there)\n"
    )


def test_replay_into_a_folder_is_one_error(store, tmp_path):
    (tmp_path / "folder").mkdir()
    result = ledger("--store", str(store), "replay", "--views", str(tmp_path / "folder"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot use {tmp_path / 'folder'} as the views database: it is a folder; "
        "give another --views path\n"
    )
    assert list((tmp_path / "folder").iterdir()) == []


def not_stores(folder: Path) -> dict[str, tuple[str, str]]:
    """Store arguments that are not a ledger store, and what the ledger says of each."""
    text = folder / "notes.txt"
    text.write_text("my notes\n")
    views = views_of(folder / "ledger.db", folder / "views.db")
    mine = folder / "mine.db"
    with contextlib.closing(sqlite3.connect(mine)) as db, db:
        db.execute("CREATE TABLE notes (text)")
    (folder / "folder").mkdir()
    damaged = folder / "damaged.db"
    damaged.write_bytes((folder / "ledger.db").read_bytes()[: 4096 * 3])
    give = "give the store's file with --store"
    return {
        "damaged": (
            str(damaged),
            f"the store {damaged} cannot be read (database disk image is malformed): it is "
            "damaged; restore it from a copy, or import an earlier export into a new store",
        ),
        "text": (str(text), f"{text} is not a ledger store (it is not a SQLite database); {give}"),
        "views": (str(views), f"{views} is a views database, not a ledger store; {give}"),
        "sqlite": (
            str(mine),
            f"{mine} is a SQLite database of other tables, not a ledger store; {give}",
        ),
        "folder": (
            str(folder / "folder"),
            f"cannot use {folder / 'folder'} as the store: it is a folder; give the store's file",
        ),
        "empty": (
            "",
            "the store given (--store or LEDGER_STORE) is empty: give a file path, or a "
            "PostgreSQL server's URL, postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
            "[?schema=NAME]",
        ),
    }


@pytest.mark.parametrize(
    "command",
    [["log"], ["export"], ["view", "ccg-budgets"], ["import", "records.jsonl"],
     ["import", "--dry-run", "records.jsonl"], ["record", "plan", "--account", "06H",
     "--year", "2013-14", "--amount", "1m", "--as-at", "2013-09-30", "--source",
     "board-paper-2013-11", "--locator", "p1"]],
    ids=lambda command: " ".join(command[:2]),
)  # fmt: skip
@pytest.mark.parametrize("kind", ["text", "views", "sqlite", "folder", "empty", "damaged"])
def test_a_store_that_is_not_a_ledger_store_is_refused_and_nothing_is_added(
    store, tmp_path, monkeypatch, kind, command
):
    monkeypatch.chdir(tmp_path)
    given, message = not_stores(tmp_path)[kind]
    files = [name for name in main_files(tmp_path) if (tmp_path / name).is_file()]
    before = {name: fingerprint(tmp_path / name) for name in files}
    result = ledger("--store", given, "--views", str(tmp_path / "other-views.db"), *command)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {message}\n"
    assert {name: fingerprint(tmp_path / name) for name in files} == before


def test_an_import_folder_holding_a_folder_named_like_a_file_reads_only_files(store, tmp_path):
    folder = tmp_path / "imports"
    (folder / "x.jsonl").mkdir(parents=True)
    only_folders = ledger("--store", str(store), "import", str(folder))
    assert only_folders.exit_code == 1
    assert only_folders.stderr == (
        f"{folder}: no .jsonl files in this folder\nError: 1 problem found; nothing was recorded.\n"
    )
    write_jsonl(folder / "x.jsonl" / "plan.jsonl", [forecast()])
    imported = ledger("--store", str(store), "import", str(folder))
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.startswith("Recorded 1 new record from 1 file; 0 already recorded.")


# 13 and 14. A read-only store, a full disk ------------------------------------------------


def test_a_store_taken_out_of_wal_mode_is_read_whether_it_may_be_written_or_not(tmp_path):
    """The sqlite3 shell (a backup, a copy) may leave a store in another journal mode;
    the store's connections ask for WAL, which a read-only connection cannot switch to."""
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    store = shelf / "ledger.db"
    history = write_jsonl(tmp_path / "history.jsonl", [*world(), allocation()])
    assert ledger("--store", str(store), "import", str(history)).exit_code == 0
    with contextlib.closing(sqlite3.connect(store)) as db:
        assert db.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    for side in shelf.glob("ledger.db-*"):
        side.unlink()
    logged = ledger("--store", str(store), "log", "--format", "csv")
    assert logged.exit_code == 0, logged.output
    assert logged.stdout.count("\n") == 7  # a header and six records
    checked = ledger("--store", str(store), "--views", str(tmp_path / "a.db"), "check")
    assert (checked.exit_code, checked.stdout.splitlines()[-1]) == (
        0,
        "No failures in 17 checks over 6 records.",
    )
    with contextlib.closing(sqlite3.connect(store)) as db:
        db.execute("PRAGMA journal_mode=DELETE")
    for side in shelf.glob("ledger.db-*"):
        side.unlink()
    before = fingerprint(store)
    with read_only(shelf):
        found = ledger_in(tmp_path, "--store", "shelf/ledger.db", "log", "--format", "csv")
        views = ("--views", "b.db")
        checked_too = ledger_in(tmp_path, "--store", "shelf/ledger.db", *views, "check")
    assert (found.returncode, found.stdout) == (0, logged.stdout), found.stderr
    assert (checked_too.returncode, checked_too.stdout) == (0, checked.stdout), checked_too.stderr
    assert fingerprint(store) == before


def test_every_reading_command_works_on_a_read_only_store_and_writing_says_so(
    store, tmp_path, monkeypatch
):
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    shutil.move(store, shelf / "ledger.db")
    for side in tmp_path.glob("ledger.db-*"):
        side.unlink()
    writable = tmp_path / "copy.db"
    shutil.copy(shelf / "ledger.db", writable)
    readers = [
        ["log"],
        ["export"],
        ["view", "ccg-budgets"],
        ["query", "SELECT account, delta_pence FROM postings"],
        ["audit", "06H", "allocation"],
        ["check"],
        ["import", "--dry-run", "records.jsonl"],
    ]
    monkeypatch.chdir(tmp_path)
    expected = [ledger("--store", "copy.db", "--views", "a.db", *command) for command in readers]
    before = fingerprint(shelf / "ledger.db")
    with read_only(shelf):
        found = [
            ledger_in(tmp_path, "--store", "shelf/ledger.db", "--views", "b.db", *command)
            for command in readers
        ]
        more = write_jsonl(tmp_path / "more.jsonl", [forecast()])
        written = ledger_in(tmp_path, "--store", "shelf/ledger.db", "import", str(more))
        assert sorted(p.name for p in shelf.iterdir()) == ["ledger.db"]
    for command, wanted, got in zip(readers, expected, found, strict=True):
        assert (wanted.exit_code, got.returncode, got.stdout) == (0, 0, wanted.stdout), command
        assert got.stderr == wanted.stderr, command
    assert written.returncode == 1
    assert written.stderr.startswith("Error: the store at shelf/ledger.db is read-only (")
    assert written.stderr.endswith(
        "); nothing was recorded (commands that only read it still work)\n"
    )
    assert fingerprint(shelf / "ledger.db") == before


def test_a_new_views_database_in_a_folder_that_cannot_be_written_is_named(store, tmp_path):
    """An analyst points --views into a shared folder they may only read: every reading
    command gave a traceback (sqlite3.OperationalError: unable to open database file)."""
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    readers = [["view", "ccg-budgets"], ["audit", "06H", "allocation"], ["orgs", "06H"]]
    with read_only(shelf):
        found = [
            ledger_in(tmp_path, "--store", "ledger.db", "--views", "shelf/views.db", *command)
            for command in readers
        ]
        checked = ledger_in(tmp_path, "--store", "ledger.db", "--views", "shelf/v.db", "check")
    said = (
        "the views database shelf/views.db must be built, but its folder shelf cannot be "
        "written; give another --views path in a folder you may write to (the store is "
        "unchanged)"
    )
    for command, got in zip(readers, found, strict=True):
        assert (got.returncode, got.stdout, got.stderr) == (1, "", f"Error: {said}\n"), command
    assert checked.returncode == 1
    assert "the views could not be built: " + said.replace("views.db", "v.db") in checked.stdout
    assert list(shelf.iterdir()) == []


VIEWS_FULL = (
    "Error: the disk is full: the views database {views} is as it was, with no part-built "
    "file left, and the store is unchanged; free some space and run the command again\n"
)


def test_a_full_disk_during_catch_up_and_rebuild_is_said_and_the_views_survive(store, tmp_path):
    disk = tmp_path / "disk"
    with small_disk(disk):
        views = views_of(store, disk / "views.db")
        answer = ledger("--store", str(store), "--views", str(views), "view", "ccg-budgets")
        many = [allocation(f"more-{n}", amount=str(n + 1)) for n in range(3000)]
        more = write_jsonl(tmp_path / "more.jsonl", many)
        assert ledger("--store", str(store), "import", str(more)).exit_code == 0
        filler = fill(disk)
        for command in (["view", "ccg-budgets"], ["rebuild"]):
            result = ledger_in(tmp_path, "--store", str(store), "--views", str(views), *command)
            assert (result.returncode, result.stderr) == (1, VIEWS_FULL.format(views=views))
            assert sorted(p.name for p in disk.iterdir() if "building" in p.name) == []
        filler.unlink()
        shown = ledger("--store", str(store), "--views", str(views), "query",
                       "SELECT COUNT(*) AS n FROM postings", "--format", "csv")  # fmt: skip
        assert shown.stdout == "n\n3001\n"
        assert answer.exit_code == 0


def test_a_full_disk_under_the_store_is_said_not_called_busy(tmp_path):
    disk = tmp_path / "disk"
    with small_disk(disk, "1m"):
        store = disk / "ledger.db"
        first = write_jsonl(tmp_path / "first.jsonl", [*world(), allocation()])
        assert ledger("--store", str(store), "import", str(first)).exit_code == 0
        fill(disk)
        before = fingerprint(store)
        reading = ledger_in(tmp_path, "--store", str(store), "log", "--format", "csv")
        assert reading.returncode == 0, reading.stderr
        assert reading.stdout.count("\n") == 7  # a header and six records
        many = [allocation(f"more-{n}", amount=str(n + 1)) for n in range(3000)]
        result = ledger_in(
            tmp_path, "--store", str(store), "import", str(write_jsonl(tmp_path / "m.jsonl", many))
        )
        assert result.returncode == 1
        assert result.stderr == (
            "Error: the disk holding the store is full; nothing "
            "was recorded: free some space and run the command again\n"
        )
        assert fingerprint(store) == before


def test_a_full_disk_is_said_where_no_filesystem_can_be_mounted(store, tmp_path, monkeypatch):
    """The same errors in-process, wherever the tests run: SQLite's max_page_count makes a
    database full at its present size, as a full disk would."""
    from eventsourcing.sqlite import SQLiteConnectionPool

    from ledger.views.database import ViewsDatabase

    views = views_of(store, tmp_path / "views.db")
    many = [allocation(f"more-{n}", amount=str(n + 1)) for n in range(3000)]
    more = write_jsonl(tmp_path / "more.jsonl", many)
    assert ledger("--store", str(store), "import", str(more)).exit_code == 0
    opened = ViewsDatabase.__init__
    connect = SQLiteConnectionPool._create_connection

    def full_views(self, path, **options):
        opened(self, path, **options)
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        self.conn.execute(f"PRAGMA max_page_count = {max(pages, 2)}")

    def full_store(self):
        connection = connect(self)
        cursor = connection._sqlite_conn.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        return connection

    monkeypatch.setattr(ViewsDatabase, "__init__", full_views)
    monkeypatch.setattr(SQLiteConnectionPool, "_create_connection", full_store)
    before = fingerprint(views)
    for command in (["view", "ccg-budgets"], ["rebuild"]):
        result = ledger("--store", str(store), "--views", str(views), *command)
        assert (result.exit_code, result.stderr) == (1, VIEWS_FULL.format(views=views))
    assert fingerprint(views) == before
    stored = fingerprint(store)
    again = write_jsonl(tmp_path / "again.jsonl", [allocation(f"again-{n}") for n in range(3000)])
    result = ledger("--store", str(store), "import", str(again))
    assert result.stderr == (
        "Error: the disk holding the store is full; nothing "
        "was recorded: free some space and run the command again\n"
    )
    assert fingerprint(store) == stored


# 15. Two first views at once ----------------------------------------------------------------


def test_processes_opening_a_new_views_database_at_once_all_answer(store, tmp_path):
    for attempt in range(4):
        views = tmp_path / f"views-{attempt}.db"
        running = [
            ledger_process(
                "--store",
                str(store),
                "--views",
                str(views),
                "view",
                "ccg-budgets",
                "--format",
                "csv",
            )  # fmt: skip
            for _ in range(4)
        ]
        outcomes = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in running]
        for process in running:
            process.stdout.close()
            process.stderr.close()
        assert [code for code, _, _ in outcomes] == [0, 0, 0, 0], outcomes
        assert {out for _, out, _ in outcomes} == {outcomes[0][1]}
        assert "NHS Cambridgeshire and Peterborough CCG" in outcomes[0][1]


# 16. A rejected command creates nothing -----------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["import", "bad.jsonl"], ["import", "--dry-run", "good.jsonl"],
     ["record", "plan", "--account", "06H", "--year", "2013-14", "--amount", "1m",
      "--as-at", "2013-09-30", "--source", "nowhere", "--locator", "p1"]],
    ids=["rejected import", "dry run", "rejected record"],
)  # fmt: skip
def test_a_rejected_or_dry_run_command_makes_no_schema_on_the_server(
    postgres_store, tmp_path, monkeypatch, command
):
    import psycopg

    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "bad.jsonl", [allocation()])  # names a source never recorded
    write_jsonl(tmp_path / "good.jsonl", world())
    result = ledger("--store", postgres_store, *command)
    assert result.exit_code == (0 if "--dry-run" in command else 1), result.output
    schema = postgres_store.rsplit("schema=", 1)[1]
    with psycopg.connect(POSTGRES_URL) as connection:
        found = connection.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = %s", [schema]
        ).fetchone()
    assert found == (0,)


@pytest.mark.parametrize("variable", ["LEDGER_STORE", "LEDGER_VIEWS"])
@pytest.mark.parametrize("command", [["import", "records.jsonl"], ["log"], ["view", "qipp"]],
                         ids=" ".join)  # fmt: skip
def test_an_empty_environment_variable_is_refused_not_taken_for_the_default(
    tmp_path, monkeypatch, variable, command
):
    """Click reads an empty variable as one not set: a script whose LEDGER_STORE came
    out empty imported into a new ./ledger.db."""
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "records.jsonl", [*world(), allocation()])
    other = {"LEDGER_STORE": "LEDGER_VIEWS", "LEDGER_VIEWS": "LEDGER_STORE"}[variable]
    env = {variable: "", other: str(tmp_path / ("v.db" if other == "LEDGER_VIEWS" else "s.db"))}
    result = CliRunner().invoke(main, command, env=env)
    option = "--store" if variable == "LEDGER_STORE" else "--views"
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: {variable} is set but empty: give it a path (or a URL), or unset it to "
        f"use the default, or give {option}\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.jsonl"]
