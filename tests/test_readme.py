"""Every ``ledger`` command the README shows works as written, in order."""

import shlex
import shutil

from click.testing import CliRunner
from conftest import REPOSITORY

from ledger.cli import main


def readme_commands(language="sh"):
    """The ledger commands of the README's code blocks in this language, in order."""
    commands, in_shell_block, pending = [], False, ""
    for line in (REPOSITORY / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_shell_block = line == f"```{language}"
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


README_SERVER = "postgresql://postgres@127.0.0.1:5432/test?schema=team"


def test_the_readme_moves_a_store_to_postgresql_and_back(tmp_path, monkeypatch, postgres_store):
    """The PostgreSQL section's commands, on a schema of the test's own."""
    commands = readme_commands("bash")
    assert any(README_SERVER in command for command in commands)
    shutil.copytree(REPOSITORY / "events", tmp_path / "events")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["import", "events/"]).exit_code == 0
    outputs = []
    for command in commands:
        command = [postgres_store if part == README_SERVER else part for part in command]
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 0, f"ledger {shlex.join(command)}\n{result.output}"
        outputs.append(result)
    records = len((tmp_path / "history.jsonl").read_text().splitlines())
    checked = outputs[2].output.splitlines()
    assert checked[0].startswith("head: ") and checked[0].endswith(f" (position {records})")
    assert checked[1] == f"No failures in 13 checks over {records:,} records."
    assert (tmp_path / "history.jsonl").read_text() == (tmp_path / "from-server.jsonl").read_text()
