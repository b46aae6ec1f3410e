"""An erratum that moves a figure to another unit (a count that should have been an
amount, a percent that should have been a count, ...) must take away what belonged to
the old unit: its value, its unit, a tolerance in it, and, for a percent, the parts it
would add up. This says which fields to remove, in the words the erratum is written in.
"""

from __future__ import annotations

import json
from typing import Any

# The fields that give a figure's value in each unit, as set and as stored.
_VALUE_FIELDS = {"gbp": ("amount", "amount_pence"), "count": ("count",), "percent": ("percent",)}
_TOLERANCE = {"gbp": "tolerance_pence", "count": "tolerance_count"}
# What only a figure that is added up has: a percent figure is not.
_ADDED_UP = ("components", "components_complete", "sum_of_members")
_NAMES = {"gbp": "an amount", "count": "a count", "percent": "a percent"}


def unit_move_problem(target: dict[str, Any], erratum: dict[str, Any]) -> str | None:
    """What an erratum that moves the figure ``target`` (its fields as stored) to another
    unit must also remove (None if it is no such move, or removes all it must)."""
    given = erratum.get("set") or {}
    if target.get("kind") != "figure" or given.get("kind", "figure") != "figure":
        return None
    before, after = _unit(target), _unit(given)
    if before is None or after is None or before == after:
        return None
    removed = set(erratum.get("unset") or ())
    stale = [*_VALUE_FIELDS[before], _TOLERANCE.get(before, "")]
    if given.get("unit") != after:
        stale.append("unit")
    if after == "percent":
        stale += _ADDED_UP
    needed = [name for name in stale if name in target and name not in removed | set(given)]
    if not needed:
        return None
    field = next(name for name in _VALUE_FIELDS[after] if name in given)
    return (
        f"set: {field}: to make {erratum.get('fixes', 'the figure')!r} {_NAMES[after]} "
        f"rather than {_NAMES[before]}, remove what belonged to {_NAMES[before]} too: "
        f'add "unset": {json.dumps(needed)} '
        f"(on the command line, {' '.join(f'--unset {name}' for name in needed)})"
    )


def _unit(fields: dict[str, Any]) -> str | None:
    """The unit of the value ``fields`` give (None if they give none)."""
    return next(
        (unit for unit, names in _VALUE_FIELDS.items() if any(n in fields for n in names)), None
    )
