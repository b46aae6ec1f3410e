"""Values the command line takes from environment variables (LEDGER_STORE, LEDGER_VIEWS,
LEDGER_QUERY_TIMEOUT, LEDGER_MAX_ROWS, and any option given ``envvar``): when one is
wrong, the error names the variable the user set, not the option they never typed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import click
from click.core import ParameterSource

# The options of the ledger group that name a file, and what each names.
_FILES = {"store": "the store", "views": "the views database"}


@contextmanager
def variables_named() -> Iterator[None]:
    """A bad value that click read from an environment variable is said to come from
    it: ``Invalid value for LEDGER_QUERY_TIMEOUT (which sets --timeout): ...``."""
    try:
        yield
    except click.BadParameter as error:
        variable = _variable(error.ctx, error.param)
        if variable is not None and error.param is not None:
            option = error.param.get_error_hint(error.ctx).strip("'")
            error.param_hint = f"{variable} (which sets {option})"
        raise


def files_from_the_environment(ctx: click.Context, message: str) -> str:
    """What to add to an error that names the store or the views database, or its
    option, when its path came from LEDGER_STORE or LEDGER_VIEWS: the user may never
    have typed it, and the message may tell them to give another --store."""
    from ledger.store.settings import shown

    given = {}
    for name in _FILES:
        option = next((p for p in ctx.command.params if p.name == name), None)
        variable = _variable(ctx, option)
        if variable is not None and variable not in message:
            given[name] = variable
    # The files whose option the message names; else those whose path it names.
    named = [name for name in given if f"--{name}" in message] or [
        name for name in given if shown(str(ctx.params.get(name))) in message
    ]
    return "".join(f" ({_FILES[name]} was given by {given[name]})" for name in named)


def _variable(ctx: click.Context | None, param: click.Parameter | None) -> str | None:
    """The environment variable ``param``'s value was read from, or None when it was
    typed or left to its default."""
    if ctx is None or param is None or param.name is None:
        return None
    if ctx.get_parameter_source(param.name) is not ParameterSource.ENVIRONMENT:
        return None
    envvar = param.envvar
    names = [envvar] if isinstance(envvar, str) else list(envvar or ())
    if not names and ctx.auto_envvar_prefix and param.name:
        names = [f"{ctx.auto_envvar_prefix}_{param.name.upper()}"]
    return next((name for name in names if os.environ.get(name)), names[0] if names else None)
