"""Every ``ledger`` command the README shows works as written, in order, in the scratch
store the README sets up, leaving the default store as it was."""

import hashlib
import shlex
import shutil

from backends import checks_run
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


def readme_environment():
    """The variables the README's ``export`` lines set, in its sh code blocks."""
    environment, in_shell_block = {}, False
    for line in (REPOSITORY / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_shell_block = line == "```sh"
            continue
        if in_shell_block and line.startswith("export "):
            words = shlex.split(line.split(" #", 1)[0])[1:]
            environment.update(word.split("=", 1) for word in words)
    return environment


def test_the_readme_sets_a_scratch_store_before_its_first_command():
    environment = readme_environment()
    assert environment["LEDGER_STORE"] not in ("", "ledger.db", "./ledger.db")
    assert environment["LEDGER_VIEWS"] not in ("", "views.db", "./views.db")
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    first_command = readme.index("\nledger " + shlex.join(readme_commands()[0]))
    assert readme.index("\nexport LEDGER_STORE=") < first_command


def test_the_readme_shows_every_command():
    shown = {command[0] if command[0] != "--store" else command[2] for command in readme_commands()}
    assert {"import", "record", "log", "export"} <= shown


def digests(folder):
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.iterdir()
        if path.is_file()
    }


def test_every_readme_command_runs(tmp_path, monkeypatch):
    """In a copy of the repository's events/ beside a user's own default store and views
    database, every command runs, and the user's files are byte for byte as they were,
    with no side files beside them: the README's records go to its scratch store."""
    shutil.copytree(REPOSITORY / "events", tmp_path / "events")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEDGER_STORE", raising=False)
    monkeypatch.delenv("LEDGER_VIEWS", raising=False)
    own = CliRunner().invoke(main, ["import", "events/sources.jsonl"])
    assert own.exit_code == 0, own.output
    assert CliRunner().invoke(main, ["view", "reconciliation"]).exit_code == 0
    before = digests(tmp_path)
    assert sorted(before) == ["ledger.db", "views.db"]
    for name, value in readme_environment().items():
        monkeypatch.setenv(name, value)
    for command in readme_commands():
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 0, f"ledger {shlex.join(command)}\n{result.output}"
    after = digests(tmp_path)
    assert {name: after[name] for name in before} == before
    assert not any(name.startswith(("ledger.db-", "views.db-")) for name in after)
    assert readme_environment()["LEDGER_STORE"] in after


README_SERVER = "postgresql://postgres@127.0.0.1:5432/test?schema=team"


def test_the_readme_moves_a_store_to_postgresql_and_back(tmp_path, monkeypatch, postgres_store):
    """The PostgreSQL section's commands, on a schema of the test's own."""
    commands = readme_commands("bash")
    assert any(README_SERVER in command for command in commands)
    shutil.copytree(REPOSITORY / "events", tmp_path / "events")
    monkeypatch.chdir(tmp_path)
    for name, value in readme_environment().items():
        monkeypatch.setenv(name, value)
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
    assert (
        checked[1]
        == f"No failures in {checks_run(postgres_store)} checks over {records:,} records."
    )
    assert (tmp_path / "history.jsonl").read_text() == (tmp_path / "from-server.jsonl").read_text()
