"""A store file with damaged bytes (a failing disk, a stray write) is reported, never shown
as a raw SQLite message or a traceback. The SQLite tests overwrite eight real bytes of a
real store file, found by what they hold; the tests on both stores alter a stored event
through SQL, as the server's store cannot hold text that is not UTF-8."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

import pytest
from backends import checks_run, store_sql
from click.testing import CliRunner
from factories import SOURCE_ID, allocation, transfer, world, write_jsonl

from ledger.cli import main
from ledger.writing import importing

DAMAGE = b"\xde\xad\xbe\xef" * 2  # bytes that are not UTF-8 text
NOT_TEXT = "is damaged (its bytes are not UTF-8 text)"
LEFT_OUT = "(the views leave out 1 stored event that could not be projected; ledger check lists it)"
ERRATUM = {
    "id": "fix-06H",
    "kind": "erratum",
    "fixes": "alloc-06H",
    "recorded": (date.today() - timedelta(days=7)).isoformat(),
    "reason": "the amount was typed wrongly",
    "source": SOURCE_ID,
    "locator": "erratum note, para 2",
    "set": {"amount": "£849,205k"},
}
HISTORY = [*world(), allocation(), ERRATUM, transfer()]  # positions 1 to 8
ALLOCATION, ERRATUM_AT, TRANSFER = 6, 7, 8


def history_in(run, tmp_path):
    """HISTORY imported by ``run``, and a ledger command on the store and its views."""
    assert run("import", str(write_jsonl(tmp_path / "history.jsonl", HISTORY))).exit_code == 0
    return lambda *args: run("--views", str(tmp_path / "views.db"), *args)


@pytest.fixture
def ledger(run, tmp_path):
    """The test's store (on each backend) holding HISTORY."""
    return history_in(run, tmp_path)


@pytest.fixture
def sqlite_run(sqlite_store):
    """Run the ledger CLI against the test's SQLite store."""
    return lambda *args: CliRunner().invoke(
        main, ["--store", sqlite_store, *args], catch_exceptions=False
    )


@pytest.fixture
def sqlite_ledger(sqlite_run, sqlite_store, tmp_path):
    """A SQLite store holding HISTORY, its file holding all it was written (no side file)."""
    ledger = history_in(sqlite_run, tmp_path)
    assert not Path(sqlite_store + "-wal").exists()
    return ledger


def damage(store: str, at: int) -> None:
    """Overwrite eight bytes of the store's file at ``at``."""
    with open(store, "r+b") as file:
        file.seek(at)
        file.write(DAMAGE)


def where_in_file(store: str, text: bytes, *, not_followed_by: bytes | None = None) -> int:
    """Where ``text`` is in the store's file (where it is not followed by
    ``not_followed_by``), failing unless it is there exactly once."""
    data = Path(store).read_bytes()
    found, at = [], data.find(text)
    while at >= 0:
        if not (not_followed_by and data.startswith(not_followed_by, at + len(text))):
            found.append(at)
        at = data.find(text, at + 1)
    assert len(found) == 1, (text, found)
    return found[0]


def event_row(store: str, position: int) -> tuple[bytes, bytes]:
    """The id and topic of the event at this position, as the file holds them."""
    with closing(sqlite3.connect(store)) as db:
        key, topic = db.execute(
            "SELECT originator_id, topic FROM stored_events WHERE rowid = ?", (position,)
        ).fetchone()
    return key.encode(), topic.encode()


def failures(ledger) -> tuple[int, list[tuple[str, str, str | None]]]:
    result = ledger("check", "--format", "json")
    rows = json.loads(result.stdout)
    return result.exit_code, [(row["check"], row["message"], row["source"]) for row in rows]


def altered(position: int) -> tuple[str, str, str]:
    """The hash chain's failure at an event whose bytes changed."""
    return (
        "hash chain",
        f"position {position}: the event does not match its hash: it was altered, "
        "or an event before it was",
        f"store position {position}",
    )


def stopped_at(position: int, reason: str) -> str:
    return f"Error: the event at position {position} cannot be read: {reason}; run: ledger check\n"


# -- an event's id or topic damaged in the table of events ---------------------------------


