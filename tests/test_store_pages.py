"""A new SQLite store is made with pages of 16 KB, on which a bulk import writes fewer pages
than on SQLite's 4 KB (issue 21); a store made before keeps the pages it has, and is
appended to and checked as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner, Result
from factories import allocation, world, write_jsonl

from ledger.cli import main
from ledger.store.application import STORE_PAGE_SIZE


def ledger(store: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--store", str(store), "--views", f"{store}.views", *args])


def page_size(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("PRAGMA page_size").fetchone()[0])


def journal_mode(database: Path) -> str:
    with sqlite3.connect(database) as db:
        return str(db.execute("PRAGMA journal_mode").fetchone()[0])


def test_a_new_store_has_pages_of_16_kb(tmp_path):
    store = tmp_path / "ledger.db"
    imported = ledger(store, "import", str(write_jsonl(tmp_path / "w.jsonl", world())))
    assert imported.exit_code == 0, imported.output
    assert STORE_PAGE_SIZE == 16384
    assert page_size(store) == 16384
    assert journal_mode(store) == "wal"


def test_an_empty_file_given_as_the_store_is_made_with_them_too(tmp_path):
    store = tmp_path / "ledger.db"
    store.touch()
    recorded = ledger(store, "import", str(write_jsonl(tmp_path / "w.jsonl", world())))
    assert recorded.exit_code == 0, recorded.output
    assert page_size(store) == 16384


def test_a_store_made_with_4_kb_pages_keeps_them_and_is_appended_to(tmp_path):
    store = tmp_path / "ledger.db"
    with sqlite3.connect(store) as db:  # as a store was made before: SQLite's default pages
        db.execute("PRAGMA page_size = 4096")
        db.execute("PRAGMA journal_mode = WAL")
    first = ledger(store, "import", str(write_jsonl(tmp_path / "w.jsonl", world())))
    assert first.exit_code == 0, first.output
    later = ledger(store, "import", str(write_jsonl(tmp_path / "a.jsonl", [allocation()])))
    assert later.exit_code == 0, later.output
    assert "Recorded 1 new record" in later.output
    assert page_size(store) == 4096
    checked = ledger(store, "check")
    assert checked.exit_code == 0, checked.output
    assert "No failures" in checked.output


def test_a_dry_run_makes_no_store(tmp_path):
    store = tmp_path / "ledger.db"
    tried = ledger(store, "import", "--dry-run", str(write_jsonl(tmp_path / "w.jsonl", world())))
    assert tried.exit_code == 0, tried.output
    assert not store.exists()


def test_a_store_in_a_missing_folder_is_refused_as_before(tmp_path):
    store = tmp_path / "no-such-folder" / "ledger.db"
    refused = ledger(store, "import", str(write_jsonl(tmp_path / "w.jsonl", world())))
    assert refused.exit_code != 0
    assert "Traceback" not in refused.output
    assert str(store.parent.name) in refused.output
    assert not store.parent.exists()
