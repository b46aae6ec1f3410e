"""Datasette, set up to serve one ledger's views database read-only.

Datasette's plugin hooks (registered once, and acting only for a Datasette made by
``build``) register ``view_error`` and ``ledger query``'s read-only authorizer on every
connection to the views, show money in pounds (pence stay in JSON and CSV), link codes
to organisation pages and source ids to their rows, check a canned query's parameters
as ``ledger view`` checks them, catch the views up before a page when the store has
moved on, and add the organisation and timeline pages.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import sqlite3
import sys
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, quote, urlencode

from datasette import hookimpl as datasette_hookimpl
from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm
from datasette.utils.asgi import Response
from markupsafe import Markup

from ledger.records.money import format_pounds
from ledger.views.projections import (
    Projection,
    ProjectionError,
    bind,
    load_projections,
    read_only,
    run,
    view_errors,
)
from ledger.views.read_limits import DEFAULT_ROWS, DEFAULT_SECONDS
from ledger.web import pages
from ledger.web.metadata import (
    SEARCH_DATABASE,
    VIEWS_DATABASE,
    canned_queries,
    describe_tables,
    readme_path,
)
from ledger.web.site import Site

TEMPLATES = Path(__file__).resolve().parent / "templates"
OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
# Datasette's settings: the time limit and row limit of ``ledger view``; no downloads
# of the database file (it is being written to while served).
SETTINGS = {
    "sql_time_limit_ms": int(DEFAULT_SECONDS * 1000),
    "max_returned_rows": DEFAULT_ROWS,
    "allow_download": False,
    "default_cache_ttl": 0,
}
# Columns that hold an organisation's code: linked to its page.
CODE_COLUMNS = {
    "code", "account", "organisation", "predecessor", "successor", "counterparty",
    "against", "parent", "area_team", "region", "via",
}  # fmt: skip
_numbers = itertools.count()
Hook = TypeVar("Hook", bound=Callable[..., Any])
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def build(store: str, views: str | Path) -> Datasette:
    """A Datasette serving the ledger at ``store`` through the views at ``views``,
    caught up first."""
    _register()
    # Datasette prints every error's traceback with its local variables when the rich
    # package is installed (it comes with import-linter): a wrong parameter is not a crash.
    # (Imported here: importing it before datasette.app would leave it unregistered.)
    from datasette import handle_exception as datasette_errors

    datasette_errors.rich = None
    # Datasette also has SQLite print the traceback of every Python function that raises:
    # view_error raising is how a view stops with its message, not a bug.
    sqlite3.enable_callback_tracebacks(False)
    site = Site(store, Path(views), search_name=f"ledger-search-{next(_numbers)}")
    site.refresh()
    projections = load_projections()
    datasette = _LedgerDatasette(
        site,
        projections,
        files=[],
        metadata=_metadata(site, projections),
        settings=SETTINGS,
        template_dir=str(TEMPLATES),
    )
    if "_memory" in datasette.databases:
        datasette.remove_database("_memory")
    datasette.add_database(_ViewsDatabase(datasette, site), name=VIEWS_DATABASE)
    search = Database(datasette, memory_name=site.search_name)
    datasette.add_database(search, name=SEARCH_DATABASE)
    return datasette


class _LedgerDatasette(Datasette):  # type: ignore[misc]
    """A Datasette that knows its ledger before its hooks are first asked."""

    def __init__(self, site: Site, projections: dict[str, Projection], **options: Any) -> None:
        self.ledger_site = site
        self.ledger_projections = projections
        super().__init__(**options)


def serve(datasette: Datasette, host: str, port: int) -> None:
    import uvicorn

    asyncio.run(datasette.invoke_startup())
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")


def _site(datasette: Any) -> Site | None:
    return datasette.ledger_site if isinstance(datasette, _LedgerDatasette) else None


class _ViewsDatabase(Database):  # type: ignore[misc]
    """The views database, opened read-only; a connection opened before a rebuild
    replaced the file is not used after it."""

    def __init__(self, datasette: Datasette, site: Site) -> None:
        super().__init__(datasette, path=str(site.views), is_mutable=True)
        self.site = site
        self._held = threading.local()

    async def execute_fn(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        def in_thread() -> Any:
            held = getattr(self._held, "connection", None)
            if held is None or held[0] != self.site.file:
                if held is not None:
                    held[1].close()
                connection = self.connect()
                self.ds._prepare_connection(connection, self.name)
                held = self._held.connection = (self.site.file, connection)
            return fn(held[1])

        if self.ds.executor is None:
            return in_thread()
        return await asyncio.get_running_loop().run_in_executor(self.ds.executor, in_thread)


def _metadata(site: Site, projections: dict[str, Projection]) -> dict[str, Any]:
    readme = readme_path()
    tables = describe_tables(readme.read_text(encoding="utf-8")) if readme else {}
    sources = run(site.views, "SELECT id, title, publisher, published, licence, url FROM sources")
    return {
        "title": "The commissioning ledger",
        "description_html": _index_html(projections, sources),
        "license": "Open Government Licence v3.0",
        "license_url": OGL,
        "source": "NHS England's allocations, board papers and annual reports",
        "source_url": f"/{VIEWS_DATABASE}/sources",
        "databases": {
            VIEWS_DATABASE: {
                "description": "The views database: the ledger's events as tables, "
                "caught up with the store before each page.",
                "tables": tables,
                "queries": canned_queries(projections),
            },
            SEARCH_DATABASE: {
                "description": "Organisations by code and every name they have had.",
                "allow_sql": False,
                "tables": {
                    "organisations": {
                        "description": "Every organisation once, with the names it has "
                        "had; search by code or any word of a name.",
                        "fts_table": "organisations_fts",
                        "fts_pk": "rowid",
                        "sort": "code",
                    },
                    "organisations_fts": {"hidden": True},
                },
            },
        },
    }


def _index_html(projections: dict[str, Projection], sources: list[dict[str, Any]]) -> str:
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
        f'<form action="/{SEARCH_DATABASE}/organisations" method="get">'
        '<label for="org-search">Find an organisation by code or name: </label>'
        '<input id="org-search" type="search" name="_search"> '
        '<input type="submit" value="Search"></form>'
        f"<h2>Views</h2><ul>{views}</ul>"
        f"<h2>Sources</h2><p>Figures are reused under the licence each source states.</p>"
        f"<ul>{cited}</ul>"
    )


def hookimpl(function: Hook) -> Hook:
    """Datasette's hookimpl, keeping the function's type."""
    return cast(Hook, datasette_hookimpl(function))


# Datasette's hooks (this module is the plugin). They act only for a Datasette that
# ``build`` made.
@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    if _site(datasette) is not None and database == VIEWS_DATABASE:
        view_errors(conn)
        read_only(conn, _Forgotten())


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
            if site is None or scope["type"] != "http" or scope["path"].startswith("/-/static"):
                await app(scope, receive, send)
                return
            await asyncio.to_thread(site.refresh)
            refused = _checked_parameters(datasette, scope)
            if refused is not None:
                await _refuse(datasette, scope, refused, send)
            elif scope["path"].startswith(f"/{VIEWS_DATABASE}"):
                await app(scope, receive, _telling_view_errors(datasette, site, scope, send))
            else:
                await app(scope, receive, send)

        return guarded

    return wrap


class _Forgotten(list[str]):
    """Where the authorizer would keep what it refused: Datasette says so itself."""

    def append(self, _item: str) -> None:
        return None


_CANNED = re.compile(rf"^/{VIEWS_DATABASE}/(?P<name>[^/.]+)(?:\.(?P<format>json|csv))?$")


def _checked_parameters(datasette: Any, scope: Scope) -> str | None:
    """Check a canned query's parameters as ``ledger view`` checks them, and put each
    normalised value in the query string; the error when one is wrong."""
    found = _CANNED.match(scope["path"])
    projections: dict[str, Projection] = datasette.ledger_projections
    if found is None or found["name"] not in projections:
        return None
    projection = projections[found["name"]]
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


async def _refuse(datasette: Any, scope: Scope, message: str, send: Send) -> None:
    if scope["path"].endswith(".json"):
        response = Response.json({"ok": False, "error": message}, status=400)
    else:
        page = await datasette.render_template(
            "error.html", {"error": f"Error: {message}", "title": "Error", "status": 400}
        )
        response = Response.html(page, status=400)
    await response.asgi_send(send)


# What SQLite says when a function of Python's raises, as view_error does: the message of
# view_error itself is put in its place, as ``ledger view`` and ``ledger query`` say it.
_RAISED = b"user-defined function raised exception"


def _telling_view_errors(datasette: Any, site: Site, scope: Scope, send: Send) -> Send:
    """``send``, except that a 400 answer that stopped in view_error gets its message."""
    held: list[MutableMapping[str, Any]] = []

    async def sending(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] == 400:
            held.append(message)
            return
        if not held:
            await send(message)
            return
        held.append(message)
        if message.get("more_body"):
            return
        body = b"".join(part.get("body", b"") for part in held[1:])
        if _RAISED in body:
            said = await asyncio.to_thread(_view_error_said, datasette, site, scope)
            if said:
                json_said = json.dumps(said)[1:-1]
                shown = json_said if scope["path"].endswith(".json") else html.escape(said)
                body = body.replace(_RAISED, shown.encode("utf-8"))
        start = dict(held[0])
        start["headers"] = [
            (name, str(len(body)).encode() if name.lower() == b"content-length" else value)
            for name, value in start.get("headers", [])
        ]
        await send(start)
        await send({"type": "http.response.body", "body": body})

    return sending


def _view_error_said(datasette: Any, site: Site, scope: Scope) -> str | None:
    """The message view_error stopped the request's statement with, found by running it
    again the way ``ledger view`` runs it."""
    args = dict(parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), True))
    found = _CANNED.match(scope["path"])
    projections: dict[str, Projection] = datasette.ledger_projections
    if found and found["name"] in projections:
        projection = projections[found["name"]]
        given = {p.name: args[p.name] for p in projection.parameters if args.get(p.name)}
        sql, params = projection.sql, bind(projection, given)
    elif "sql" in args:
        sql, params = args.pop("sql"), {k: v for k, v in args.items() if not k.startswith("_")}
    else:
        return None
    try:
        run(site.views, sql, params)
    except (ProjectionError, sqlite3.Error) as error:
        return str(error)
    return None


async def _organisation_page(datasette: Any, request: Any) -> Response:
    site = _site(datasette)
    assert site is not None
    code = request.url_vars["code"]
    found = await asyncio.to_thread(pages.organisation, site.views, code)
    if found is None:
        return await _not_found(datasette, f"no organisation has the code {code!r}")
    figures = await asyncio.to_thread(pages.figures, site.views, code, site.read_records)
    context = {**found, "code": code, "figures": figures, "pounds": _shown}
    return Response.html(await datasette.render_template("ledger-organisation.html", context))


async def _timeline_page(datasette: Any, request: Any) -> Response:
    site = _site(datasette)
    assert site is not None
    account, measure, year = (request.url_vars[k] for k in ("account", "measure", "year"))
    as_at = request.args.get("as_at") or None
    try:
        steps = await asyncio.to_thread(
            pages.figure_timeline, site.views, account, measure, year, site.read_records, as_at
        )
    except ProjectionError as error:
        return await _not_found(datasette, str(error), status=400)
    if not steps:
        return await _not_found(datasette, f"nothing is recorded for {measure} of {account}")
    cited = {step.source for step in steps}
    sources = {
        row["id"]: row for row in run(site.views, "SELECT * FROM sources") if row["id"] in cited
    }
    context = {
        "account": account, "measure": measure, "year": year, "as_at": as_at,
        "steps": steps, "sources": sources, "pounds": _shown,
        "views": VIEWS_DATABASE,
    }  # fmt: skip
    return Response.html(await datasette.render_template("ledger-timeline.html", context))


def _shown(value: int | str | None, unit: str) -> str:
    if isinstance(value, int) and unit == "gbp":
        return format_pounds(value)
    if value is None:
        return ""
    return f"{value}%" if unit == "percent" else f"{value:,}" if isinstance(value, int) else value


async def _not_found(datasette: Any, message: str, status: int = 404) -> Response:
    page = await datasette.render_template(
        "error.html", {"error": f"Error: {message}", "title": "Not found", "status": status}
    )
    return Response.html(page, status=status)


_registered = threading.Lock()


def _register() -> None:
    with _registered:
        if pm.get_plugin("ledger") is None:
            pm.register(sys.modules[__name__], name="ledger")
