"""An import killed part-way leaves nothing of itself behind: the store holds none of it
or all of it, the checks pass, and the views catch up to what the store holds."""

import os
import signal
import sqlite3
import time
from pathlib import Path

from processes import ledger_process, many_allocations, run_ledger, store_with_world

RECORDS = 60_000


def event_count(store):
    with sqlite3.connect(store) as db:
        return db.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]


def test_an_import_killed_while_writing_records_nothing(tmp_path):
    store = store_with_world(tmp_path)
    big = many_allocations(tmp_path / "big.jsonl", "big", RECORDS)
    before = event_count(store)
    wal = Path(store + "-wal")

    process = ledger_process("--store", store, "import", str(big))
    killed_while_writing = False
    while process.poll() is None:
        if (
            wal.exists() and wal.stat().st_size > 1_000_000
        ):  # the import's transaction is being written
            os.kill(process.pid, signal.SIGKILL)
            killed_while_writing = True
            break
        time.sleep(0.002)
    process.wait()
    assert killed_while_writing and process.returncode == -signal.SIGKILL

    assert event_count(store) in (before, before + RECORDS)
    assert event_count(store) == before  # killed before the commit: none of it
    views = str(tmp_path / "views.db")
    check = run_ledger("--store", store, "--views", views, "check")
    assert check.returncode == 0, check.stdout + check.stderr

    # The import can simply be run again, and the views catch up with it.
    assert run_ledger("--store", store, "import", str(big)).returncode == 0
    assert event_count(store) == before + RECORDS
    budgets = run_ledger("--store", store, "--views", views, "view", "ccg-budgets", "-p", "year", "2013-14",
                         "--format", "csv")  # fmt: skip
    expected_pounds = RECORDS * (RECORDS + 1) // 2
    assert (
        f"06H,NHS Cambridgeshire and Peterborough CCG,,,1,{expected_pounds * 100},{RECORDS - 1}"
        in budgets.stdout
    )
    assert run_ledger("--store", store, "--views", views, "check").returncode == 0
