"""What an address asks Datasette for, read as Datasette's router reads it: the database,
the table or canned query (tilde-encoded names decoded, so ``ccg~2Dbudgets`` is
``ccg-budgets``), and the format after the dot, whatever its case; and what the request
being answered carries from one of Datasette's steps to the next."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from datasette.utils import tilde_decode

# Datasette's routes for a database and for a table or canned query (datasette.app).
_DATABASE_ROUTE = re.compile(r"^/(?P<database>[^/.]+)(\.(?P<format>\w+))?$")
_TABLE_ROUTE = re.compile(r"^/(?P<database>[^/.]+)/(?P<table>[^/.]+)(\.(?P<format>\w+))?$")

# Whether the request being answered asks for CSV: Datasette's CSV cannot tell an error
# (it answers an empty 200), so then every statement's error stops the request.
ANSWERING_CSV: ContextVar[bool] = ContextVar("answering_csv", default=False)
# What the views run for the request being answered noted with view_note (once each), for
# its page to show; None outside a request.
VIEW_NOTES: ContextVar[list[str] | None] = ContextVar("view_notes", default=None)


@dataclass(frozen=True)
class Address:
    database: str
    table: str | None  # a table or a canned query; None for the database's own page
    format: str | None  # as written after the dot: Datasette answers "json" and "csv"

    @property
    def json(self) -> bool:
        """Whether Datasette answers this address's errors in JSON (only ``.json``)."""
        return self.format == "json"


def read_address(scope: MutableMapping[str, Any]) -> Address | None:
    """The database, table and format a request's path names, as Datasette routes it
    (on the raw path, so that ``%2F`` stays apart from ``/``); None for other pages."""
    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
    path = raw.decode("ascii", "replace").partition("?")[0]
    found = _TABLE_ROUTE.match(path) or _DATABASE_ROUTE.match(path)
    if found is None:
        return None
    table = found.groupdict().get("table")
    return Address(
        database=tilde_decode(found["database"]),
        table=tilde_decode(table) if table is not None else None,
        format=found["format"],
    )
