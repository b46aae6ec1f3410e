"""Reading commands leave no SQLite side files (-wal, -shm) that they did not find beside
the store or the views database, and leave alone those they found (issue 20, item 13)."""

import hashlib
import sqlite3

import pytest
from conftest import REPOSITORY
from processes import run_ledger

READING_COMMANDS = [
    ("view", "ccg-budgets", "-p", "year", "2013-14", "-p", "group", "region"),
    ("log", "--account", "06H", "--year", "2013-14"),
    ("query", "SELECT COUNT(*) AS ccgs FROM organisations WHERE type = 'ccg'"),
    ("audit", "06H", "allocation", "--year", "2013-14"),
    ("export", "-o", "-"),
]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder holding a store of the shipped events/ and its views database, made by
    real processes, with nothing else beside them."""
    folder = tmp_path_factory.mktemp("side-files")
    imported = ledger(folder, "import", str(REPOSITORY / "events"))
    assert imported.returncode == 0, imported.stderr
    built = ledger(folder, "rebuild")
    assert built.returncode == 0, built.stderr
    assert names(folder) == ["ledger.db", "views.db"]
    return folder


def ledger(folder, *args):
    return run_ledger(
        "--store", str(folder / "ledger.db"), "--views", str(folder / "views.db"), *args
    )


def names(folder):
    return sorted(path.name for path in folder.iterdir())


@pytest.mark.parametrize("command", READING_COMMANDS, ids=lambda command: command[0])
def test_a_reading_command_leaves_no_new_side_files(folder, command):
    store_before = digest(folder / "ledger.db")
    result = ledger(folder, *command)
    assert result.returncode == 0, result.stderr
    assert result.stdout
    assert names(folder) == ["ledger.db", "views.db"]
    assert digest(folder / "ledger.db") == store_before


def test_a_view_that_builds_a_new_views_database_leaves_only_the_database(folder, tmp_path):
    views = tmp_path / "views.db"
    result = run_ledger(
        "--store", str(folder / "ledger.db"), "--views", str(views), "view", "reconciliation"
    )
    assert result.returncode == 0, result.stderr
    assert names(tmp_path) == ["views.db"]


def test_side_files_another_connection_holds_are_left_in_place(folder):
    """A connection of another program has the store open: its -wal and -shm are in use,
    so the ledger neither removes them nor checkpoints them away."""
    reader = sqlite3.connect(folder / "ledger.db")
    try:
        reader.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
        assert names(folder) == ["ledger.db", "ledger.db-shm", "ledger.db-wal", "views.db"]
        result = ledger(folder, "log", "--account", "06H")
        assert result.returncode == 0, result.stderr
        assert names(folder) == ["ledger.db", "ledger.db-shm", "ledger.db-wal", "views.db"]
        assert reader.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0] > 0
    finally:
        reader.close()
    assert names(folder) == ["ledger.db", "views.db"]
