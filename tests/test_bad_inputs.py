"""The catalogue of bad input in tests/bad_inputs/: each case is refused with exactly the
error in its .expected file, exit code 1, and the store keeps every byte it had."""

import sqlite3

import pytest
from click.testing import CliRunner
from conftest import REPOSITORY
from stores import world_store

from ledger.cli import main

CATALOGUE = REPOSITORY / "tests" / "bad_inputs"
CASES = sorted(CATALOGUE.glob("*.jsonl"))


def snapshot(store):
    """Everything stored: the events with their bytes, and the hash chain."""
    with sqlite3.connect(store) as db:
        events = db.execute(
            "SELECT rowid, originator_id, topic, state FROM stored_events ORDER BY rowid"
        ).fetchall()
        hashes = db.execute("SELECT * FROM stored_event_hashes ORDER BY 1").fetchall()
    return events, hashes


@pytest.fixture
def store(tmp_path):
    return world_store(tmp_path)


def test_the_catalogue_covers_every_case_with_an_expected_error():
    assert len(CASES) == 35
    assert all(case.with_suffix(".expected").exists() for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.stem)
def test_bad_input_is_refused_and_records_nothing(case, store, monkeypatch):
    monkeypatch.chdir(REPOSITORY)
    before = snapshot(store)
    result = CliRunner().invoke(
        main, ["--store", store, "import", str(case.relative_to(REPOSITORY))]
    )
    assert result.exit_code == 1
    assert result.stderr == case.with_suffix(".expected").read_text(encoding="utf-8")
    assert result.stdout == ""
    assert snapshot(store) == before


def test_a_100_megabyte_line_is_refused_without_reading_it_whole(store, tmp_path):
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as huge:
        huge.write(b'{"id": "a", "kind": "source", "title": "')
        for _ in range(100):
            huge.write(b"x" * 1_000_000)
        huge.write(b'"}\n')
    before = snapshot(store)
    result = CliRunner().invoke(main, ["--store", store, "import", str(path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}:1: line is longer than 1,000,000 bytes: not a record\nError: 1 problem found; nothing was recorded.\n"
    )
    assert snapshot(store) == before
