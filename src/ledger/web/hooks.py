"""Datasette's hooks for ``ledger serve`` (this module is the plugin). They act only for
a Datasette that ledger.web.app made: they set ``ledger query``'s read-only authorizer
and limit on the length of a value on every connection to the views (ledger.web.app
gives them ``view_error``), show money in pounds under headings that say so (pence stay
in JSON and CSV), link codes to organisation pages and source ids to their rows, check a
canned query's parameters as ``ledger view`` checks them, catch the views up before a
page when the store has moved on, and add the organisation and timeline pages."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, quote, unquote, urlencode

from datasette import hookimpl as datasette_hookimpl
from datasette.utils.asgi import NotFound, Response
from datasette.views.base import DatasetteError
from markupsafe import Markup

from ledger.explain.missing import no_service, nothing_recorded
from ledger.records.money import format_pounds
from ledger.store.errors import StoreError
from ledger.views.errors import ViewsError
from ledger.views.projections import (
    Projection,
    ProjectionError,
    bind,
    run,
)
from ledger.views.read_limits import MAX_VALUE_BYTES
from ledger.views.read_only import read_only
from ledger.views.tables import TABLES
from ledger.web import pages
from ledger.web.addresses import ANSWERING_CSV, VIEW_NOTES, read_address
from ledger.web.forms import asked_form, form_link, form_page, timeline_form
from ledger.web.lost import TOO_LONG, nowhere
from ledger.web.metadata import SEARCH_DATABASE, VIEWS_DATABASE, index_html
from ledger.web.options import COLUMN_OPTIONS, option_problem
from ledger.web.renderers import view_json
from ledger.web.search import search_phrase, search_problem
from ledger.web.site import Site

# Columns that hold an organisation's code: linked to its page.
CODE_COLUMNS = {
    "code", "account", "organisation", "predecessor", "successor", "counterparty",
    "against", "parent", "area_team", "region", "via",
}  # fmt: skip
# The scripts of every page, in this order (see each file).
_SCRIPTS = [
    Path(__file__).resolve().parent / "static" / name
    for name in ("pound-headings.js", "wrap-long-words.js")
]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
Hook = TypeVar("Hook", bound=Callable[..., Any])
# The interface only reads: any other method is refused.
_READING = {"GET", "HEAD"}
_READ_ONLY = "this ledger is read-only here: only GET and HEAD requests are answered"


def _site(datasette: Any) -> Site | None:
    """The ledger a Datasette serves, when ledger.web.app made it."""
    site = getattr(datasette, "ledger_site", None)
    return site if isinstance(site, Site) else None


def hookimpl(function: Hook) -> Hook:
    """Datasette's hookimpl, keeping the function's type."""
    return cast(Hook, datasette_hookimpl(function))


def hookimpl_last(function: Hook) -> Hook:
    """Datasette's hookimpl, called after Datasette's own implementations of the hook."""
    return cast(Hook, datasette_hookimpl(trylast=True)(function))


@hookimpl_last  # after Datasette's own, so that its escape_fts is replaced on the search
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    if _site(datasette) is None:
        return
    # No text or blob may grow past ``ledger query``'s limit (randomblob(1e9) is 1 GB).
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    if database == VIEWS_DATABASE:
        read_only(conn, _Forgotten())
    if database == SEARCH_DATABASE:
        conn.create_function("escape_fts", 1, search_phrase, deterministic=True)


@hookimpl
def get_metadata(datasette: Any, key: str, database: str, table: str) -> dict[str, Any]:
    """The index's text, naming the sources as they are when the page is served."""
    site = _site(datasette)
    if site is None:
        return {}
    return {"description_html": index_html(datasette.ledger_projections, site.cited)}


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: Any, database: str, datasette: Any
) -> Markup | None:
    site = _site(datasette)
    if site is None or database not in (VIEWS_DATABASE, SEARCH_DATABASE):
        return None
    if column.endswith("_pence") and isinstance(value, int):
        return Markup('<span class="pounds" title="{} pence">{}</span>').format(
            f"{value:,}", format_pounds(value)
        )
    if isinstance(value, str) and column in CODE_COLUMNS and value in site.codes:
        return Markup('<a href="/-/organisation/{}">{}</a>').format(quote(value), value)
    if isinstance(value, str) and column == "source" and value in site.sources:
        return Markup('<a href="/{}/sources/{}">{}</a>').format(
            VIEWS_DATABASE, quote(value, safe=""), value
        )
    return None


@hookimpl
def extra_template_vars(datasette: Any) -> dict[str, Any]:
    """``ledger_notes()``: what the views run for the page noted (view_note), for the
    page to say beside its answer as ``ledger view`` says it on stderr."""
    if _site(datasette) is None:
        return {}
    return {"ledger_notes": lambda: list(VIEW_NOTES.get() or ())}


