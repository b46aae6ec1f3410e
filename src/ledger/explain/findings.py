"""What a check of the views database finds: for each failure, the record it is about,
what is wrong, and its source."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.views.projections import run

Found = tuple[str | None, str, str | None]  # record, message, source
Say = Callable[[dict[str, Any]], str]  # a message made of a row (money shown in pounds)


def found_by(views_path: str | Path, sql: str, say: Say | None = None) -> list[Found]:
    """The failures a query finds, from its columns record, message (or what ``say``
    makes of the row) and source."""
    rows = run(views_path, sql)
    return [(r["record"], say(r) if say else r["message"], r["source"]) for r in rows]
