"""Datasette's own options in an address (``_sort``, ``_through``, ``_facet``, ...),
checked before Datasette reads them: it answers some that cannot be used with a 500
(``_sort=nosuch``, ``_through={}``, ``_timelimit=soon``). Each check names the option."""

from __future__ import annotations

import json
from collections.abc import Sequence

# Options read as JSON when they start so, and the shape Datasette needs of them.
_JSON_OBJECT = "a JSON object"
_JSON_LIST = "a JSON list of values"


def option_problem(pairs: Sequence[tuple[str, str]], sortable: Sequence[str] | None) -> str | None:
    """What is wrong with the first option Datasette could not use, naming it; None
    when all can be used. ``sortable``: the columns a table can be sorted by (None when
    the address is not a table's, or has no sort)."""
    given = {name for name, value in pairs if value}
    if {"_sort", "_sort_desc"} <= given:
        return "parameters _sort and _sort_desc: give one of them, not both"
    for name, value in pairs:
        problem = _problem(name, value, sortable) if value else None
        if problem:
            return f"parameter {name}: {problem}"
    return None


def _problem(name: str, value: str, sortable: Sequence[str] | None) -> str | None:
    if name in ("_sort", "_sort_desc") and sortable is not None and value not in sortable:
        return f"{value!r} is not a column of this table (columns: {', '.join(sortable)})"
    if name == "_timelimit" and not (value.isascii() and value.isdigit()):
        return f"{value!r} is not a whole number of milliseconds"
    if name == "_through":
        return _through_problem(value)
    if name.startswith("_facet") and value.startswith("{"):
        return _json_problem(value, dict) or _facet_problem(json.loads(value))
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


def _facet_problem(config: dict[str, object]) -> str | None:
    if not isinstance(config.get("simple"), str):
        return 'give {"simple": COLUMN}'
    return None


def _values_problem(values: list[object]) -> str | None:
    if not all(isinstance(value, str | int | float) for value in values):
        return "values are text or numbers"
    return None
