"""What a reader is told where Datasette would say only "Table not found" or "404", or
talk of its own settings: what is not there, the nearest name that is, and where the
ledger's pages are."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

from datasette.utils import tilde_decode

from ledger.views.read_limits import DEFAULT_SECONDS, Limits

PAGES = (
    "the ledger's pages are the index /, a view or table /views/NAME, the organisation "
    "search /search/organisations, an organisation /-/organisation/CODE and the timeline "
    "of a figure /-/timeline/CODE/MEASURE/YEAR"
)
TOO_LONG = (
    f"the query was stopped after {DEFAULT_SECONDS:g} seconds, the longest a query may run "
    f"here: {Limits().fewer}"
)
_LONGEST_SHOWN = 100  # characters of an address repeated in a message
# Datasette's routes: a database, a table or canned query, and a row (datasette.app).
_PAGE = re.compile(r"^/(?P<database>[^/.]+)(?:/(?P<table>[^/.]+)(?:/(?P<row>[^/]+?))?)?(?:\.\w+)?$")


def nowhere(path: str, named: Mapping[str, Mapping[str, Sequence[str]]]) -> str:
    """Why nothing is at ``path`` (as requested, undecoded), given each database's names
    by kind: ``{"views": {"views": [...], "tables": [...]}}``."""
    found = _PAGE.match(path)
    kinds = named.get(str(tilde_decode(found["database"]))) if found else None
    if found is None or kinds is None or found["table"] is None:
        return f"nothing is at {_shown(path)}: {PAGES}"
    database, table = tilde_decode(found["database"]), tilde_decode(found["table"])
    names = [name for listed in kinds.values() for name in listed]
    if table not in names:
        listed = "; ".join(f"its {kind}: {', '.join(each)}" for kind, each in kinds.items())
        return f"{database} has no view or table {table!r}{_did_you_mean(table, names)}; {listed}"
    row = tilde_decode(found["row"] or "")
    return f"the table {table} has no row {_shown(row)!r}: its rows are at /{database}/{table}"


def _did_you_mean(name: str, names: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _shown(text: str) -> str:
    """``text`` as a message repeats it: cut when long."""
    if len(text) <= _LONGEST_SHOWN:
        return text
    return f"{text[: _LONGEST_SHOWN - 3]}..."
