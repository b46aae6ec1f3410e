"""Named views: one SQL file each in projections/, run read-only on the views database.

A file starts with a header of comment lines:

    -- ccg-budgets: each CCG's allocation for a year, as known at a date
    -- :year   financial year, e.g. 2013-14 (default: the latest year with allocations)
    -- :group  what one row stands for (one of: ccg, area_team, region; default: ccg)

The first line names the view (the file's name) and says what it shows; each ``:name``
line declares a parameter the SQL uses. Every declared parameter is bound, to NULL when
not given, and the SQL supplies the default.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ledger.periods import parse_financial_year
from ledger.views_db import views_problem

PACKAGE_PROJECTIONS = Path(__file__).resolve().parents[2] / "projections"
_PARAMETER = re.compile(r"^--\s*:(?P<name>[a-z_][a-z0-9_]*)\s+(?P<description>.+)$")
_CHOICES = re.compile(r"one of: (?P<choices>[^;)]+)")
_DEFAULT = re.compile(r"default: (?P<default>[^)]+)\)")


class ProjectionError(Exception):
    """A view that cannot be found, read or run as asked."""


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str

    @property
    def choices(self) -> tuple[str, ...]:
        found = _CHOICES.search(self.description)
        return tuple(c.strip() for c in found["choices"].split(",")) if found else ()

    @property
    def default(self) -> str | None:
        found = _DEFAULT.search(self.description)
        return found["default"].strip() if found else None


@dataclass(frozen=True)
class Projection:
    name: str
    description: str
    parameters: tuple[Parameter, ...]
    sql: str
    path: Path


def projection_dirs() -> list[Path]:
    """Where views are looked for, first match wins: LEDGER_PROJECTIONS (a path list),
    ./projections, then the views that ship with the ledger."""
    listed = [Path(p) for p in os.environ.get("LEDGER_PROJECTIONS", "").split(os.pathsep) if p]
    candidates = [*listed, Path("projections"), PACKAGE_PROJECTIONS]
    unique: list[Path] = []
    for path in candidates:
        if path.is_dir() and path.resolve() not in {u.resolve() for u in unique}:
            unique.append(path)
    return unique


def load_projections(dirs: Iterable[Path] | None = None) -> dict[str, Projection]:
    found: dict[str, Projection] = {}
    for directory in projection_dirs() if dirs is None else dirs:
        for path in sorted(directory.glob("*.sql")):
            if path.stem not in found:
                found[path.stem] = parse_projection(path)
    return found


def parse_projection(path: Path) -> Projection:
    text = path.read_text(encoding="utf-8")
    header = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        header.append(line)
    first = header[0] if header else ""
    match = re.match(r"^--\s*(?P<name>[a-z0-9-]+):\s*(?P<description>.+)$", first)
    if match is None or match["name"] != path.stem:
        raise ProjectionError(
            f"{path}:1: a view starts with a comment line '-- {path.stem}: what it shows'"
        )
    parameters = tuple(
        Parameter(found["name"], found["description"].strip())
        for found in map(_PARAMETER.match, header[1:])
        if found
    )
    return Projection(path.stem, match["description"].strip(), parameters, text, path)


def bind(projection: Projection, given: dict[str, str]) -> dict[str, Any]:
    """Check and normalise ``-p NAME VALUE`` pairs; undeclared names are an error."""
    declared = {parameter.name: parameter for parameter in projection.parameters}
    for name in given:
        if name not in declared:
            takes = ", ".join(declared) or "no parameters"
            raise ProjectionError(
                f"view {projection.name} has no parameter {name!r} (it takes: {takes})"
            )
    bound: dict[str, Any] = {name: None for name in declared}
    for name, value in given.items():
        bound[name] = _normalise(declared[name], value)
    return bound


def _normalise(parameter: Parameter, value: str) -> str:
    try:
        if parameter.name == "year" or parameter.name.endswith("_year"):
            return parse_financial_year(value)
        if parameter.name == "as_at" or parameter.name.endswith(("_date", "_as_at")):
            return date.fromisoformat(value).isoformat()
    except ValueError as error:
        raise ProjectionError(f"parameter {parameter.name}: {error}") from None
    if parameter.choices and value not in parameter.choices:
        raise ProjectionError(
            f"parameter {parameter.name}: {value!r} is not one of {', '.join(parameter.choices)}"
        )
    return value


def run(
    views_path: str | Path, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Rows of one read-only statement on the views database."""
    refused: list[str] = []
    connection = open_read_only(views_path, refused)
    try:
        cursor = connection.execute(sql, params or {})
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except sqlite3.Error as error:
        if refused:
            actions = " and ".join(dict.fromkeys(refused))
            raise ProjectionError(
                f"the views database is read-only here: {actions} is not allowed"
            ) from None
        raise views_problem(Path(views_path), error) or ProjectionError(
            f"SQL error: {error}"
        ) from None
    finally:
        connection.close()


# What a read-only statement may do; anything else (writing, ATTACH, a PRAGMA other than
# those that describe tables, temporary tables, loading extensions) is refused.
_ALLOWED_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}
_DENIED_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}
_READING_PRAGMAS = {
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "collation_list", "function_list",
}  # fmt: skip
_SCHEMA_TABLES = {"sqlite_master", "sqlite_temp_master", "sqlite_schema", "sqlite_temp_schema"}
_ACTION_NAMES = {
    getattr(sqlite3, f"SQLITE_{name}"): name.lower().replace("_", " ")
    for name in (
        "CREATE_INDEX",
        "CREATE_TABLE",
        "CREATE_TEMP_INDEX",
        "CREATE_TEMP_TABLE",
        "CREATE_TEMP_TRIGGER",
        "CREATE_TEMP_VIEW",
        "CREATE_TRIGGER",
        "CREATE_VIEW",
        "DELETE",
        "DROP_INDEX",
        "DROP_TABLE",
        "DROP_TEMP_INDEX",
        "DROP_TEMP_TABLE",
        "DROP_TEMP_TRIGGER",
        "DROP_TEMP_VIEW",
        "DROP_TRIGGER",
        "DROP_VIEW",
        "INSERT",
        "PRAGMA",
        "TRANSACTION",
        "UPDATE",
        "ATTACH",
        "DETACH",
        "ALTER_TABLE",
        "REINDEX",
        "ANALYZE",
        "CREATE_VTABLE",
        "DROP_VTABLE",
        "SAVEPOINT",
    )  # fmt: skip
}


def open_read_only(views_path: str | Path, refused: list[str]) -> sqlite3.Connection:
    """A connection that can only read: the file opened read-only, and an authorizer
    that refuses anything but reading (what it refused is appended to ``refused``)."""
    path = Path(views_path)
    if not path.exists():
        raise ProjectionError(f"no views database at {path}")
    connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    connection.execute("PRAGMA query_only = ON")

    def authorise(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _DENIED_FUNCTIONS:
            refused.append(f"the function {arg2}()")
            return sqlite3.SQLITE_DENY
        if action in _ALLOWED_ACTIONS:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA and arg1 in _READING_PRAGMAS:
            return sqlite3.SQLITE_OK
        if arg1 in _SCHEMA_TABLES:
            refused.append("changing the schema")
        else:
            refused.append(_ACTION_NAMES.get(action, str(action)))
        return sqlite3.SQLITE_DENY

    connection.set_authorizer(authorise)
    return connection