@pytest.mark.parametrize(
    ("column", "index"),
    [("id", "sqlite_autoindex_stored_events_1"), ("topic", "stored_events_topic")],
)
def test_an_event_whose_id_or_topic_is_damaged_is_reported_by_position(
    sqlite_ledger, sqlite_store, tmp_path, column, index
):
    """Every command stopped with: Error: Could not decode to UTF-8 column 'originator_id'
    with text '...' (or column 'topic'), check included."""
    key, topic = event_row(sqlite_store, TRANSFER)
    row = where_in_file(sqlite_store, key + topic)
    damage(sqlite_store, row + (8 if column == "id" else len(key) + 8))
    reason = f"its stored {column} {NOT_TEXT}"
    assert failures(sqlite_ledger) == (
        1,
        [
            ("store file intact",
             f"SQLite finds the store file damaged: row {TRANSFER} missing from index {index}",
             "store file"),
            altered(TRANSFER),
            ("records read back", f"position {TRANSFER}: the event cannot be read: {reason}",
             f"store position {TRANSFER}"),
        ],
    )  # fmt: skip
    for command in (["log"], ["export"], ["sources"], ["log", "--kind", "source"]):
        result = sqlite_ledger(*command)
        assert (result.exit_code, result.stderr.splitlines()[-1] + "\n") == (
            1,
            stopped_at(TRANSFER, reason),
        ), command
    rebuilt = sqlite_ledger("rebuild")
    assert rebuilt.exit_code == 0
    assert rebuilt.stdout.endswith(
        "1 stored event could not be projected (ledger check lists it).\n"
    )
    viewed = sqlite_ledger("view", "ccg-budgets", "-p", "year", "2013-14", "--format", "json")
    assert (viewed.exit_code, viewed.stderr) == (0, LEFT_OUT + "\n")
    # An import finds the record by its id in the index, whose copy of the id is whole.
    before = Path(sqlite_store).read_bytes()
    imported = sqlite_ledger("import", str(tmp_path / "history.jsonl"))
    assert Path(sqlite_store).read_bytes() == before
    if column == "id":
        assert imported.stdout.startswith("Recorded 0 new records from 1 file; 8 already recorded.")
    else:
        assert (imported.exit_code, imported.stderr) == (
            1,
            f"Error: a stored record these records name cannot be read: {reason}; "
            "run: ledger check\n",
        )


def test_an_event_whose_state_is_damaged_is_reported_by_position(sqlite_ledger, sqlite_store):
    damage(sqlite_store, where_in_file(sqlite_store, b'"id":"transfer-05Q"'))
    reason = (
        "its stored state is not JSON "
        "(str is not valid UTF-8: surrogates not allowed: line 1 column 1 (char 0))"
    )
    assert failures(sqlite_ledger) == (
        1,
        [altered(TRANSFER),
         ("records read back", f"position {TRANSFER}: the event cannot be read: {reason}",
          f"store position {TRANSFER}")],
    )  # fmt: skip
    exported = sqlite_ledger("export")
    assert (exported.exit_code, exported.stderr) == (1, stopped_at(TRANSFER, reason))


# -- an event's hash damaged -----------------------------------------------------------------


def test_a_damaged_hash_is_reported_and_no_event_is_chained_on_to_it(
    sqlite_ledger, sqlite_run, sqlite_store, tmp_path
):
    [(head,)] = store_sql(
        sqlite_store, "SELECT hash FROM stored_event_hashes WHERE notification_id = 8"
    )
    damage(sqlite_store, where_in_file(sqlite_store, head.encode()) + 20)
    assert failures(sqlite_ledger) == (
        1,
        [("hash chain", f"position {TRANSFER}: the hash recorded for the event {NOT_TEXT}",
          f"store position {TRANSFER}")],
    )  # fmt: skip
    logged = sqlite_ledger("log")
    assert logged.exit_code == 0
    assert logged.stderr == (
        f"head: none (the store at {sqlite_store} is damaged: the hash of the event at position 8 "
        f"{NOT_TEXT}; run: ledger check)\n"
    )
    before = Path(sqlite_store).read_bytes()
    more = write_jsonl(tmp_path / "more.jsonl", [allocation("alloc-05Q", account="05Q")])
    result = sqlite_run("import", str(more))
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: the store at {sqlite_store} is damaged: the hash of the event at position 8 "
        f"{NOT_TEXT}; nothing was recorded; run: ledger check\n",
    )
    assert Path(sqlite_store).read_bytes() == before


# -- an index damaged -------------------------------------------------------------------------


def test_an_index_that_lost_an_id_is_reported_and_an_import_reading_the_ids_is_refused(
    sqlite_ledger, sqlite_run, sqlite_store, tmp_path, monkeypatch
):
    """The index of ids answers an import whether a record is stored; one that lost an id
    would let the record be recorded twice. Export reads past it."""
    key, topic = event_row(sqlite_store, ALLOCATION)
    index_copy = where_in_file(sqlite_store, key, not_followed_by=topic)
    damage(sqlite_store, index_copy + 10)
    assert failures(sqlite_ledger) == (
        1,
        [("store file intact", f"SQLite finds the store file damaged: row {ALLOCATION} "
          "missing from index sqlite_autoindex_stored_events_1", "store file")],
    )  # fmt: skip
    assert sqlite_ledger("export").exit_code == 0
    # An import of more records than the store holds reads the store's ids at once.
    monkeypatch.setattr(importing, "CHUNK", 4)
    more = [allocation(f"alloc-{n}", account="05Q") for n in range(8)]
    before = Path(sqlite_store).read_bytes()
    result = sqlite_run("import", str(write_jsonl(tmp_path / "more.jsonl", [*more, *HISTORY])))
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: the store at {sqlite_store} is damaged: its index of ids does not find the stored "
        "record 'alloc-06H'; nothing was recorded; run: ledger check\n",
    )
    assert Path(sqlite_store).read_bytes() == before


