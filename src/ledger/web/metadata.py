"""What Datasette says about the views database, generated from the one place it is
written down: tables and columns from projections/README.md, canned queries from the
named views of projections/*.sql (their header comments and parameters); and the
index's text, which names the sources as they are when it is served."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ledger.views.projections import Projection, projection_dirs
from ledger.views.tables import TABLES

VIEWS_DATABASE = "views"  # the name the views database has in the browser's addresses
SEARCH_DATABASE = "search"

_SECTION = re.compile(r"^###\s+(?P<title>.+?)\s*$")
_NAME = re.compile(r"`([a-z_][a-z0-9_]*)`")
# The sections of the README that describe columns common to many tables.
_SHARED_SECTIONS = ("The time axes in every table", "Columns in many tables")


def readme_path(dirs: Iterable[Path] | None = None) -> Path | None:
    """projections/README.md, from the first folder of views that has one."""
    for directory in projection_dirs() if dirs is None else dirs:
        if (directory / "README.md").is_file():
            return directory / "README.md"
    return None


def describe_tables(readme: str) -> dict[str, dict[str, Any]]:
    """``{table: {"description": ..., "columns": {column: meaning}}}`` for every table of
    the views database, read from projections/README.md: a ``### `table` `` section (its
    first paragraph, and its ``| column | meaning |`` rows), or a row of the "Reference
    tables" table. A column the table's own text leaves out takes its meaning from the
    time axes every table shares, then from the same column of ``postings``."""
    sections = _sections(readme)
    found: dict[str, dict[str, Any]] = {}
    for title, lines in sections.items():
        name = title.strip("`")
        if title.startswith("`") and name in TABLES:
            found[name] = {
                "description": _first_paragraph(lines),
                "columns": _column_rows(lines),
            }
    for cells in _table_rows(sections.get("Reference tables", [])):
        if len(cells) == 3 and cells[0].strip("`") in TABLES:
            name = cells[0].strip("`")
            found[name] = {
                "description": f"One row per {_plain(cells[1])}.",
                "columns": _columns_in_prose(cells[2], name),
            }
    shared: dict[str, str] = {}
    for title in _SHARED_SECTIONS:
        shared |= _bullets(sections.get(title, []))
    postings = found.get("postings", {}).get("columns", {})
    for name, described in found.items():
        columns = described["columns"]
        for column in TABLES[name]["columns"]:
            meaning = columns.get(column) or shared.get(column) or postings.get(column)
            if meaning:
                columns[column] = meaning
        described["columns"] = {c: columns[c] for c in TABLES[name]["columns"] if c in columns}
    return found


def _sections(readme: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in readme.splitlines():
        heading = _SECTION.match(line)
        if heading:
            current = sections.setdefault(heading["title"], [])
        elif line.startswith("## "):
            current = None
        elif current is not None:
            current.append(line)
    return sections


def _first_paragraph(lines: list[str]) -> str:
    paragraph: list[str] = []
    for line in lines:
        if not line.strip() or line.startswith(("|", "```")):
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    return _plain(" ".join(paragraph))


def _table_rows(lines: list[str]) -> list[list[str]]:
    """The body rows of the first markdown table in ``lines``, as cells."""
    rows = [line for line in lines if line.startswith("|")]
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows[2:]]


def _column_rows(lines: list[str]) -> dict[str, str]:
    """``| `a`, `b` | meaning |`` rows: each column named in the first cell."""
    columns: dict[str, str] = {}
    for cells in _table_rows(lines):
        if len(cells) >= 2:
            for name in _NAME.findall(cells[0]):
                columns[name] = _plain(cells[1])
    return columns


def _columns_in_prose(text: str, table: str) -> dict[str, str]:
    """The table's columns listed in a sentence, each followed by what it holds in
    brackets: `` `type` (ccg, icb, ...), `parent` (the aggregate it rolls up into)``.
    A list that ends "and" shares the brackets after its last column (`` `weight_before`,
    `weight` and `weight_total` (...)``); a column with none has no meaning here."""
    names = "|".join(map(re.escape, TABLES[table]["columns"]))
    columns: dict[str, str] = {}
    waiting: list[str] = []
    at = 0
    for found in re.finditer(rf"`({names})`", text):
        if found.start() < at:
            continue  # named inside the brackets of the column before
        between = text[at : found.start()]
        if waiting and not re.fullmatch(r"\s*(,|and|or)\s*", between):
            waiting = []
        shared = waiting if re.fullmatch(r"\s*(and|or)\s*", between) else []
        meaning = _bracketed(text[found.end() :])
        at = found.end() + (text[found.end() :].index(meaning) + len(meaning) + 1 if meaning else 0)
        if not meaning:
            waiting.append(found[1])
            continue
        for column in [*shared, found[1]]:
            columns[column] = _plain(meaning)
        waiting = []
    return columns


def _bracketed(text: str) -> str:
    """What the brackets that open ``text`` (after spaces) hold, or ''."""
    stripped = text.lstrip()
    if not stripped.startswith("("):
        return ""
    depth = 0
    for index, character in enumerate(stripped):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0:
            return stripped[1:index]
    return ""


def _bullets(lines: list[str]) -> dict[str, str]:
    """``- `name`, `other`: meaning`` items (continued on indented lines)."""
    items: dict[str, str] = {}
    names: list[str] = []
    for line in lines:
        item = re.match(r"^- ((?:`[a-z_]+`(?:, )?)+):\s*(.*)$", line)
        if item:
            names = _NAME.findall(item[1])
            items |= {name: item[2] for name in names}
        elif names and line.startswith("  "):
            items |= {name: items[name] + " " + line.strip() for name in names}
        else:
            names = []
    return {key: _plain(value) for key, value in items.items()}


def _plain(text: str) -> str:
    """Markdown's inline marks taken off: `code` and **bold** read as plain text."""
    return re.sub(r"\s+", " ", text.replace("`", "").replace("**", "")).strip()