@hookimpl
def extra_body_script(datasette: Any) -> str | None:
    """The scripts that head each column of money shown in pounds so, and let headings
    wrap (see their files)."""
    if _site(datasette) is None:
        return None
    return "\n".join(script.read_text(encoding="utf-8") for script in _SCRIPTS)


@hookimpl
def register_output_renderer(datasette: Any) -> dict[str, Any] | None:
    """Datasette's JSON, with a named view's notes (see ledger.web.renderers)."""
    if _site(datasette) is None:
        return None

    def render(args: Any, data: Any, view_name: str, database: str, query_name: str | None) -> Any:
        return view_json(args, data, view_name, database, query_name, datasette.ledger_projections)

    return {"extension": "json", "render": render}


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:
    if _site(datasette) is None:
        return []
    return [
        (r"^/-/organisation/(?P<code>[^/]+)$", _organisation_page),
        (
            r"^/-/timeline/(?P<account>[^/]+)/(?P<measure>[^/]+)/(?P<year>[^/]+)$",
            _timeline_page,
        ),
    ]


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[App], App]:
    def wrap(app: App) -> App:
        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            site = _site(datasette)
            if site is None or scope["type"] != "http":
                await app(scope, receive, send)
            elif scope["method"] not in _READING:
                await _refuse(datasette, scope, _READ_ONLY, send, status=405)
            elif scope["path"].startswith("/-/static"):
                await app(scope, receive, send)
            elif (behind := await _behind(site)) is not None:
                await _refuse(datasette, scope, behind, send, status=503)
            elif form := asked_form(scope, datasette.ledger_projections):
                await (await form_page(datasette, scope, receive, form)).asgi_send(send)
            else:
                refused = _checked_parameters(datasette, scope)
                refused = refused or await _checked_options(datasette, scope)
                if refused is not None:
                    await _refuse(datasette, scope, refused, send)
                else:
                    await _answered(app, scope, receive, send)

        return guarded

    return wrap


@hookimpl
def handle_exception(datasette: Any, request: Any, exception: Exception) -> Any:
    """Every error a page ends with, said on a page of the ledger's (or in JSON): an
    address that leads nowhere says what is not there and where the pages are (see
    ledger.web.lost), a query stopped by the time limit says so without Datasette's
    settings, and Datasette's own complaints about an address (a DatasetteError it leaves
    at status 500, such as ``Invalid _through``) are a 400."""
    if _site(datasette) is None:
        return None
    if isinstance(exception, NotFound):
        return _error_response(datasette, request.scope, _nowhere(datasette, request), 404)
    if not isinstance(exception, DatasetteError):
        return None
    if exception.title == "SQL Interrupted":
        return _error_response(datasette, request.scope, TOO_LONG, 400)
    if exception.message_is_html:
        return None
    status = 400 if exception.status == 500 else exception.status
    return _error_response(datasette, request.scope, exception.message, status)


def _nowhere(datasette: Any, request: Any) -> str:
    raw = request.scope.get("raw_path") or request.path.encode("utf-8")
    named = {
        VIEWS_DATABASE: {"views": list(datasette.ledger_projections), "tables": list(TABLES)},
        SEARCH_DATABASE: {"tables": ["organisations"]},
    }
    return nowhere(raw.decode("utf-8", "replace").partition("?")[0], named)


async def _behind(site: Site) -> str | None:
    """Catch the views up with the store; why they could not be (the store cannot be
    reached just now, the views cannot be written), or None. The page is not answered
    from views that may be behind the store, and the next one tries again."""
    try:
        await asyncio.to_thread(site.refresh)
    except (StoreError, ViewsError) as error:
        return str(error)
    return None


async def _checked_options(datasette: Any, scope: Scope) -> str | None:
    """What is wrong with Datasette's own options in the address (see ledger.web.options)."""
    address = read_address(scope)
    if address is None or address.database not in datasette.databases:
        return None
    pairs = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), True)
    named = any(name in COLUMN_OPTIONS for name, _ in pairs)
    database = datasette.databases[address.database]
    sortable = await _sortable(database, address.table) if named else None
    searched = search_problem(pairs) if address.database == SEARCH_DATABASE else None
    return searched or option_problem(pairs, sortable)


async def _sortable(database: Any, table: str | None) -> list[str] | None:
    """The columns Datasette sorts a table by (and rowid, when it has no primary key);
    None when ``table`` is not one of the database's tables."""
    if table is None or not await database.table_exists(table):
        return None
    columns: list[str] = await database.table_columns(table)
    return columns if await database.primary_keys(table) else [*columns, "rowid"]


async def _answered(app: App, scope: Scope, receive: Receive, send: Send) -> None:
    """Datasette's answer, told whether it is in CSV (see ANSWERING_CSV), keeping what
    its views note (VIEW_NOTES)."""
    address = read_address(scope)
    csv = ANSWERING_CSV.set(address is not None and address.format == "csv")
    notes = VIEW_NOTES.set([])
    try:
        await app(scope, receive, send)
    finally:
        ANSWERING_CSV.reset(csv)
        VIEW_NOTES.reset(notes)


