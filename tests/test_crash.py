"""An import killed part-way leaves nothing of itself behind: the store holds none of it
or all of it, the checks pass, and the views catch up to what the store holds."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from factories import world
from processes import (
    import_workers,
    ledger_process,
    many_allocations,
    run_ledger,
    store_with_world,
)

from ledger.writing.jsonlines import READERS

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


def still_running(pid):
    """Whether ``pid`` runs (an ended process no one has reaped yet has ended)."""
    status = Path(f"/proc/{pid}/status")
    try:
        return "\nState:\tZ" not in status.read_text()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux's /proc")
def test_an_import_killed_while_reading_leaves_no_process_behind(tmp_path):
    """An operator kills an import with SIGKILL while it reads a large file: the worker
    reading its pages went on waiting for ever, holding the store's file open. Every
    worker ends."""
    store = store_with_world(tmp_path)
    big = many_allocations(tmp_path / "big.jsonl", "big", RECORDS)
    process, workers = import_workers(store, big, READERS)
    assert len(workers) == READERS
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while any(map(still_running, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [worker for worker in workers if still_running(worker)]
    for worker in left:
        os.kill(worker, signal.SIGKILL)
    assert not left, "the import's workers outlived it"
    assert event_count(store) == len(world())


def test_a_worker_started_after_its_command_was_killed_ends():
    """The command is killed between starting its worker and the worker's first step:
    the worker, told the command's id, sees it gone and ends rather than wait for ever
    on whichever process took it over."""
    command = subprocess.Popen(["sleep", "60"])
    command.kill()
    command.wait()
    worker = subprocess.run(
        [sys.executable, "-c", WORKER_LEFT_BEHIND, str(command.pid)],
        capture_output=True, text=True, timeout=20,
    )  # fmt: skip
    assert (worker.returncode, worker.stderr) == (1, "")


WORKER_LEFT_BEHIND = """
import sys, time
from ledger.writing.jsonlines import _start_worker
_start_worker(int(sys.argv[1]))
time.sleep(30)
"""
