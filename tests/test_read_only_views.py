"""Views in a folder the user may only read (a shared folder, a read-only mount): when they
are up to date with the store every reading command reads them as they are, and when they
must catch up the command says that their folder cannot be written, naming it (found by
trying the tool: an up-to-date views database there could not be read at all, since
SQLite could not make its shared-memory file beside it).

The folder is made read-only as filesystems.read_only does: the immutable attribute for
root, whom permissions do not stop, else permissions."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import allocation, forecast, world, write_jsonl
from filesystems import read_only, read_only_mount

from ledger.cli import main

STORE, VIEWS = "ledger.db", "shelf/views.db"
READERS = [
    ["view", "ccg-budgets"],
    ["view", "ccg-budgets", "-p", "group", "region", "--format", "json"],
    ["query", "SELECT account, delta_pence FROM postings"],
    ["audit", "06H", "allocation"],
    ["orgs", "06H"],
    ["sources"],
    ["check"],
]


def ledger(*args: str):
    return CliRunner().invoke(main, ["--store", STORE, "--views", VIEWS, *args])


@pytest.fixture
def shelf(tmp_path, monkeypatch) -> Path:
    """A store in the current folder, and its views, up to date, in the folder shelf."""
    monkeypatch.chdir(tmp_path)
    records = write_jsonl(tmp_path / "records.jsonl", [*world(), allocation()])
    assert ledger("import", str(records)).exit_code == 0
    (tmp_path / "shelf").mkdir()
    assert ledger("rebuild").exit_code == 0
    return tmp_path / "shelf"


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_up_to_date_views_in_a_read_only_folder_are_read_as_they_are(shelf):
    expected = [ledger(*command) for command in READERS]
    before = fingerprint(shelf / "views.db")
    with read_only(shelf):
        found = [ledger(*command) for command in READERS]
        assert sorted(p.name for p in shelf.iterdir()) == ["views.db"]
    for command, wanted, got in zip(READERS, expected, found, strict=True):
        assert wanted.exit_code == 0, (command, wanted.output)
        assert (got.exit_code, got.stdout, got.stderr) == (0, wanted.stdout, wanted.stderr), command
    assert fingerprint(shelf / "views.db") == before


def test_views_behind_the_store_in_a_read_only_folder_say_the_folder_cannot_be_written(shelf):
    more = write_jsonl(shelf.parent / "more.jsonl", [forecast()])
    assert ledger("import", str(more)).exit_code == 0
    store = fingerprint(shelf.parent / STORE)
    with read_only(shelf):
        found = [ledger(*command) for command in READERS[:-1]]
    said = (
        "Error: the views database shelf/views.db must catch up with the store, but its "
        "folder shelf cannot be written; give another --views path in a folder you may "
        "write to (the store is unchanged)\n"
    )
    for command, got in zip(READERS, found, strict=False):
        assert (got.exit_code, got.stdout, got.stderr) == (1, "", said), command
    assert fingerprint(shelf.parent / STORE) == store
    assert ledger("view", "ccg-budgets").exit_code == 0  # writable again: it catches up


def test_ledger_serve_reads_up_to_date_views_in_a_read_only_folder(shelf):
    pytest.importorskip("datasette", reason="ledger serve needs the web extra (datasette)")
    from ledger.web.app import build

    expected = json.loads(ledger(*READERS[1]).stdout)
    with read_only(shelf):
        datasette = build(STORE, VIEWS)
        url = "/views/ccg-budgets.json?group=region&_shape=array"
        answer = asyncio.run(datasette.client.get(url))
        index = asyncio.run(datasette.client.get("/"))
    assert (answer.status_code, index.status_code) == (200, 200)
    assert answer.json() == expected


def test_views_on_a_read_only_filesystem_are_read_and_it_is_named(shelf):
    expected = ledger(*READERS[0])
    with read_only_mount(shelf, shelf.parent / "mounted"):
        mounted = ["--store", STORE, "--views", "mounted/views.db", *READERS[0]]
        found = CliRunner().invoke(main, mounted)
        more = write_jsonl(shelf.parent / "more.jsonl", [forecast()])
        assert ledger("import", str(more)).exit_code == 0
        behind = CliRunner().invoke(main, mounted)
    assert (found.exit_code, found.stdout) == (0, expected.stdout), found.output
    assert (behind.exit_code, behind.stderr) == (
        1,
        "Error: the views database mounted/views.db must catch up with the store, but its "
        "folder mounted cannot be written (it is on a read-only filesystem); give another "
        "--views path in a folder you may write to (the store is unchanged)\n",
    )
