"""Options click cannot place, said with where they go: a command's option written
before the command's name (``ledger --dry-run import f``), and an argument beginning with
``-`` (``ledger query "-- a comment"``), which click reads as an option it does not know."""

from __future__ import annotations

import re
import shlex

import click

_OPTION_SHAPED = re.compile(r"--?[A-Za-z0-9][A-Za-z0-9_-]*")
_NAMED = 3  # commands named in full before "and N more"


def before_its_command(
    group: click.Group, ctx: click.Context, error: click.NoSuchOption
) -> click.NoSuchOption | None:
    """The group's unknown option, said to be a command's (None if no command has it)."""
    option = error.option_name
    owners = _commands_taking(group, ctx, option, ctx.command_path)
    if not owners:
        return None
    message = (
        f"No such option {option!r} before the command: it is an option of "
        f"{_listed(owners)}; write it after the command's name, as in "
        f"`{owners[0]} {option} ...`."
    )
    return click.NoSuchOption(option, message=message, ctx=ctx)


def misplaced(error: click.NoSuchOption) -> click.NoSuchOption | None:
    """An unknown option of a command, said with where it goes, if that can be said."""
    ctx = error.ctx
    if ctx is not None and isinstance(ctx.command, click.Group):
        return before_its_command(ctx.command, ctx, error) or read_as_an_option(error)
    return read_as_an_option(error)


def read_as_an_option(error: click.NoSuchOption) -> click.NoSuchOption | None:
    """An unknown "option" that no option could be (``-- a comment``, ``-5``), said with
    how to give it as an argument (None for one shaped like an option)."""
    word = error.option_name
    if _OPTION_SHAPED.fullmatch(word):
        return None
    path = error.ctx.command_path if error.ctx else "ledger"
    # click names a long option by its whole word, a short one by its first letter only
    example = shlex.quote(word) if word.startswith("--") else "..."
    message = (
        f"No such option {word!r}: a word beginning with '-' is read as an option. If it "
        f"is an argument, put -- before it, as in `{path} -- {example}`."
    )
    return click.NoSuchOption(word, message=message, ctx=error.ctx)


def _commands_taking(group: click.Group, ctx: click.Context, option: str, path: str) -> list[str]:
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            found += _commands_taking(command, ctx, option, f"{path} {name}")
        elif command is not None and any(
            option in (*param.opts, *param.secondary_opts)
            for param in command.params
            if isinstance(param, click.Option)
        ):
            found.append(f"{path} {name}")
    return found


def _listed(commands: list[str]) -> str:
    named = [f"`{command}`" for command in commands[:_NAMED]]
    if len(commands) > _NAMED:
        return f"{', '.join(named)} and {len(commands) - _NAMED} more commands"
    if len(named) == 1:
        return named[0]
    return f"{', '.join(named[:-1])} and {named[-1]}"
