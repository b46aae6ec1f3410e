"""Two writers at once lose nothing and never overwrite; readers are not held up."""

import json
import sqlite3

from processes import ledger_process, many_allocations, run_ledger, store_with_world


def stored_ids(store):
    with sqlite3.connect(store) as db:
        return [
            json.loads(state)["record"]["id"]
            for (state,) in db.execute("SELECT state FROM stored_events")
        ]


def finish(process):
    out, err = process.communicate(timeout=180)
    return process.returncode, out, err


def test_two_processes_importing_at_once_lose_no_event(tmp_path):
    store = store_with_world(tmp_path)
    first = many_allocations(tmp_path / "first.jsonl", "first", 15_000, account="06H")
    second = many_allocations(tmp_path / "second.jsonl", "second", 15_000, account="05Q")
    running = [ledger_process("--store", store, "import", str(path)) for path in (first, second)]
    outcomes = [finish(process) for process in running]
    assert [code for code, _, _ in outcomes] == [0, 0], outcomes
    ids = stored_ids(store)
    assert len(ids) == len(set(ids)) == 5 + 30_000
    check = run_ledger("--store", store, "--views", str(tmp_path / "views.db"), "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_two_processes_importing_the_same_records_never_record_one_twice(tmp_path):
    store = store_with_world(tmp_path)
    same = many_allocations(tmp_path / "same.jsonl", "same", 15_000)
    running = [ledger_process("--store", store, "import", str(same)) for _ in range(2)]
    outcomes = [finish(process) for process in running]
    for code, out, err in outcomes:
        assert code == 0 or (
            code == 1
            and "another writer recorded one of these ids while this import ran; nothing was "
            "recorded, and running the command again is safe"
            in err
        ), (code, out, err)
    assert any(code == 0 for code, _, _ in outcomes)
    ids = stored_ids(store)
    assert len(ids) == len(set(ids)) == 5 + 15_000
    rerun = run_ledger("--store", store, "import", str(same))
    assert rerun.stdout.startswith("Recorded 0 new records from 1 file; 15,000 already recorded.")


def test_a_reader_is_not_held_up_by_a_writer(tmp_path):
    store = store_with_world(tmp_path)
    writer = sqlite3.connect(store, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a writer in the middle of its transaction
    writer.execute("CREATE TABLE scratch (x)")
    try:
        log = run_ledger("--store", store, "log", "--format", "json", timeout=20)
        assert log.returncode == 0, log.stderr
        assert len(json.loads(log.stdout)) == 5
    finally:
        writer.execute("ROLLBACK")
        writer.close()
