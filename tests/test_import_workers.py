"""A large import is read by worker processes (writing/jsonlines.py), which run at a lower
priority than the command: the command's main process sets the pace, and a core given to
a worker while it is ready stalls it (bench/RESULTS.md)."""

from __future__ import annotations

import os
import time
from contextlib import suppress

from processes import import_workers, many_allocations, store_with_world

from ledger.writing.jsonlines import READERS, WORKER_NICENESS


def test_an_import_s_workers_run_below_the_command_s_priority_and_it_records_every_record(
    tmp_path,
):
    store = store_with_world(tmp_path)
    big = many_allocations(tmp_path / "big.jsonl", "big", 60_000)
    process, workers = import_workers(store, big, READERS)
    wanted = min(os.getpriority(os.PRIO_PROCESS, process.pid) + WORKER_NICENESS, 19)
    lowered: set[int] = set()
    while process.poll() is None and len(lowered) < len(workers):
        for worker in workers:  # (a worker lowers its own priority as it starts)
            with suppress(ProcessLookupError):
                if os.getpriority(os.PRIO_PROCESS, worker) == wanted:
                    lowered.add(worker)
        time.sleep(0.01)
    output, errors = process.communicate(timeout=120)

    assert len(workers) == READERS
    assert len(lowered) == READERS
    assert process.returncode == 0, errors
    assert "Recorded 60,000 new records from 1 file" in output
