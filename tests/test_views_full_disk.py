"""A views database built for the first time on a disk that fills up: the command says so,
naming the file, and leaves no part-built views behind, so that the next command, with
space again, builds them whole (found by trying the tool: a new views database was made
in place and caught up page by page, and a full disk left it part-built, with a
write-ahead log holding the space the user had to free)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from factories import allocation, world, write_jsonl
from filesystems import fill, small_disk

from ledger.cli import main
from ledger.views.database import ViewsDatabase

FULL = (
    "Error: the disk is full: the views database {views} is as it was, with no part-built "
    "file left, and the store is unchanged; free some space and run the command again\n"
)
# A views database's tables and indexes take some 45 pages: room for them, not the rows.
ROOM = 80


def ledger(*args: str):
    return CliRunner().invoke(main, list(args))


def store_of(folder: Path, allocations: int = 3000) -> Path:
    store = folder / "ledger.db"
    many = [allocation(f"more-{n}", amount=str(n + 1)) for n in range(allocations)]
    records = write_jsonl(folder / "records.jsonl", [*world(), allocation(), *many])
    assert ledger("--store", str(store), "import", str(records)).exit_code == 0
    return store


def views_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "views" in p.name)


def test_a_first_build_that_fills_the_views_database_leaves_none_of_it(tmp_path, monkeypatch):
    """SQLite's max_page_count makes the file full as a full disk would, wherever the
    tests run."""
    store = store_of(tmp_path)
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    views = shelf / "views.db"
    opened = ViewsDatabase.__init__

    def full_views(self, *args, **options):
        opened(self, *args, **options)
        self.conn.execute(f"PRAGMA max_page_count = {ROOM}")

    monkeypatch.setattr(ViewsDatabase, "__init__", full_views)
    asked = ["--store", str(store), "--views", str(views), "view", "ccg-budgets"]
    failed = ledger(*asked)
    assert views_files(shelf) == []
    assert (failed.exit_code, failed.stdout) == (1, "")
    assert failed.stderr == FULL.format(views=views)
    monkeypatch.undo()
    answered = ledger(*asked)
    assert answered.exit_code == 0, answered.output
    elsewhere = ledger(
        "--store", str(store), "--views", str(tmp_path / "b.db"), "view", "ccg-budgets"
    )
    assert answered.stdout == elsewhere.stdout
    assert views_files(shelf) == ["views.db"]


def test_a_first_build_on_a_full_disk_leaves_nothing_on_it(tmp_path):
    store = store_of(tmp_path)
    disk = tmp_path / "disk"
    with small_disk(disk):
        views = disk / "views.db"
        filler = fill(disk)
        asked = ["--store", str(store), "--views", str(views), "view", "ccg-budgets"]
        failed = ledger(*asked)
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]
        assert (failed.exit_code, failed.stderr) == (1, FULL.format(views=views))
        filler.unlink()
        answered = ledger(*asked)
        assert answered.exit_code == 0, answered.output
        assert "NHS Cambridgeshire and Peterborough CCG" in answered.stdout
