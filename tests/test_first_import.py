"""The first import into a new store reads its files once (it used to check every record,
then read them all again to record them): a SQLite store is made in a file of its own
beside where it belongs and takes its name only once the records are in, and a server's
tables are made in the transaction that records them. A first import that fails leaves
the folder, or the server, as it was, and a store another process makes meanwhile is
never replaced: the import is made into it."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import allocation, world, write_jsonl

from ledger.cli import main
from ledger.writing import importing
from ledger.writing.importing import import_files
from ledger.writing.jsonlines import RecordStream


def events_in(store: Path) -> list[str]:
    with closing(sqlite3.connect(store)) as db:
        return [row[0] for row in db.execute("SELECT originator_id FROM stored_events")]


def import_cli(store: Path | str, *paths: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--store", str(store), "import", *map(str, paths)])
    return result.exit_code, result.output


def count_readings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the test's imports read their files (RecordStream.pages), all
    together, as the one item of a list."""
    readings = [0]
    reading = RecordStream.pages

    def counted(self):  # type: ignore[no-untyped-def]
        readings[0] += 1
        return reading(self)

    monkeypatch.setattr(RecordStream, "pages", counted)
    return readings


def test_a_first_import_reads_its_files_once_and_leaves_only_the_store(tmp_path, monkeypatch):
    readings = count_readings(monkeypatch)
    records = write_jsonl(tmp_path / "records.jsonl", [*world(), allocation()])
    store = tmp_path / "ledger.db"
    code, output = import_cli(store, records)
    assert (code, readings) == (0, [1]), output
    assert output.startswith("Recorded 6 new records from 1 file; 0 already recorded.\n")
    assert sorted(os.listdir(tmp_path)) == ["ledger.db", "records.jsonl"]
    assert len(events_in(store)) == 6
    result = CliRunner().invoke(
        main, ["--store", str(store), "--views", str(tmp_path / "v.db"), "check"]
    )
    assert result.exit_code == 0 and "No failures" in result.output, result.output


def test_a_first_import_that_fails_leaves_the_folder_as_it_was(tmp_path):
    records = write_jsonl(tmp_path / "records.jsonl", [*world(), {"id": "x", "kind": "plan"}])
    code, output = import_cli(tmp_path / "ledger.db", records)
    assert code == 1 and "nothing was recorded" in output
    assert os.listdir(tmp_path) == ["records.jsonl"]


