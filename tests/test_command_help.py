"""Every command's --help reads whole (noticed in issue 21): no sentence cut short (record
split's once ended at "its figures"), no ``code`` markup from a docstring, and every
example on a line of its own, as typed (audit's three ran together in one line)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from ledger.cli import main


def commands(group: click.Group = main, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    """The words that name each command and subcommand (``ledger`` itself first) and the
    help it was written with."""
    context = click.Context(group)
    found = {path: group.help or ""}
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            found |= commands(command, (*path, name))
        elif command is not None:
            found[(*path, name)] = command.help or ""
    return found


def described(help_text: str) -> list[str]:
    """The paragraphs of a command's description: after Usage, before the options."""
    description = help_text.split("\n\n", 1)[1].split("\nOptions:", 1)[0]
    return [" ".join(part.split()) for part in description.split("\n\n") if part.strip()]


def examples(help_text: str) -> list[str]:
    return [line.strip() for line in help_text.splitlines() if line.strip().startswith("ledger ")]


WRITTEN = commands()
PATHS = list(WRITTEN)


def test_every_command_and_record_kind_is_walked():
    assert ("record", "split") in PATHS and ("demo", "generate") in PATHS
    assert len(PATHS) > 30


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "ledger")
def test_help_reads_whole(path):
    shown = CliRunner().invoke(main, [*path, "--help"], terminal_width=80)
    assert shown.exit_code == 0, shown.output
    help_text = shown.output
    assert "``" not in help_text
    assert "None" not in help_text
    for paragraph in described(help_text):
        if not paragraph.startswith("ledger "):
            assert paragraph[-1] in ".:", f"cut short: {paragraph!r}"
    shown_lines = [line.strip() for line in help_text.splitlines()]
    for example in examples(WRITTEN[path]):
        assert example in shown_lines, f"example rewrapped: {example!r}"


def test_an_example_is_shown_as_written_whatever_its_length():
    """Click rewraps a paragraph to the terminal: the view example broke at --sort."""
    shown = CliRunner().invoke(main, ["view", "--help"], terminal_width=60).output
    assert (
        "ledger view ccg-budgets -p year 2013-14 -p group area_team --sort -allocation --limit 3"
        in examples(shown)
    )
    split = CliRunner().invoke(main, ["record", "split", "--help"], terminal_width=80).output
    assert described(split) == [
        "--organisation was divided between --successors from --effective: its figures are "
        "carried on to each in proportion to its weight, and marked as apportioned."
    ]
    assert (
        "--successors ORGANISATION=WEIGHT an organisation it was divided into and its weight: "
        "ORGANISATION=WEIGHT (e.g. QJ2=33087), once for each, or a JSON object [required]"
    ) in " ".join(split.split())
