"""Paths that are not plain files: a device, a named pipe, a symbolic link. Found by trying
the tool: ``ledger export -o /dev/full`` said nothing was wrong and replaced the device
with a file of the export (as root, who may write /dev), and ``--views /dev/null``
replaced /dev/null with a views database. An output file is written beside its name and
moved into place; a device or a pipe cannot be, so it is written as it is, and a
database is never made there. A symbolic link stays one: the file it points to is
replaced."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from factories import allocation, world, write_jsonl
from processes import run_ledger

FULL = (1, 7)  # Linux's numbers of /dev/full: every write fails, the disk full


class Ran:
    """A command's outcome, as click's test runner gives it."""

    def __init__(self, process: subprocess.CompletedProcess[str]):
        self.exit_code, self.stdout, self.stderr = (
            process.returncode,
            process.stdout,
            process.stderr,
        )
        self.output = process.stdout + process.stderr


def ledger(*args: str) -> Ran:
    """The ledger as a process of its own, stopped after a minute: the code before this
    change waited for ever on a named pipe (opening it to read, as a reader does)."""
    return Ran(run_ledger(*args, timeout=60))


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    records = write_jsonl(tmp_path / "records.jsonl", [*world(), allocation()])
    assert ledger("--store", str(path), "import", str(records)).exit_code == 0
    return path


@pytest.fixture
def full_device(tmp_path: Path) -> Path:
    """A device like /dev/full, made in the test's folder: a test of the code before this
    change would have replaced the machine's own."""
    path = tmp_path / "full"
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(*FULL))
    except PermissionError:
        pytest.skip("making a device needs root (CAP_MKNOD); the named pipes test the rest")
    return path


class PipeReader:
    """Reads a named pipe to its end in a thread, as ``cat`` in a shell would."""

    def __init__(self, path: Path):
        os.mkfifo(path)
        self.read = b""
        self._thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self._thread.start()

    def _read(self, path: Path) -> None:
        with open(path, "rb") as pipe:
            self.read = pipe.read()

    def finished(self) -> bytes:
        self._thread.join(timeout=30)
        assert not self._thread.is_alive()
        return self.read


def is_device(path: Path) -> bool:
    return stat.S_ISCHR(os.lstat(path).st_mode)


def is_pipe(path: Path) -> bool:
    return stat.S_ISFIFO(os.lstat(path).st_mode)


OUTPUTS = {  # a command writing -o, and what its output starts with
    "export": (["export"], b'{"id":'),
    "view": (["view", "ccg-budgets", "--format", "csv"], b"code,name"),
    "xlsx": (["view", "ccg-budgets", "--format", "xlsx"], b"PK"),
    "chart": (["chart", "06H", "allocation", "--year", "2013-14"], b"\x89PNG"),
}


@pytest.mark.parametrize("command", OUTPUTS)
def test_an_output_to_a_named_pipe_is_written_through_it(store, tmp_path, command):
    args, start = OUTPUTS[command]
    pipe = tmp_path / ("out.png" if command == "chart" else "out")
    reader = PipeReader(pipe)
    result = ledger(
        "--store", str(store), "--views", str(tmp_path / "v.db"), *args, "-o", str(pipe)
    )
    assert result.exit_code == 0, result.output
    assert reader.finished().startswith(start)
    assert is_pipe(pipe)


@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
@pytest.mark.parametrize("command", OUTPUTS)
def test_an_output_to_standard_output_appended_to_a_file_keeps_what_the_file_held(
    store, tmp_path, command, name
):
    """Found by trying the tool: with ``-o /dev/stdout >> log``, the output was written
    beside the log and moved into its place, and what the log held was lost. A name of
    the command's own open file is written through the file the shell opened, as it
    opened it (here to append), and only the output goes there."""
    args, start = OUTPUTS[command]
    log = tmp_path / "log"
    log.write_bytes(b"earlier\n")
    inode = log.stat().st_ino
    with log.open("ab") as appended:
        process = subprocess.run(
            [sys.executable, "-m", "ledger.cli", "--store", str(store),
             "--views", str(tmp_path / "v.db"), *args, "-o", name],
            stdout=appended, stderr=subprocess.PIPE, timeout=60,
        )  # fmt: skip
    assert process.returncode == 0, process.stderr
    held = log.read_bytes()
    assert held.startswith(b"earlier\n" + start)
    assert b"Wrote" not in held
    assert command == "export" or f"Wrote {name}".encode() in process.stderr
    assert log.stat().st_ino == inode  # the same file, not one moved into its place
    if command == "export":
        lines = held.decode().splitlines()[1:]
        assert [json.loads(line)["id"] for line in lines][-1] == allocation()["id"]


