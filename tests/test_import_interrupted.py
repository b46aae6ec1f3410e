"""Ctrl-C during an import: before the records are kept, nothing is recorded and the
command says that nothing of it was recorded; once they are being kept, they are recorded, and the
command says so before it stops (found by trying the tool: it said "Aborted!" over
20,000 records it had just recorded)."""

from __future__ import annotations

import os
import signal
import sqlite3

from click.testing import CliRunner
from factories import allocation, world, write_jsonl

from ledger.cli import main
from ledger.writing import importing
from ledger.writing.interrupts import HeldInterrupts


def events_in(store) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])


def import_into(tmp_path, records):
    store = tmp_path / "ledger.db"
    path = write_jsonl(tmp_path / "records.jsonl", records)
    result = CliRunner().invoke(main, ["--store", str(store), "import", str(path)])
    return store, result


def interrupt() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_once_the_records_are_being_kept_says_they_are_recorded(tmp_path, monkeypatch):
    holding = HeldInterrupts.hold

    def hold_then_interrupted(self):
        holding(self)
        interrupt()  # as if Ctrl-C came just as the transaction commits

    monkeypatch.setattr(HeldInterrupts, "hold", hold_then_interrupted)
    store, result = import_into(tmp_path, [*world(), allocation()])
    assert result.exit_code == 130
    assert result.stdout.startswith("Recorded 6 new records from 1 file; 0 already recorded.\n")
    assert result.stderr == "Interrupted once the records were being kept: they are recorded.\n"
    assert events_in(store) == 6
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_before_the_records_are_kept_records_nothing(tmp_path, monkeypatch):
    first = world()
    store, _ = import_into(tmp_path, first)
    checking = importing.Checker.check

    def check_then_interrupted(self, items):
        interrupt()  # as if Ctrl-C came while the records were checked
        return checking(self, items)

    monkeypatch.setattr(importing.Checker, "check", check_then_interrupted)
    path = write_jsonl(tmp_path / "more.jsonl", [allocation()])
    result = CliRunner().invoke(main, ["--store", str(store), "import", str(path)])
    assert (result.exit_code, result.stdout) == (130, "")
    assert result.stderr == (
        "Interrupted (Ctrl-C): nothing of the import was recorded; the store is as it was.\n"
    )
    assert events_in(store) == len(first)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
