"""The organisation search: as ``ledger orgs`` does, it finds the organisations whose code
or any name holds the text searched for, in any case. The search's full-text index uses
SQLite's trigram tokenizer, which finds any part of a word but nothing shorter than three
characters: a shorter text is refused, saying so, rather than answered with no rows."""

from __future__ import annotations

from collections.abc import Sequence

# SQLite's trigram tokenizer indexes every three characters: a text shorter matches nothing.
SHORTEST = 3


def search_phrase(text: str | None) -> str:
    """The text searched for as one FTS5 phrase, so that it is found whole, anywhere in a
    code or a name, as ``ledger orgs`` finds it (in place of Datasette's ``escape_fts``,
    which looks for each word apart)."""
    return '"' + _spaced(text or "").replace('"', '""') + '"'


def search_problem(pairs: Sequence[tuple[str, str]]) -> str | None:
    """What is wrong with a text searched for (``_search`` or ``_search_COLUMN``), naming
    the parameter; None when every one can be searched for."""
    for name, value in pairs:
        searched = name.startswith("_search") and name != "_searchmode"
        if searched and len(_spaced(value)) < SHORTEST:
            return (
                f"parameter {name}: give at least {SHORTEST} characters of a code or "
                f"name to search for (got {value!r})"
            )
    return None


def _spaced(text: str) -> str:
    """The text with its words one space apart, as a search box's text is meant."""
    return " ".join(text.split())
