"""Every ``ledger`` command the README shows works as written, in order."""

import shlex
import shutil

from click.testing import CliRunner
from conftest import REPOSITORY

from ledger.cli import main


def readme_commands():
    commands, in_shell_block, pending = [], False, ""
    for line in (REPOSITORY / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_shell_block = line == "```sh"
            continue
        if not in_shell_block:
            continue
        pending += line.split(" #", 1)[0].rstrip().removesuffix("\\")
        if line.rstrip().endswith("\\"):
            continue
        if pending.strip().startswith("ledger "):
            commands.append(shlex.split(pending)[1:])
        pending = ""
    return commands


def test_the_readme_shows_every_command():
    shown = {command[0] if command[0] != "--store" else command[2] for command in readme_commands()}
    assert {"import", "record", "log", "export"} <= shown


def test_every_readme_command_runs(tmp_path, monkeypatch):
    shutil.copytree(REPOSITORY / "events", tmp_path / "events")
    monkeypatch.chdir(tmp_path)
    for command in readme_commands():
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 0, f"ledger {shlex.join(command)}\n{result.output}"
