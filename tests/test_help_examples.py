"""Every example a command's --help shows runs as written on the published record
(noticed in issue 21). Two did not: `view ccg-budgets` asked about 2013-14 as at 30
September 2013, before any of its allocations was known once an erratum moved their known
date to 18 December; `record allocation` cited a source the record does not hold, and
would have appended a second allocation for 06H had it not."""

from __future__ import annotations

import shlex
import sqlite3

import click
import pytest
from click.testing import CliRunner
from conftest import REPOSITORY
from stores import published_ledger

from ledger.cli import main

# Runs until it is stopped: tests/test_serve.py and tests/test_browser.py start it.
RUNS_UNTIL_STOPPED = {"serve"}


def command_paths(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The words naming every command, subcommands included (``record allocation``)."""
    context = click.Context(group)
    paths = []
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        paths.append((*path, name))
        if isinstance(command, click.Group):
            paths += command_paths(command, (*path, name))
    return paths


def examples_in(help_text: str) -> list[str]:
    """The lines of a help text that are ``ledger`` commands, each joined up where it goes
    on to the next line with a backslash."""
    found, pending = [], ""
    for line in help_text.splitlines():
        text = line.strip()
        if not (pending or text.startswith("ledger ")):
            continue
        pending += " " + text.removesuffix("\\")
        if not text.endswith("\\"):
            found.append(pending.strip())
            pending = ""
    return found


def every_example() -> list[str]:
    shown: dict[str, None] = {}
    for path in [(), *command_paths()]:
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        shown |= dict.fromkeys(examples_in(result.output))
    return list(shown)


EXAMPLES = every_example()


def test_the_commands_show_examples_of_each_kind_of_work():
    shown = {shlex.split(example)[1] for example in EXAMPLES}
    assert {"import", "record", "view", "audit", "diff", "check", "serve"} <= shown
    assert len(EXAMPLES) >= 20


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("help-examples"))


def stored_events(folder) -> int:
    """How many events the store ``ledger.db`` in ``folder`` holds."""
    with sqlite3.connect(folder / "ledger.db") as store:
        return store.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]


RUN = [example for example in EXAMPLES if example.split()[1] not in RUNS_UNTIL_STOPPED]


@pytest.mark.parametrize("example", RUN, ids=[example.replace('"', "") for example in RUN])
def test_each_example_runs_as_written_on_the_published_record(
    example, published, tmp_path, monkeypatch
):
    """Each in a folder of its own, where ``events/`` is the published record, on a copy of
    the published store and its views; an example changes nothing the store holds."""
    folder = published.views.parent
    for name in ("ledger.db", "views.db"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    (tmp_path / "events").symlink_to(REPOSITORY / "events")
    monkeypatch.chdir(tmp_path)
    before = stored_events(tmp_path)
    words = shlex.split(example)[1:]
    result = CliRunner().invoke(main, ["--store", "ledger.db", "--views", "views.db", *words])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert stored_events(tmp_path) == before
