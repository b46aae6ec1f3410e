"""Named views: one SQL file each in projections/, run read-only on the views database.

A file starts with a header of comment lines:

    -- ccg-budgets: each CCG's allocation for a year, as known at a date
    -- :year  <year>  financial year, e.g. 2013-14 (default: the latest year with allocations)
    -- :group <text>  what one row stands for (one of: ccg, area_team, region; default: ccg)

The first line names the view (the file's name) and says what it shows; each ``:name``
line declares a parameter the SQL uses, optionally with its type in angle brackets (see
parameter_types; without one the type follows the name: ``year``, ``as_at``...). Every
declared parameter is bound, to NULL when not given, and the SQL supplies the default;
a value given is checked and normalised by its type first.

A ``-- columns:`` block says what each output column means, and a ``-- status:`` block
what each value of the status column means, one entry a line, indented two spaces, the
name then two or more spaces then the meaning (a line indented further continues it):

    -- columns:
    --   code              the commissioner's ODS code
    --   allocation_pence  what was issued, plus transfers in, less transfers out
    -- status:
    --   reconciled        every component known, and the residual is zero

``ledger view NAME --describe`` prints them.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.store.files import reading_uri
from ledger.views.errors import views_problem
from ledger.views.parameter_types import PARAMETER_TYPES
from ledger.views.read_limits import Keep, Limits, ReadStopped, guarded, stopped_by_sqlite
from ledger.views.read_only import read_only, refusal, view_errors

PACKAGE_PROJECTIONS = Path(__file__).resolve().parents[3] / "projections"
PROJECTIONS_VARIABLE = "LEDGER_PROJECTIONS"
_PARAMETER = re.compile(
    r"^--\s*:(?P<name>[a-z_][a-z0-9_]*)(?:\s+<(?P<type>[^>]*)>)?\s+(?P<description>.+)$"
)
_BLOCK = re.compile(r"^--\s*(?P<block>columns|status):\s*$")
_ENTRY = re.compile(r"^-- {2,3}(?P<name>\S(?:.*?\S)?) {2,}(?P<meaning>\S.*)$")
_MORE = re.compile(r"^-- {4,}(?P<more>\S.*)$")
_CHOICES = re.compile(r"one of: (?P<choices>[^;)]+)")
_DEFAULT = re.compile(r"default: (?P<default>[^)]+)\)")


class ProjectionError(Exception):
    """A view that cannot be found, read or run as asked."""


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    type: str = "text"

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
    columns: tuple[tuple[str, str], ...] = ()  # each output column and its meaning
    statuses: tuple[tuple[str, str], ...] = ()  # each status value and its meaning
    comment: tuple[str, ...] = ()  # the header's other lines, without their "--"


def projection_dirs() -> list[Path]:
    """Where views are looked for, first match wins: LEDGER_PROJECTIONS (a path list,
    each a folder), ./projections, then the views that ship with the ledger."""
    listed = [Path(p) for p in os.environ.get(PROJECTIONS_VARIABLE, "").split(os.pathsep) if p]
    for path in listed:
        if not path.is_dir():
            raise ProjectionError(
                f"{PROJECTIONS_VARIABLE} names {path}, which is not a folder (it lists the "
                f"folders of your own views, separated by {os.pathsep!r})"
            )
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
            if path.stem not in found and not path.is_dir():  # a folder is not a view
                found[path.stem] = parse_projection(path)
    return found


def parse_projection(path: Path) -> Projection:
    text = _view_text(path)
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
    parameters = _parameters(path, header[1:])
    blocks, comment = _blocks(path, header[1:])
    return Projection(
        path.stem, match["description"].strip(), parameters, text, path,
        columns=tuple(blocks["columns"]), statuses=tuple(blocks["status"]),
        comment=tuple(comment),
    )  # fmt: skip


def _blocks(path: Path, lines: list[str]) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """The ``-- columns:`` and ``-- status:`` entries of a header, and its prose: the
    other lines that do not declare a parameter."""
    blocks: dict[str, list[tuple[str, str]]] = {"columns": [], "status": []}
    comment: list[str] = []
    current: list[tuple[str, str]] | None = None
    for number, line in enumerate(lines, start=2):
        if started := _BLOCK.match(line):
            current = blocks[started["block"]]
            continue
        if current is not None:
            if entry := _ENTRY.match(line):
                current.append((entry["name"], entry["meaning"].strip()))
                continue
            if (more := _MORE.match(line)) and current:
                name, meaning = current[-1]
                current[-1] = (name, f"{meaning} {more['more'].strip()}")
                continue
            if line.strip() != "--" and not _PARAMETER.match(line):
                raise ProjectionError(
                    f"{path}:{number}: a {'columns' if current is blocks['columns'] else 'status'}"
                    " entry is '--   name  meaning' (two spaces, the name, two or more spaces)"
                )
            current = None
        if not _PARAMETER.match(line):
            comment.append(line[2:].removeprefix(" "))
    while comment and not comment[-1].strip():
        comment.pop()
    return blocks, comment


def _view_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        before = error.object[: error.start]
        line, column = before.count(b"\n") + 1, error.start - before.rfind(b"\n")
        raise ProjectionError(
            f"{path}:{line}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at "
            f"column {column})"
        ) from None
    except OSError as error:
        raise ProjectionError(f"{path}: cannot be read ({error.strerror or error})") from None


def _parameters(path: Path, lines: list[str]) -> tuple[Parameter, ...]:
    """The parameters the header's lines declare, each once."""
    parameters: dict[str, Parameter] = {}
    for number, found in enumerate(map(_PARAMETER.match, lines), start=2):
        if found:
            if found["name"] in parameters:
                raise ProjectionError(
                    f"{path}:{number}: parameter :{found['name']} is declared twice"
                )
            parameters[found["name"]] = _parameter(path, number, found)
    return tuple(parameters.values())


