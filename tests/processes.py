"""Running the ledger as separate processes, as users and their scripts do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from factories import allocation, world, write_jsonl


def ledger_process(*args: str, **popen: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ledger.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def run_ledger(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ledger.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def many_allocations(path: Path, prefix: str, count: int, account: str = "06H") -> Path:
    """An import file of ``count`` allocations of £1 to £count."""
    records = [
        allocation(f"{prefix}-{n}", account=account, amount=str(n + 1), as_at="2013-09-30")
        for n in range(count)
    ]
    return write_jsonl(path, records)


def store_with_world(folder: Path, store: str | None = None) -> str:
    """A store (by default a new SQLite file in ``folder``) holding the test world."""
    store = store or str(folder / "ledger.db")
    result = run_ledger(
        "--store", store, "import", str(write_jsonl(folder / "world.jsonl", world()))
    )
    assert result.returncode == 0, result.stderr
    return store


def killed_once_writing(process: subprocess.Popen[str], folder: Path, pattern: str) -> None:
    """Kill ``process`` outright (SIGKILL) as soon as a file matching ``pattern`` in
    ``folder`` holds anything (a build's or a first import's file, part-way), and wait."""
    while process.poll() is None:
        writing = list(folder.glob(pattern))
        if writing and writing[0].stat().st_size > 0:
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.001)
    process.communicate()


def children_of(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux's /proc), empty once it has none."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def import_workers(
    store: str, lines: Path, workers: int
) -> tuple[subprocess.Popen[str], list[int]]:
    """An import of ``lines`` started as a process, and its worker processes once it has
    started ``workers`` of them."""
    process = ledger_process("--store", store, "import", str(lines))
    deadline = time.monotonic() + 60
    while len(children_of(process.pid)) < workers and process.poll() is None:
        assert time.monotonic() < deadline, "the import started no workers"
        time.sleep(0.01)
    return process, children_of(process.pid)
