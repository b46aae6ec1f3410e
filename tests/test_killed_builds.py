"""A rebuild killed outright (SIGKILL) cannot remove the file it was building; the next
rebuild removes it, unless a build that is still running holds it, or it is too new to
tell (store/killed_builds.py)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from processes import (
    killed_once_writing,
    ledger_process,
    many_allocations,
    run_ledger,
    store_with_world,
)

from ledger.store.killed_builds import building_in

TWO_MINUTES_AGO = time.time() - 120


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if ".building" in path.name)


def aged(path: Path) -> Path:
    os.utime(path, (TWO_MINUTES_AGO, TWO_MINUTES_AGO))
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def test_the_file_of_a_killed_rebuild_is_removed_by_the_next(tmp_path):
    store = store_with_world(tmp_path)
    more = many_allocations(tmp_path / "more.jsonl", "more", 20_000)
    assert run_ledger("--store", store, "import", str(more)).returncode == 0
    views = tmp_path / "views.db"
    process = ledger_process("--store", store, "--views", str(views), "rebuild")
    killed_once_writing(process, tmp_path, ".views.db.*.building")  # its tables are made
    assert process.returncode == -signal.SIGKILL
    # Its file, and those SQLite keeps beside it, if it was killed while they were open.
    [left] = [name for name in leftovers(tmp_path) if name.endswith(".building")]
    aged(tmp_path / left)

    rebuilt = run_ledger("--store", store, "--views", str(views), "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert leftovers(tmp_path) == []
    check = run_ledger("--store", store, "--views", str(views), "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_file_held_by_a_running_build_or_made_just_now_is_kept(tmp_path):
    store = store_with_world(tmp_path)
    views = tmp_path / "views.db"
    held = aged(empty_file(tmp_path / ".views.db.held.building"))
    new = empty_file(tmp_path / ".views.db.new.building")
    other = aged(empty_file(tmp_path / ".other.db.abc.building"))  # another views file's
    with building_in(held):
        rebuilt = run_ledger("--store", store, "--views", str(views), "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert leftovers(tmp_path) == sorted([held.name, new.name, other.name])

    aged(new)
    assert run_ledger("--store", store, "--views", str(views), "rebuild").returncode == 0
    assert leftovers(tmp_path) == [other.name]
