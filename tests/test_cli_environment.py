"""Values taken from the environment (LEDGER_STORE, LEDGER_VIEWS, LEDGER_QUERY_TIMEOUT,
LEDGER_MAX_ROWS, LEDGER_PROJECTIONS): when one is wrong, the error names the variable the
user set, not an option they never typed."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from stores import published_ledger

from ledger.cli import main

# What each command that reads an option from the environment needs besides it.
ARGUMENTS = {"view": ["ccg-budgets"], "query": ["SELECT 1"]}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("environment"))


def invoke(*args: str, **env: str):
    return CliRunner().invoke(main, list(args), env=env)


def _options_read_from_the_environment() -> list[tuple[str, str, str]]:
    """(command, option, variable) for every option of a command that has a variable."""
    return [
        (name, param.opts[0], param.envvar)
        for name, command in main.commands.items()
        for param in command.params
        if isinstance(param.envvar, str)
    ]


def test_every_command_option_read_from_the_environment_is_tried_here():
    assert _options_read_from_the_environment() == [
        ("view", "--timeout", "LEDGER_QUERY_TIMEOUT"),
        ("view", "--max-rows", "LEDGER_MAX_ROWS"),
        ("query", "--timeout", "LEDGER_QUERY_TIMEOUT"),
        ("query", "--max-rows", "LEDGER_MAX_ROWS"),
    ]


@pytest.mark.parametrize(("command", "option", "variable"), _options_read_from_the_environment())
@pytest.mark.parametrize("value", ["abc", "0", "-3", "inf"])
def test_a_bad_value_from_a_variable_names_the_variable(ledger, command, option, variable, value):
    """The user set LEDGER_QUERY_TIMEOUT=abc and typed no --timeout: the error says
    what click says of ``--timeout abc``, of the variable."""
    stores = ["--store", "unused.db", "--views", str(ledger.views)]
    from_variable = invoke(*stores, command, *ARGUMENTS[command], **{variable: value})
    typed = invoke(*stores, command, option, value, *ARGUMENTS[command])
    assert typed.exit_code == from_variable.exit_code == 2
    said = typed.stderr.splitlines()[-1]
    assert said.startswith(f"Error: Invalid value for '{option}': ")
    assert from_variable.stderr.splitlines()[-1] == said.replace(
        f"'{option}'", f"{variable} (which sets {option})"
    )


def test_a_store_or_views_database_from_a_variable_is_said_to_come_from_it(ledger, tmp_path):
    views, store = str(ledger.views), str(ledger.views.parent / "ledger.db")
    wrong_store = invoke("log", LEDGER_STORE=views, LEDGER_VIEWS=str(tmp_path / "v.db"))
    assert (wrong_store.exit_code, wrong_store.stderr) == (
        1,
        f"Error: {views} is a views database, not a ledger store; give the store's file with "
        "--store (the store was given by LEDGER_STORE)\n",
    )
    wrong_views = invoke("query", "SELECT 1", LEDGER_STORE=store, LEDGER_VIEWS=store)
    assert (wrong_views.exit_code, wrong_views.stderr) == (
        1,
        f"Error: {store} is the ledger's store, not a views database; give another --views "
        "path (the views database was given by LEDGER_VIEWS)\n",
    )
    missing = str(tmp_path / "new.db")
    no_store = invoke("log", LEDGER_STORE=missing)
    assert no_store.stderr == (
        f"Error: no ledger store at {missing} (create one with: ledger --store {missing} "
        "import events/) (the store was given by LEDGER_STORE)\n"
    )
    typed = invoke("--store", views, "--views", str(tmp_path / "v.db"), "log")
    assert typed.stderr == (
        f"Error: {views} is a views database, not a ledger store; give the store's file with "
        "--store\n"
    )


@pytest.mark.parametrize(
    "command",
    [["views"], ["view", "ccg-budgets"], ["audit", "06H", "allocation", "--year", "2013-14"]],
)
def test_a_views_folder_that_is_not_one_names_the_variable(ledger, tmp_path, command):
    missing = tmp_path / "my-views"
    stores = ["--store", str(ledger.views.parent / "ledger.db"), "--views", str(ledger.views)]
    result = invoke(*stores, *command, LEDGER_PROJECTIONS=f"{tmp_path}{os.pathsep}{missing}")
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: LEDGER_PROJECTIONS names {missing}, which is not a folder (it lists the "
        f"folders of your own views, separated by {os.pathsep!r})\n",
    )
