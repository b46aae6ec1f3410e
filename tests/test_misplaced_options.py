"""An option click cannot place is said with where it goes: a command's option written
before the command's name, and an argument beginning with "-", which click reads as an
option. Nothing is recorded, and the exit code is click's for a usage error."""

from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("words", "owner", "first"),
    [
        (["--dry-run", "import", "history.jsonl"], "`ledger import`, ", "ledger import"),
        (["-p", "year", "2013-14", "view", "ccg-budgets"], "`ledger view`;", "ledger view"),
        (["--format", "json", "views"], "`ledger audit`, ", "ledger audit"),
        (["demo", "--events", "5", "generate"], "`ledger demo generate`;", "ledger demo generate"),
    ],
)
def test_a_commands_option_before_the_command_is_said_to_go_after_it(
    run, store, words, owner, first
):
    result = run(*words)
    option = next(word for word in words if word.startswith("-"))
    assert result.exit_code == 2
    assert (
        f"Error: No such option {option!r} before the command: it is an option of {owner}"
        in result.stderr
    )
    assert f"write it after the command's name, as in `{first} {option} ...`." in result.stderr
    assert not Path(store).exists()  # nothing was recorded, no store made


def test_an_option_of_no_command_is_refused_as_click_refuses_it(run):
    result = run("--no-such-thing", "views")
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: No such option '--no-such-thing'.\n")


@pytest.mark.parametrize(
    ("sql", "said", "example"),
    [
        ("-- a comment", "'-- a comment'", "'-- a comment'"),
        ("--\tSELECT 1", "'--\\tSELECT 1'", "'--\tSELECT 1'"),
        ("- 1", "'- '", "..."),  # click names a short option by its first letter
    ],
)
def test_an_argument_beginning_with_a_dash_is_said_how_to_give(run, sql, said, example):
    result = run("query", sql)
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: No such option {said}: a word beginning with '-' is read as an option. "
        f"If it is an argument, put -- before it, as in `ledger query -- {example}`.\n"
    )
    told = run("query", "--", sql)  # as it says: the SQL reaches the query
    assert "Error: No such option" not in told.stderr


def test_an_option_shaped_word_no_command_has_is_refused_as_click_refuses_it(run):
    result = run("query", "--limt", "5", "SELECT 1")
    assert result.exit_code == 2
    assert "Error: No such option '--limt'" in result.stderr
    assert "put -- before it" not in result.stderr
