"""The JSON of a named view: Datasette's, with what the view noted beside its answer
(``view_note``, which ``ledger view`` prints on stderr and the view's page shows above it)
under ``notes``. The rows keep Datasette's shape: ``_shape=array`` (the rows alone) and
the CSV have no notes, as ``ledger view``'s JSON and CSV have none."""

from __future__ import annotations

from typing import Any

from datasette.renderer import json_renderer

from ledger.web.addresses import VIEW_NOTES
from ledger.web.metadata import VIEWS_DATABASE

NOTES = "notes"  # the key of a named view's JSON that holds its notes


def view_json(
    args: Any, data: Any, view_name: str, database: str, query_name: str | None, named: Any
) -> Any:
    """Datasette's JSON answer; a named view's (one of ``named``) with its notes, a list
    that is empty when the view noted nothing."""
    if isinstance(data, dict) and database == VIEWS_DATABASE and query_name in named:
        data[NOTES] = list(VIEW_NOTES.get() or ())
    return json_renderer(args, data, view_name)