def _parameter(path: Path, line: int, found: re.Match[str]) -> Parameter:
    """One ``-- :name <type> description`` line; the type follows the name when not given."""
    name, declared = found["name"], found["type"]
    if declared is not None and declared not in PARAMETER_TYPES:
        raise ProjectionError(
            f"{path}:{line}: parameter :{name} has an unknown type <{declared}> "
            f"(types: {', '.join(PARAMETER_TYPES)})"
        )
    return Parameter(name, found["description"].strip(), declared or _type_by_name(name))


def _type_by_name(name: str) -> str:
    """The type of a parameter declared without one, as its name says."""
    if name == "year" or name.endswith("_year"):
        return "year"
    if name in {"as_at", "effective"} or name.endswith(("_date", "_as_at")):
        return "date"
    if name == "period":
        return "period"
    return "text"


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
        normal = PARAMETER_TYPES[parameter.type](value)
    except ValueError as error:
        raise ProjectionError(f"parameter {parameter.name}: {error}") from None
    if parameter.choices and normal not in parameter.choices:
        chosen = {choice.lower(): choice for choice in parameter.choices}.get(normal.lower())
        if chosen is None:  # a choice in other letters ("Region") is that choice
            choices = ", ".join(parameter.choices)
            raise ProjectionError(f"parameter {parameter.name}: {value!r} is not one of {choices}")
        normal = chosen
    return normal


class Rows(list[dict[str, Any]]):
    """The rows of an answer, and its columns' names: an answer with no rows has them
    too (a CSV of it is its header)."""

    def __init__(self, rows: list[dict[str, Any]], columns: list[str]):
        super().__init__(rows)
        self.columns = columns


def run(
    views_path: str | Path,
    sql: str,
    params: dict[str, Any] | None = None,
    limits: Limits | None = None,
    keep: Keep | None = None,
    notes: list[str] | None = None,
    reader: Reader | None = None,
) -> Rows:
    """Rows of one read-only statement on the views database, or those ``keep`` keeps
    of them; what a view notes with view_note is added to ``notes``. Ctrl-C stops it;
    with ``limits`` so does running too long or answering (keeping) too much (see
    read_limits). It runs on ``reader``'s connection when given (one kept open for many
    statements), else on one of its own."""
    with nullcontext(reader) if reader else Reader(views_path) as reading:
        for said in (reading.refused, reading.raised, reading.noted):
            said.clear()  # what an earlier statement said is not this one's
        connection = reading.connection
        try:
            with guarded(connection, limits) as guard:
                cursor = connection.execute(sql, params or {})
                names = distinct_names([column[0] for column in cursor.description or ()])
                rows = guard.fetch(cursor if keep is None else keep(names, cursor))
            return Rows([dict(zip(names, row, strict=True)) for row in rows], names)
        except ReadStopped as stopped:
            raise ProjectionError(str(stopped)) from None
        except sqlite3.Error as error:
            if reading.raised:
                raise ProjectionError(reading.raised[0]) from None
            if reading.refused:
                raise ProjectionError(refusal(reading.refused)) from None
            why_stopped = stopped_by_sqlite(error)
            if why_stopped:
                raise ProjectionError(why_stopped) from None
            if isinstance(error, sqlite3.ProgrammingError) and "binding" in str(error).lower():
                raise ProjectionError(
                    "the statement has a parameter (? or :name) given no value: write the "
                    "value in the SQL (a view declares its parameters in its header: -- :name ...)"
                ) from None
            raise views_problem(Path(views_path), error) or ProjectionError(
                f"SQL error: {error}"
            ) from None
        finally:
            if notes is not None:
                notes.extend(note for note in reading.noted if note not in notes)


class Reader:
    """One read-only connection on the views database, kept open for many statements
    (``with Reader(path) as reader``), each run as ``run`` runs one: a page that asks
    many questions sets a connection up once and compiles a statement it asks again
    once (SQLite's statement cache)."""

    def __init__(self, views_path: str | Path):
        self.path = views_path
        self.refused: list[str] = []
        self.noted: list[str] = []
        self.connection = open_read_only(views_path, self.refused)
        self.raised = view_errors(self.connection, self.noted)

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *_: object) -> None:
        self.connection.close()

    def run(self, sql: str, params: dict[str, Any] | None = None) -> Rows:
        """``run`` on this connection."""
        return run(self.path, sql, params, reader=self)


def distinct_names(names: list[str]) -> list[str]:
    """Column names, each once: a name already given (``SELECT p.as_at, o.as_at``) is
    followed by _2, _3 and so on, so that no column hides another in a row."""
    taken = set(names)
    seen: set[str] = set()
    distinct = []
    for name in names:
        if name in seen:
            number = 2
            while f"{name}_{number}" in taken:
                number += 1
            name = f"{name}_{number}"
            taken.add(name)
        seen.add(name)
        distinct.append(name)
    return distinct


def open_read_only(views_path: str | Path, refused: list[str]) -> sqlite3.Connection:
    """A connection that can only read: the file opened read-only, and an authorizer
    that refuses anything but reading (what it refused is appended to ``refused``)."""
    path = Path(views_path)
    if not path.exists():
        raise ProjectionError(f"no views database at {path}")
    connection = sqlite3.connect(reading_uri(path.resolve()), uri=True)
    read_only(connection, refused)
    return connection
