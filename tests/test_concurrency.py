"""Two writers at once lose nothing and never overwrite; readers are not held up."""

import json
import sqlite3
import threading
import time

import pytest
from backends import store_sql, write_lock_held
from processes import ledger_process, many_allocations, run_ledger, store_with_world

from ledger.views import refresh
from ledger.views.refresh import caught_up, replay
from ledger.writing.ledger import Ledger


def stored_ids(store):
    return [
        json.loads(bytes(state))["record"]["id"]
        for (state,) in store_sql(store, "SELECT state FROM {events}")
    ]


def finish(process):
    out, err = process.communicate(timeout=180)
    return process.returncode, out, err


def test_two_processes_importing_at_once_lose_no_event(tmp_path, store):
    store = store_with_world(tmp_path, store)
    first = many_allocations(tmp_path / "first.jsonl", "first", 15_000, account="06H")
    second = many_allocations(tmp_path / "second.jsonl", "second", 15_000, account="05Q")
    running = [ledger_process("--store", store, "import", str(path)) for path in (first, second)]
    outcomes = [finish(process) for process in running]
    assert [code for code, _, _ in outcomes] == [0, 0], outcomes
    ids = stored_ids(store)
    assert len(ids) == len(set(ids)) == 5 + 30_000
    check = run_ledger("--store", store, "--views", str(tmp_path / "views.db"), "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_two_processes_importing_the_same_records_never_record_one_twice(tmp_path, store):
    store = store_with_world(tmp_path, store)
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


def test_a_reader_of_a_sqlite_store_is_not_held_up_by_a_writer(tmp_path):
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


def test_a_writer_kept_waiting_too_long_records_nothing_and_is_told_to_retry(
    tmp_path, store, run, monkeypatch
):
    store_with_world(tmp_path, store)
    more = many_allocations(tmp_path / "more.jsonl", "more", 10)
    monkeypatch.setenv("LEDGER_LOCK_TIMEOUT", "1")
    with write_lock_held(store):
        waited = run("import", str(more))
    assert waited.exit_code == 1
    # The same words on either store (they gave SQLite's "database is locked" or
    # PostgreSQL's "canceling statement due to lock timeout").
    assert waited.stderr == (
        "Error: the store is busy with another writer (this one waited 1 second, "
        "LEDGER_LOCK_TIMEOUT); nothing was recorded, and running the command again is safe\n"
    )
    assert len(stored_ids(store)) == 5
    assert run("import", str(more)).exit_code == 0
    assert len(stored_ids(store)) == 15


def test_two_commands_needing_the_same_new_views_build_them_once(tmp_path, monkeypatch):
    """The second waits for the first's build and finds the views built, rather than
    build its own beside it (at a million events, some 15 s of both cores each)."""
    store = store_with_world(tmp_path)
    views = tmp_path / "views.db"
    builds = []

    def slow_replay(*args, **kwargs):
        builds.append(threading.current_thread().name)
        time.sleep(0.5)  # long enough for the other command to arrive while it builds
        return replay(*args, **kwargs)

    monkeypatch.setattr(refresh, "replay", slow_replay)
    positions = {}

    def command(name):
        with Ledger(store) as ledger:
            caught = caught_up(ledger, views)
            positions[name] = caught.tracking.position
            caught.close()

    threads = [threading.Thread(target=command, args=(name,), name=name) for name in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(builds) == 1
    assert positions == {"a": 5, "b": 5}


@pytest.mark.parametrize("given", ["file", "symbolic link"])
def test_a_command_waiting_for_another_s_build_of_new_views_says_so(tmp_path, given):
    """While another command builds new views in the folder, a command that needs them
    says on stderr that it waits, then answers from the views that build made. Views
    named by a symbolic link are built in the folder of the file it names, and wait
    for a build there."""
    import fcntl
    import os
    import select

    store = store_with_world(tmp_path)
    imported = run_ledger(
        "--store", store, "import", str(many_allocations(tmp_path / "a.jsonl", "a", 3))
    )
    assert imported.returncode == 0, imported.stderr
    (tmp_path / "built").mkdir()
    views = tmp_path / "built" / "views.db"
    if given == "symbolic link":
        (tmp_path / "link.db").symlink_to(views)
    named = views if given == "file" else tmp_path / "link.db"
    folder = os.open(views.parent, os.O_RDONLY)  # as builds.one_new_build locks it
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        command = ledger_process(
            "--store", str(store), "--views", str(named), "view", "ccg-budgets",
            "-p", "year", "2013-14", "--format", "json",
        )  # fmt: skip
        ready, _, _ = select.select([command.stderr], [], [], 60)
        said = command.stderr.readline() if ready else ""
        assert not views.exists()  # it waits: nothing is built while the folder is held
    finally:
        os.close(folder)  # the other command's build is done
    code, out, err = finish(command)
    assert said == (f"(another command is building the views database {named}; waiting for it)\n")
    assert (code, err) == (0, "")
    budgets = {row["code"]: row["allocation_pence"] for row in json.loads(out)}
    assert budgets == {"05Q": 0, "06H": 600}  # £1 + £2 + £3