# -- the file's own structure damaged ----------------------------------------------------------


def test_a_store_file_whose_structure_is_damaged_is_named(
    sqlite_ledger, sqlite_run, sqlite_store, tmp_path
):
    """Every command said only: Error: database disk image is malformed."""
    with closing(sqlite3.connect(sqlite_store)) as db:
        [(page_size,)] = db.execute("PRAGMA page_size").fetchall()
        [(root,)] = db.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'stored_events'"
        ).fetchall()
    damage(sqlite_store, (root - 1) * page_size)  # the page header of the table of events
    malformed = "the store file is damaged (database disk image is malformed)"
    told = f"Error: the store file {sqlite_store} is damaged (database disk image is malformed); "
    for command in (
        ["log"], ["export"], ["sources"], ["rebuild"], ["replay", "--views", str(tmp_path / "r.db")],
        ["view", "ccg-budgets"], ["query", "SELECT 1"], ["audit", "06H", "allocation"], ["orgs"],
    ):  # fmt: skip
        result = sqlite_ledger(*command)
        assert (result.exit_code, result.stderr) == (1, told + "run: ledger check\n"), command
    more = write_jsonl(tmp_path / "more.jsonl", [allocation("alloc-05Q", account="05Q")])
    imported = sqlite_run("import", str(more))
    assert (imported.exit_code, imported.stderr) == (
        1,
        told + "nothing was recorded; run: ledger check\n",
    )
    assert failures(sqlite_ledger) == (
        1,
        [
            ("store file intact", f"SQLite's integrity check could not finish: {malformed}",
             "store file"),
            ("hash chain", f"the hash chain could not be read: {malformed}", "store file"),
            ("records read back", f"the events after position 0 could not be read: {malformed}",
             "store file"),
            ("views built", f"the views could not be built: {malformed}", None),
        ],
    )  # fmt: skip


# -- on both stores: an erratum that cannot be read, a topic that is no record's ------------


def test_an_erratum_that_cannot_be_read_is_left_out_by_rebuild_and_refused_by_import(
    ledger, run, store, tmp_path
):
    """rebuild ended in a traceback (MapperDeserialisationError): the errata were looked up
    through the library, which cannot leave an event out."""
    store_sql(store, "UPDATE {events} SET state = ? WHERE {position} = ?", (DAMAGE, ERRATUM_AT))
    reason = (
        "its stored state is not JSON "
        "(str is not valid UTF-8: surrogates not allowed: line 1 column 1 (char 0))"
    )
    rebuilt = ledger("rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.stdout.endswith(
        "1 stored event could not be projected (ledger check lists it).\n"
    )
    assert failures(ledger) == (
        1,
        [altered(ERRATUM_AT),
         ("records read back", f"position {ERRATUM_AT}: the event cannot be read: {reason}",
          f"store position {ERRATUM_AT}")],
    )  # fmt: skip
    # checking a new record's organisation reads the store's errata, which fix what it holds
    more = write_jsonl(tmp_path / "more.jsonl", [allocation("alloc-05Q", account="05Q")])
    result = run("import", str(more))
    assert (result.exit_code, result.stderr) == (1, stopped_at(ERRATUM_AT, reason))
    assert store_sql(store, "SELECT COUNT(*) FROM {events}") == [(8,)]


def test_an_event_whose_topic_is_no_records_is_not_left_out_of_log_and_export(ledger, store):
    """log and export left it out without a word: an export that was not a whole copy."""
    store_sql(
        store, "UPDATE {events} SET topic = ? WHERE {position} = ?", ("ledger:Nothing", TRANSFER)
    )
    reason = "its stored topic 'ledger:Nothing' is not a record's"
    for command in (["log"], ["export"]):
        result = ledger(*command)
        assert (result.exit_code, result.stderr) == (1, stopped_at(TRANSFER, reason)), command
    assert failures(ledger) == (
        1,
        [altered(TRANSFER),
         ("records read back", f"position {TRANSFER}: the event cannot be read: {reason}",
          f"store position {TRANSFER}")],
    )  # fmt: skip
    assert ledger("check").stderr.endswith(
        f"Error: 2 failures in {checks_run(store)} checks over 7 records.\n"
    )
