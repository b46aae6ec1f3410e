"""Commands that read the views database: views, view, query, orgs and serve, and the
commands that build it: replay and rebuild."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ledger.cli.common import (
    Settings,
    caught_up_views,
    force_option,
    format_option,
    if_interrupted,
    iso,
    pass_settings,
    progress_on_stderr,
    say_notes,
    show_left_out,
    show_rows,
    source_notes,
    views_recorded_by,
)
from ledger.cli.output import plural, visible
from ledger.cli.values import date_option, stripped
from ledger.cli.view_params import ViewCommand
from ledger.views.read_limits import DEFAULT_ROWS, DEFAULT_SECONDS, ROWS_VARIABLE, TIMEOUT_VARIABLE

Command = TypeVar("Command", bound=Callable[..., Any])


def _finite(_ctx: click.Context, _param: click.Parameter, seconds: float) -> float:
    if not math.isfinite(seconds):
        raise click.BadParameter(f"{seconds} is not a number of seconds")
    return seconds


def limit_options(command: Command) -> Command:
    """--timeout and --max-rows: how long a read may run and how many rows it may answer."""
    timeout = click.option(
        "--timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_SECONDS,
        envvar=TIMEOUT_VARIABLE, show_default=True, metavar="SECONDS", callback=_finite,
        help=f"stop the query after this long (env {TIMEOUT_VARIABLE})",
    )  # fmt: skip
    max_rows = click.option(
        "--max-rows", type=click.IntRange(min=1), default=DEFAULT_ROWS,
        envvar=ROWS_VARIABLE, show_default=True, metavar="N",
        help=f"refuse an answer of more rows than this (env {ROWS_VARIABLE})",
    )  # fmt: skip
    return timeout(max_rows(command))


@click.command("views")
@format_option
@pass_settings
def views_command(settings: Settings, fmt: str) -> None:
    """List the named views (projections/*.sql) and what they show.

    \b
        ledger views
    """
    from ledger.views.projections import load_projections

    rows = [
        {
            "name": projection.name,
            "shows": projection.description,
            "parameters": ", ".join(parameter.name for parameter in projection.parameters),
        }
        for projection in load_projections().values()
    ]
    show_rows(rows, fmt, title="views")
    show_left_out(_left_out(settings.views))


def _left_out(path: str) -> int:
    """How many stored events the views database at ``path`` left out when it last caught
    up (0 when there is no such database to ask)."""
    import sqlite3

    from ledger.views.projections import ProjectionError, run

    try:
        rows = run(path, "SELECT COUNT(*) AS n FROM unprojected WHERE reversed_by IS NULL")
    except (ProjectionError, sqlite3.Error):
        return 0
    return int(rows[0]["n"])


@click.command(cls=ViewCommand)
@click.argument("name", type=stripped)
@click.option(
    "-p", "--param", "params", nargs=2, multiple=True, metavar="NAME VALUE",
    help="a parameter of the view, e.g. -p year 2013-14 or -p year=2013-14 (repeat for more)",
)  # fmt: skip
@click.option(
    "--sort", "sort", multiple=True, metavar="COLUMN",
    help="order the rows by this column, -COLUMN for descending; several comma-separated "
    "or repeated, the first deciding most (money columns may drop _pence)",
)  # fmt: skip
@click.option(
    "--limit", type=click.IntRange(min=0), metavar="N",
    help="print only the first N rows (after --sort); --max-rows counts only these",
)  # fmt: skip
@click.option(
    "--describe", is_flag=True,
    help="say what the view shows, its parameters, each column's meaning and each status "
    "value, instead of running it",
)  # fmt: skip
@format_option
@limit_options
@pass_settings
def view(
    settings: Settings,
    name: str,
    params: tuple[tuple[str, str], ...],
    sort: tuple[str, ...],
    limit: int | None,
    describe: bool,
    fmt: str,
    timeout: float,
    max_rows: int,
) -> None:
    """Run a named view on the views database, caught up with the store first. Every
    view also takes -p recorded_by DATE: the answer as the ledger stood that day, before
    the errata it recorded later. --sort and --limit order and cut the view's rows
    (--max-rows counts the rows kept); --describe says what each column means.

    \b
        ledger view ccg-budgets -p year 2013-14 -p as_at 2014-03-31 -p group region
        ledger view ccg-budgets -p year 2013-14 -p group area_team --sort -allocation --limit 3
        ledger view reconciliation --describe
    """
    from ledger.cli.sorting import SortError, kept, parse_sort, sorted_rows
    from ledger.views.parameter_types import parse_iso_date
    from ledger.views.projections import bind, load_projections, run
    from ledger.views.read_limits import Limits

    projections = load_projections()
    if name not in projections:
        from ledger.explain.suggest import did_you_mean

        hint = did_you_mean(name.strip().lower(), projections)
        raise click.ClickException(f"no view named {name!r}{hint}; `ledger views` lists them")
    projection = projections[name]
    if describe:
        from ledger.cli.describe import description

        click.echo(description(projection))
        return
    try:
        order = parse_sort(sort)
    except SortError as error:
        raise click.BadParameter(str(error), param_hint="--sort") from None
    given = _given_once(params)
    recorded_by = given.pop("recorded_by", None)
    if recorded_by is not None:
        try:
            recorded_by = parse_iso_date(recorded_by)
        except ValueError as error:
            raise click.ClickException(f"parameter recorded_by: {error}") from None
    bound = bind(projection, given)
    try:
        with views_recorded_by(settings, recorded_by) as path:
            _refuse_a_date_after_the_replay(path, bound.get("as_at"))
            limits = Limits(timeout, max_rows, fewer=f"ask for at most {max_rows:,} with --limit")
            notes: list[str] = []  # what the view notes with view_note
            rows = run(path, projection.sql, bound, limits, kept(order, limit), notes)
            sources = source_notes(path) if fmt == "table" else None
    except SortError as error:
        raise click.ClickException(str(error)) from None
    show_rows(sorted_rows(rows, order), fmt, rows.columns, sources=sources, title=name)
    say_notes(notes)


def _refuse_a_date_after_the_replay(path: str, as_at: str | None) -> None:
    """Views replayed --as-at K know nothing later: asked as at a later date, a view would
    answer as though nothing more had become known, and say a year had no records."""
    from ledger.store.files import TRACKING
    from ledger.views.projections import run

    if as_at is None:
        return
    [tracking] = run(path, f"SELECT known_by FROM {TRACKING}")
    known_by = tracking["known_by"]
    if known_by is not None and as_at > known_by:
        raise click.ClickException(
            f"parameter as_at: {as_at} is after {known_by}, the day the views database "
            f"{path} was replayed to (replay --as-at), and it holds nothing known later; "
            f"ask as at {known_by} or earlier, or use views made by rebuild"
        )


def _given_once(params: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """-p pairs as a dict; a name given twice is an error, not the last one winning."""
    given: dict[str, str] = {}
    for name, value in params:
        if name in given:
            raise click.ClickException(f"parameter {name} is given more than once")
        given[name] = value
    return given


@click.command()
@click.argument("sql")
@format_option
@limit_options
@pass_settings
def query(settings: Settings, sql: str, fmt: str, timeout: float, max_rows: int) -> None:
    """Run one read-only SQL statement on the views database, stopped after --timeout
    seconds or on Ctrl-C.

    \b
        ledger query "SELECT account, SUM(delta_pence) FROM postings GROUP BY account"
    """
    from ledger.views.projections import run
    from ledger.views.read_limits import Limits

    path = caught_up_views(settings)
    rows = run(path, sql, limits=Limits(timeout, max_rows))
    if not rows.columns:  # every statement SQLite runs here answers with columns
        raise click.BadParameter(
            "it holds no statement, only space or comments: give one, such as "
            '"SELECT code, name FROM organisations"',
            param_hint="SQL",
        )
    sources = source_notes(path) if fmt == "table" else None
    show_rows(rows, fmt, rows.columns, sources=sources, title="query")


@click.command()
@click.argument("text", type=stripped, required=False)
@click.option(
    "--lineage", is_flag=True,
    help="draw each match's predecessors and successors as a tree, with dates and shares",
)  # fmt: skip
@click.option("--as-at", "as_at", type=date_option, help="only what was known by this date")
@format_option
@pass_settings
def orgs(settings: Settings, text: str | None, lineage: bool, as_at: Any, fmt: str) -> None:
    """Find organisations by code or by any part of a name (any case); with no TEXT, list
    them all. Each row gives the organisation's parents (area team, region) from each
    date, and the organisations it came from and went to, with the date (and for a
    split the share). --lineage draws that history as a tree; for a code matched
    exactly, only that organisation's.

    \b
        ledger orgs staffordshire
        ledger orgs 13T --lineage
    """
    from ledger.explain.organisations import (
        ROW_COLUMNS,
        TREE_COLUMNS,
        draw,
        lineage_tree,
        matching,
        organisation_row,
        read_lineage,
    )
    from ledger.views.parameter_types import parse_text

    try:
        wanted = parse_text(text) if text else None
    except ValueError as error:
        raise click.ClickException(f"TEXT: {error}") from None
    known_by = iso(as_at)
    path = caught_up_views(settings)
    codes = matching(path, wanted, known_by)
    if not codes:
        raise click.ClickException(_no_organisation(wanted, known_by))
    history = read_lineage(path, known_by)
    if not lineage:
        rows = [organisation_row(history, code) for code in codes]
        show_rows(rows, fmt, ROW_COLUMNS, title="orgs")
        return
    if wanted is not None and codes[0].lower() == wanted.lower():
        codes = codes[:1]  # an exact code: that organisation's tree alone
    trees = [lineage_tree(history, code) for code in codes]
    if fmt == "table":
        drawn = (draw(tree) for tree in trees)
        click.echo("\n\n".join("\n".join(map(visible, text.split("\n"))) for text in drawn))
    else:
        rows = [node.row() for tree in trees for node in tree]
        show_rows(rows, fmt, TREE_COLUMNS, title="lineage")


def _no_organisation(text: str | None, known_by: str | None) -> str:
    by = f" (known by {known_by})" if known_by else ""
    if text is None:
        return f"no organisation is recorded{by}"
    return f"no organisation's code or name contains {text!r}{by}"


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True,
    help="the address to listen on (another than 127.0.0.1 lets other machines in)",
)  # fmt: skip
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@pass_settings
def serve(settings: Settings, host: str, port: int) -> None:
    """Browse the views in a web browser, on Datasette: every named view as a form,
    tables you can sort, filter and download as CSV or JSON, organisation search and
    pages, and the timeline of any figure with its sources. Read-only; the views catch
    up with the store before each page when it has moved on. Needs the optional
    Datasette: pip install 'commissioning-ledger[web]'.

    \b
        ledger serve --port 8001
    """
    import socket

    try:
        from ledger.web.app import build
        from ledger.web.app import serve as serve_app
    except ImportError:
        raise click.ClickException(
            "ledger serve needs Datasette: pip install 'commissioning-ledger[web]'"
        ) from None
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        why = str(error.strerror).split(" (while")[0]
        raise click.ClickException(f"cannot listen on {host}:{port}: {why}") from None
    datasette = build(settings.store, settings.views)
    click.echo(f"Serving {settings.views} at http://{host}:{port}/ (Ctrl-C stops)", err=True)
    serve_app(datasette, host, port)


@click.command("replay")
@click.option("--as-at", "as_at", type=date_option, help="keep only what was known by this date")
@click.option(
    "--recorded-by",
    "recorded_by",
    type=date_option,
    help="as the ledger stood on this date: leave out errata recorded later",
)
@click.option(
    "--views", "views_path", help="views database to build (default: the --views of ledger)"
)
@force_option
@pass_settings
def replay_command(
    settings: Settings, as_at: Any, recorded_by: Any, views_path: str | None, force: bool
) -> None:
    """Rebuild a views database from scratch, optionally as known at a date, or as
    the ledger stood on a date (before the errata it recorded later).

    \b
        ledger replay --as-at 2013-09-30 --views september.db
    """
    path = settings.views if views_path is None else views_path
    _replay(settings, path, iso(as_at), force, iso(recorded_by))


@click.command()
@force_option
@pass_settings
def rebuild(settings: Settings, force: bool) -> None:
    """Replay the whole store into the views database, from scratch.

    \b
        ledger rebuild
    """
    _replay(settings, settings.views, None, force)


def _replay(
    settings: Settings, path: str, known_by: str | None, force: bool, recorded_by: str | None = None
) -> None:
    from ledger.store.application import EventStore
    from ledger.views.refresh import replay
    from ledger.writing.bulk import paused_garbage_collection

    if_interrupted(f"the views database {path} is as it was; nothing was recorded")
    with EventStore(settings.store, must_exist=True) as ledger, paused_garbage_collection():
        done = replay(
            ledger, path, known_by, progress=progress_on_stderr("replay"),
            recorded_by=recorded_by, force=force,
        )  # fmt: skip
    scope = f", keeping what was known by {known_by}" if known_by else ""
    if recorded_by:
        scope += f", as the ledger stood on {recorded_by}"
    left_out = (
        f"; {plural(done.unprojected, 'stored event')} could not be projected "
        f"(ledger check lists {'it' if done.unprojected == 1 else 'them'})"
        if done.unprojected
        else ""
    )
    click.echo(
        f"Replayed {plural(done.events, 'event')} into {path}{scope}: "
        f"{plural(done.rows['postings'], 'posting')}, "
        f"{plural(done.rows['organisations'], 'organisation')}{left_out}."
    )
