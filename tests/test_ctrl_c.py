"""Ctrl-C at any moment of any command: one line on stderr that says what the command
left, and exit code 130 (found by trying the tool: in its first few tenths of a second
the ``ledger`` command printed a traceback from the middle of its imports, and later a
bare "Aborted!" with exit code 1, over an import it had not recorded)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import allocation, world, write_jsonl

from ledger.cli import main
from ledger.writing import importing

REPOSITORY = Path(__file__).resolve().parent.parent

# The installed ``ledger`` script, as pip writes it for [project.scripts], with a Ctrl-C
# sent the moment a module starts to load.
PROGRAM = """
import os, signal, sys
from importlib import import_module

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["ledger", *{args!r}]
module, _, name = {entry!r}.partition(":")
sys.exit(getattr(import_module(module), name)())
"""


def entry_point() -> str:
    with (REPOSITORY / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["scripts"]["ledger"])


def interrupted_while_loading(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    program = PROGRAM.format(module=module, args=list(args), entry=entry_point())
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120
    )


def store_of(folder: Path) -> Path:
    store = folder / "ledger.db"
    path = write_jsonl(folder / "records.jsonl", [*world(), allocation()])
    result = CliRunner().invoke(main, ["--store", str(store), "import", str(path)])
    assert result.exit_code == 0, result.output
    return store


def events_in(store: Path) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])


def interrupt(*_: object, **__: object) -> None:
    os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.parametrize(
    "module",
    ["click.core", "ledger.cli.figures", "ledger.views.freshness", "ledger.views.projections"],
    ids=["loading click", "loading the commands", "a command loading", "a view loading"],
)
def test_ctrl_c_while_the_command_line_loads_is_one_line_not_a_traceback(tmp_path, module):
    store = store_of(tmp_path)
    views = tmp_path / "views.db"
    command = ["--store", str(store), "--views", str(views), "view", "ccg-budgets"]
    result = interrupted_while_loading(module, *command)
    assert (result.returncode, result.stdout) == (130, "")
    assert result.stderr == "Interrupted (Ctrl-C): nothing was recorded.\n"
    assert events_in(store) == 6


def test_an_ignored_ctrl_c_stays_ignored_while_the_command_line_loads(tmp_path):
    """A background job's Ctrl-C is ignored (SIG_IGN): loading must not take it back."""
    program = (
        "import signal\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "import ledger.cli\n"
        "print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert result.stdout == "True\n", result.stderr


def test_loading_the_command_line_gives_ctrl_c_back_to_python():
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_during_an_import_says_nothing_of_it_was_recorded(tmp_path, monkeypatch):
    store = store_of(tmp_path)
    more = write_jsonl(tmp_path / "more.jsonl", [allocation(f"more-{n}") for n in range(50)])
    checking = importing.Checker.check

    def checked_then_interrupted(self, items):
        interrupt()
        return checking(self, items)

    monkeypatch.setattr(importing.Checker, "check", checked_then_interrupted)
    result = CliRunner().invoke(main, ["--store", str(store), "import", str(more)])
    assert (result.exit_code, result.stdout) == (130, "")
    assert result.stderr == (
        "Interrupted (Ctrl-C): nothing of the import was recorded; the store is as it was.\n"
    )
    assert events_in(store) == 6


def test_ctrl_c_during_a_rebuild_leaves_the_views_as_they_were(tmp_path, monkeypatch):
    from ledger.views import refresh

    store = store_of(tmp_path)
    views = tmp_path / "views.db"
    built = CliRunner().invoke(main, ["--store", str(store), "--views", str(views), "rebuild"])
    assert built.exit_code == 0, built.output
    before = views.read_bytes()
    monkeypatch.setattr(refresh, "catch_up", interrupt)
    result = CliRunner().invoke(main, ["--store", str(store), "--views", str(views), "rebuild"])
    assert (result.exit_code, result.stdout) == (130, "")
    assert result.stderr == (
        f"Interrupted (Ctrl-C): the views database {views} is as it was; nothing was recorded.\n"
    )
    assert views.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".views")) == []


def test_ctrl_c_during_an_export_writes_no_part_of_the_file(tmp_path, monkeypatch):
    from ledger.store.application import EventStore

    store = store_of(tmp_path)
    stored = EventStore.stored_records

    def interrupted_after_two(self):
        for number, record in enumerate(stored(self)):
            if number == 2:
                interrupt()
            yield record

    monkeypatch.setattr(EventStore, "stored_records", interrupted_after_two)
    output = tmp_path / "history.jsonl"
    result = CliRunner().invoke(main, ["--store", str(store), "export", "-o", str(output)])
    assert (result.exit_code, result.stdout) == (130, "")
    assert result.stderr == (
        f"Interrupted (Ctrl-C): {output} was not written; nothing was recorded.\n"
    )
    assert not output.exists()
    assert [p.name for p in tmp_path.iterdir() if "history" in p.name] == []


def test_ctrl_c_during_a_check_says_it_did_not_finish(tmp_path, monkeypatch):
    from ledger.explain import afresh

    store = store_of(tmp_path)
    monkeypatch.setattr(afresh, "replay", interrupt)
    views = tmp_path / "views.db"
    result = CliRunner().invoke(main, ["--store", str(store), "--views", str(views), "check"])
    assert result.exit_code == 130
    assert result.stderr.endswith(
        "Interrupted (Ctrl-C): the check did not finish; nothing was recorded.\n"
    )


def test_ctrl_c_as_a_command_tidies_up_after_itself_is_said_too(tmp_path, monkeypatch):
    """Once a command has answered, the ledger closes the side files its reading left."""
    from ledger.store import files

    store = store_of(tmp_path)
    monkeypatch.setattr(files, "close_wal", interrupt)
    result = CliRunner().invoke(main, ["--store", str(store), "log", "--format", "csv"])
    assert result.exit_code == 130
    assert result.stderr.endswith("\nInterrupted (Ctrl-C): nothing was recorded.\n")