def test_a_first_import_interrupted_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    records = write_jsonl(tmp_path / "records.jsonl", [*world(), allocation()])
    checking = importing.Checker.check

    def check_then_interrupted(self, items):  # type: ignore[no-untyped-def]
        checking(self, items)
        raise KeyboardInterrupt

    monkeypatch.setattr(importing.Checker, "check", check_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_files(str(tmp_path / "ledger.db"), RecordStream([str(records)]))
    assert os.listdir(tmp_path) == ["records.jsonl"]


def test_a_store_made_by_another_process_meanwhile_is_kept_and_imported_into(tmp_path, monkeypatch):
    """The other process's store is not replaced: this import's records are checked
    against it, read again, and appended to it, as two imports into one store are."""
    readings = count_readings(monkeypatch)
    ours = write_jsonl(tmp_path / "ours.jsonl", [*world(), allocation()])
    theirs = write_jsonl(tmp_path / "theirs.jsonl", world())
    store = tmp_path / "ledger.db"

    def another_process_makes_the_store() -> None:  # just before ours would be kept
        if not store.exists():
            assert import_cli(store, theirs)[0] == 0

    imported = import_files(
        str(store), RecordStream([str(ours)]), committing=another_process_makes_the_store
    )
    assert (imported.new_records, imported.already_recorded) == (1, len(world()))
    assert readings == [3]  # ours, theirs, then ours again into their store
    assert len(events_in(store)) == len(world()) + 1
    assert sorted(os.listdir(tmp_path)) == ["ledger.db", "ours.jsonl", "theirs.jsonl"]


@pytest.mark.parametrize("already_there", ["an empty file", "a link to nowhere"])
def test_a_store_made_in_place_where_something_is_already_there(tmp_path, already_there):
    """An empty file, or a link to a file not made yet, becomes the store as before:
    every record is checked first, then read again to record."""
    records = write_jsonl(tmp_path / "records.jsonl", [*world(), allocation()])
    store = tmp_path / "ledger.db"
    if already_there == "an empty file":
        store.touch()
    else:
        store.symlink_to(tmp_path / "elsewhere.db")
    code, output = import_cli(store, records)
    assert code == 0, output
    assert len(events_in(store)) == 6


# -- a server's new store: its tables are made in the transaction that records the import


def schema_of(store: str) -> list[str]:
    """The tables of the store's schema on the server (none: the schema is not there)."""
    server, schema = store.split("?schema=")
    rows = psycopg_rows(
        server, "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", schema
    )
    return sorted(str(row[0]) for row in rows)


def psycopg_rows(server: str, statement: str, *params: object) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        return conn.execute(statement, params).fetchall()


def test_a_first_import_into_a_server_reads_its_files_once(postgres_store, tmp_path, monkeypatch):
    readings = count_readings(monkeypatch)
    records = write_jsonl(tmp_path / "records.jsonl", [*world(), allocation()])
    code, output = import_cli(postgres_store, records)
    assert (code, readings) == (0, [1]), output
    assert output.startswith("Recorded 6 new records from 1 file; 0 already recorded.\n")
    assert "ledger_events" in schema_of(postgres_store)
    views = str(tmp_path / "v.db")
    result = CliRunner().invoke(main, ["--store", postgres_store, "--views", views, "check"])
    assert result.exit_code == 0 and "No failures" in result.output, result.output
    assert import_cli(postgres_store, records)[1].startswith("Recorded 0 new records")


def test_a_first_import_into_a_server_that_fails_makes_nothing(postgres_store, tmp_path):
    records = write_jsonl(tmp_path / "records.jsonl", [*world(), {"id": "x", "kind": "plan"}])
    code, output = import_cli(postgres_store, records)
    assert code == 1 and "nothing was recorded" in output
    assert schema_of(postgres_store) == []


def test_tables_made_on_the_server_meanwhile_are_kept_and_imported_into(postgres_store, tmp_path):
    ours = write_jsonl(tmp_path / "ours.jsonl", [*world(), allocation()])
    theirs = write_jsonl(tmp_path / "theirs.jsonl", world())
    checking = importing.Checker.check
    made = []

    def another_process_makes_the_store_first(self, items):  # type: ignore[no-untyped-def]
        if not made:
            made.append("making")  # (the other import's own checks come here too)
            made[0] = import_cli(postgres_store, theirs)[0]
        return checking(self, items)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importing.Checker, "check", another_process_makes_the_store_first)
        imported = import_files(postgres_store, RecordStream([str(ours)]))
    assert made == [0]
    assert (imported.new_records, imported.already_recorded) == (1, len(world()))
    assert import_cli(postgres_store, ours)[1].startswith("Recorded 0 new records from 1 file; 6")


def test_a_first_import_that_fills_the_disk_says_so_and_leaves_the_disk_as_it_was(tmp_path):
    from filesystems import small_disk

    many = [*world(), *(allocation(f"more-{n}", amount=str(n + 1)) for n in range(20_000))]
    records = write_jsonl(tmp_path / "records.jsonl", many)
    with small_disk(tmp_path / "disk", "1m") as disk:
        code, output = import_cli(disk / "ledger.db", records)
        assert code == 1
        assert output.endswith(
            "Error: the disk holding the store is full; nothing was recorded: "
            "free some space and run the command again\n"
        ), output
        assert os.listdir(disk) == []


def test_the_file_of_a_first_import_killed_outright_is_removed_by_the_next(tmp_path):
    """Killed with SIGKILL, a first import cannot remove its file; the next first import
    into the same place removes it, once no running import holds it (store.killed_builds)."""
    import signal
    import time

    from processes import killed_once_writing, ledger_process, many_allocations, run_ledger

    world_file = write_jsonl(tmp_path / "world.jsonl", world())
    many = many_allocations(tmp_path / "many.jsonl", "many", 50_000)
    store = tmp_path / "ledger.db"
    process = ledger_process("--store", str(store), "import", str(world_file), str(many))
    killed_once_writing(process, tmp_path, ".ledger.db.*.importing")  # its tables are made
    assert process.returncode == -signal.SIGKILL
    left = [path for path in tmp_path.iterdir() if ".importing" in path.name]
    assert left and not store.exists()
    two_minutes_ago = time.time() - 120
    for path in left:
        os.utime(path, (two_minutes_ago, two_minutes_ago))

    again = run_ledger("--store", str(store), "import", str(world_file))
    assert again.returncode == 0, again.stderr
    assert sorted(os.listdir(tmp_path)) == ["ledger.db", "many.jsonl", "world.jsonl"]