# The parameters of a canned query: Datasette binds an empty form field as '', which
# here means "not given", as leaving out -p does for ``ledger view``.
def canned_sql(projection: Projection) -> str:
    """The view's SQL with each declared ``:name`` read as NULL when it is empty (in the
    statement, not in its header comment)."""
    lines = projection.sql.splitlines(keepends=True)
    for parameter in projection.parameters:
        used = re.compile(rf"(?<![A-Za-z0-9_]):{parameter.name}(?![A-Za-z0-9_])")
        lines = [
            line
            if line.lstrip().startswith("--")
            else used.sub(f"nullif(:{parameter.name}, '')", line)
            for line in lines
        ]
    return "".join(lines)


def canned_queries(projections: dict[str, Projection]) -> dict[str, dict[str, Any]]:
    """One canned query per named view, described by its header comment: what it shows
    (which heads its page) and its parameters."""
    return {
        name: {
            "title": name,
            "description": projection.description,
            "sql": canned_sql(projection),
            "params": [parameter.name for parameter in projection.parameters],
            "hide_sql": True,  # long; "Show SQL" shows it
            "description_html": _view_html(projection),
        }
        for name, projection in projections.items()
    }


def _view_html(projection: Projection) -> str:
    listed = "".join(
        f"<li><code>{html.escape(p.name)}</code> &lt;{html.escape(p.type)}&gt; "
        f"{html.escape(p.description)}</li>"
        for p in projection.parameters
    )
    parameters = f"<p>Leave a field empty for its default.</p><ul>{listed}</ul>" if listed else ""
    return f"{parameters}<p>Money is shown in pounds; the JSON and CSV give integer pence.</p>"


def index_html(projections: dict[str, Projection], sources: Iterable[dict[str, Any]]) -> str:
    """The index page's text: the views, the organisation search and the sources."""
    views = "".join(
        f'<li><a href="/{VIEWS_DATABASE}/{quote(name)}">{html.escape(name)}</a>: '
        f"{html.escape(p.description)}</li>"
        for name, p in projections.items()
    )
    cited = "".join(
        f'<li><a href="/{VIEWS_DATABASE}/sources/{quote(s["id"], safe="")}">'
        f"{html.escape(s['title'] or s['id'])}</a>, {html.escape(s['publisher'] or '')}"
        f"{', ' + html.escape(s['published']) if s['published'] else ''}"
        f"{' (' + html.escape(s['licence']) + ')' if s['licence'] else ''}</li>"
        for s in sources
    )
    return (
        "<p>An event-sourced ledger of NHS commissioning budgets: every allocation, "
        "transfer, plan and forecast with its date and its source. The pages show the "
        "ledger as it stands now.</p>"
        f'<form class="ledger-search" action="/{SEARCH_DATABASE}/organisations" method="get">'
        '<label for="org-search">Find an organisation by code or name: </label>'
        '<input id="org-search" type="search" name="_search"> '
        '<input type="submit" value="Search"></form>'
        f"<h2>Views</h2><ul>{views}</ul>"
        f"<h2>Sources</h2><p>Figures are reused under the licence each source states.</p>"
        f"<ul>{cited}</ul>"
    )