class _Forgotten(list[str]):
    """Where the authorizer would keep what it refused: ledger.web.app sets it again on
    the connections it answers from, keeping what it refuses to say why."""

    def append(self, _item: str) -> None:
        return None


def _checked_parameters(datasette: Any, scope: Scope) -> str | None:
    """Check the parameters of a named view (at any address Datasette answers it at) as
    ``ledger view`` checks them, and put each normalised value in the query string; the
    error when one is wrong."""
    address = read_address(scope)
    projections: dict[str, Projection] = datasette.ledger_projections
    if address is None or address.database != VIEWS_DATABASE or address.table not in projections:
        return None
    projection = projections[address.table]
    declared = {parameter.name for parameter in projection.parameters}
    pairs = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), True)
    given = {name: value for name, value in pairs if name in declared and value != ""}
    try:
        bound = bind(projection, given)
    except ProjectionError as error:
        return str(error)
    normal = [(n, bound[n] if n in given else v) for n, v in pairs]
    scope["query_string"] = urlencode(normal).encode("utf-8")
    return None


async def _refuse(
    datasette: Any, scope: Scope, message: str, send: Send, status: int = 400
) -> None:
    response = await _error_response(datasette, scope, message, status)
    if status == 405:
        response.headers["Allow"] = ", ".join(sorted(_READING))
    await response.asgi_send(send)


async def _error_response(
    datasette: Any, scope: Scope, message: str, status: int, form: tuple[str, str] | None = None
) -> Response:
    """``message`` with ``status``, in JSON where Datasette answers in JSON; a page of a
    400 or 404 links to the form of the view it answers (``form``, or the view the
    address names), filled in as given (a 405 or 503 is not the question's fault)."""
    address = read_address(scope)
    if address is not None and address.json:
        return Response.json({"ok": False, "error": message, "status": status}, status=status)
    title = {404: "Not found", 405: "Method not allowed"}.get(status, "Error")
    form = form or form_link(scope, datasette.ledger_projections)
    context = {"error": f"Error: {message}", "title": title, "status": status}
    if form is not None and status in (400, 404):
        context |= {"ledger_form_link": form[0], "ledger_form_view": form[1]}
    page = await datasette.render_template("error.html", context)
    return Response.html(page, status=status)


async def _organisation_page(datasette: Any, request: Any) -> Response:
    site = _site(datasette)
    assert site is not None
    code = unquote(request.url_vars["code"])
    found = await asyncio.to_thread(pages.organisation, site.views, code)
    if found is None:
        message = f"no organisation has the code {code!r}"
        return await _error_response(datasette, request.scope, message, 404)
    figures = await asyncio.to_thread(pages.figures, site.views, code)
    context = {**found, "code": code, "figures": figures, "pounds": _shown}
    return Response.html(await datasette.render_template("ledger-organisation.html", context))


async def _timeline_page(datasette: Any, request: Any) -> Response:
    site = _site(datasette)
    assert site is not None
    account, measure, year = (unquote(request.url_vars[k]) for k in ("account", "measure", "year"))
    as_at, service = (request.args.get(name) or None for name in ("as_at", "service"))
    asked = {"account": account, "measure": measure, "year": year}
    asked |= {"as_at": as_at or "", "service": service or ""}
    form = timeline_form(datasette.ledger_projections, list(asked.items()))
    try:
        steps, apart = await asyncio.to_thread(
            pages.figure_timeline, site.views, account, measure, year, site.read_records,
            as_at, service,
        )  # fmt: skip
    except ProjectionError as error:
        return await _error_response(datasette, request.scope, str(error), 400, form)
    if not steps:  # why, as ledger audit says it
        why = await asyncio.to_thread(_why_none, site.views, account, measure, year, as_at, service)
        return await _error_response(datasette, request.scope, why, 404, form)
    cited = {step.source for step in steps}
    sources = {
        row["id"]: row for row in run(site.views, "SELECT * FROM sources") if row["id"] in cited
    }
    context = {
        "account": account, "measure": measure, "year": year, "as_at": as_at,
        "service": service, "apart": apart, "steps": steps, "sources": sources,
        "pounds": _shown, "views": VIEWS_DATABASE,
    }  # fmt: skip
    return Response.html(await datasette.render_template("ledger-timeline.html", context))


def _why_none(
    views: Path, account: str, measure: str, year: str, as_at: str | None, service: str | None
) -> str:
    """Why a timeline has no steps, as ``ledger audit`` (with ``--service``) says it."""
    if service is not None:
        return no_service(views, account, measure, year, service, as_at)
    return nothing_recorded(views, account, measure, year, as_at)


def _shown(value: int | str | None, unit: str) -> str:
    if isinstance(value, int) and unit == "gbp":
        return format_pounds(value)
    if value is None:
        return ""
    return f"{value}%" if unit == "percent" else f"{value:,}" if isinstance(value, int) else value