def test_an_export_through_a_pipe_imports_back(store, tmp_path):
    reader = PipeReader(tmp_path / "out")
    assert ledger("--store", str(store), "export", "-o", str(tmp_path / "out")).exit_code == 0
    lines = reader.finished().decode().splitlines()
    assert [json.loads(line)["id"] for line in lines][-1] == allocation()["id"]
    assert len(lines) == len([*world(), allocation()])


@pytest.mark.parametrize("command", ["export", "view"])
def test_an_output_to_a_full_device_fails_and_leaves_the_device(store, full_device, command):
    args, _ = OUTPUTS[command]
    views = str(store.parent / "v.db")
    result = ledger("--store", str(store), "--views", views, *args, "-o", str(full_device))
    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot write {full_device}: No space left on device\n"
    assert is_device(full_device)


@pytest.mark.parametrize("command", [["rebuild"], ["view", "ccg-budgets"], ["check"]])
@pytest.mark.parametrize("kind", ["device", "named pipe"])
def test_a_views_database_is_never_made_on_a_device_or_pipe(store, tmp_path, command, kind):
    if kind == "device":
        path = tmp_path / "null"
        try:
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("making a device needs root (CAP_MKNOD)")
    else:
        path = tmp_path / "pipe"
        os.mkfifo(path)
    result = ledger("--store", str(store), "--views", str(path), *command)
    assert result.exit_code == 1
    said = f"cannot use {path} as the views database: it is a {kind}, not a file; give another"
    assert said in result.output
    assert (is_device if kind == "device" else is_pipe)(path)


def test_a_store_on_a_named_pipe_is_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    result = ledger("--store", str(tmp_path / "pipe"), "log")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot use {tmp_path / 'pipe'} as the store: it is a named pipe, not a file; "
        "give the store's file\n"
    )
    assert is_pipe(tmp_path / "pipe")


def test_an_output_through_a_symbolic_link_replaces_its_file_and_keeps_the_link(store, tmp_path):
    target = tmp_path / "kept" / "budgets.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    args = ["view", "ccg-budgets", "--format", "csv", "-o", str(link)]
    result = ledger("--store", str(store), "--views", str(tmp_path / "v.db"), *args)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.readlink() == target
    assert target.read_text().startswith("code,name")
    assert sorted(path.name for path in target.parent.iterdir()) == ["budgets.csv"]


def test_views_built_through_a_symbolic_link_keep_the_link(store, tmp_path):
    target = tmp_path / "kept" / "views.db"
    target.parent.mkdir()
    link = tmp_path / "views.db"
    link.symlink_to(target)
    budgets = ["view", "ccg-budgets", "-p", "year", "2013-14", "--format", "json"]
    for command in (["rebuild"], ["rebuild"], budgets):
        result = ledger("--store", str(store), "--views", str(link), *command)
        assert result.exit_code == 0, result.output
        assert link.is_symlink() and link.readlink() == target
    allocated = {row["code"]: row["allocation_pence"] for row in json.loads(result.stdout)}
    assert allocated["06H"] == 84_920_400_000  # the allocation the store holds
    assert target.stat().st_size > 0


@pytest.mark.parametrize("given", ["pipe", "-"])
def test_import_of_a_pipe_or_standard_input_says_to_save_it_first(store, tmp_path, given):
    if given == "pipe":
        os.mkfifo(tmp_path / "pipe")
        path = str(tmp_path / "pipe")
        why = "not a file or folder (a pipe or a device): import reads files and folders"
    else:
        path = "-"
        why = "no such file or folder: import reads files and folders, not standard input"
    result = ledger("--store", str(store), "import", path)
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}: {why}; save the records to a file first\n"
        "Error: 1 problem found; nothing was recorded.\n"
    )
