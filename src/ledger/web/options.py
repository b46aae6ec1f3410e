"""Datasette's own options in an address (``_sort``, ``_through``, ``_facet``, ...),
checked before Datasette reads them: it answers some that cannot be used with a 500
(``_sort=nosuch``, ``_through={}``, ``_timelimit=soon``). Each check names the option."""

from __future__ import annotations

import json
from collections.abc import Sequence

# Options that name a column of the table. A facet of no such column was answered, but
# left Datasette's other facets unawaited ("coroutine ... was never awaited" on the
# server's terminal).
_FACETS = ("_facet", "_facet_array", "_facet_date")
COLUMN_OPTIONS = ("_sort", "_sort_desc", *_FACETS)
# Options read as JSON when they start so, and the shape Datasette needs of them.
_JSON_OBJECT = "a JSON object"
_JSON_LIST = "a JSON list of values"


def option_problem(pairs: Sequence[tuple[str, str]], sortable: Sequence[str] | None) -> str | None:
    """What is wrong with the first option Datasette could not use, naming it; None
    when all can be used. ``sortable``: the columns a table can be sorted by, which a
    sort or a facet must name (None when the address is not a table's, or has neither)."""
    given = {name for name, value in pairs if value}
    if {"_sort", "_sort_desc"} <= given:
        return "parameters _sort and _sort_desc: give one of them, not both"
    for name, value in pairs:
        problem = _problem(name, value, sortable) if value else None
        if problem:
            return f"parameter {name}: {problem}"
    return None


def _problem(name: str, value: str, sortable: Sequence[str] | None) -> str | None:
    if name in COLUMN_OPTIONS and not value.startswith("{"):
        return _column_problem(value, sortable)
    if name == "_timelimit" and not (value.isascii() and value.isdigit()):
        return f"{value!r} is not a whole number of milliseconds"
    if name == "_through":
        return _through_problem(value)
    if name.startswith("_facet") and value.startswith("{"):
        return _json_problem(value, dict) or _facet_problem(json.loads(value), sortable)
    if name.endswith(("__in", "__notin")) and value.startswith("["):
        return _json_problem(value, list) or _values_problem(json.loads(value))
    return None


def _json_problem(value: str, shape: type) -> str | None:
    try:
        parsed = json.loads(value)
    except ValueError as error:
        return f"{value!r} is not JSON ({error})"
    if not isinstance(parsed, shape):
        return f"{value!r} is not {_JSON_OBJECT if shape is dict else _JSON_LIST}"
    return None


def _through_problem(value: str) -> str | None:
    """``_through={"table": ..., "column": ..., "value": ...}``."""
    problem = _json_problem(value, dict)
    if problem:
        return problem
    through = json.loads(value)
    if not all(isinstance(through.get(key), str) for key in ("table", "column")):
        return 'give {"table": TABLE, "column": COLUMN, "value": VALUE}'
    return _values_problem([through.get("value")])


def _facet_problem(config: dict[str, object], columns: Sequence[str] | None) -> str | None:
    column = config.get("simple")
    if not isinstance(column, str):
        return 'give {"simple": COLUMN}'
    return _column_problem(column, columns)


def _column_problem(value: str, columns: Sequence[str] | None) -> str | None:
    if columns is not None and value not in columns:
        return f"{value!r} is not a column of this table (columns: {', '.join(columns)})"
    return None


def _values_problem(values: list[object]) -> str | None:
    if not all(isinstance(value, str | int | float) for value in values):
        return "values are text or numbers"
    return None
